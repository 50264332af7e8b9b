"""Request bodies: strict JSON, checked against the document's own schemas before any work.

A body that is not one JSON object (or not JSON) answers 400; one with the wrong media
type 415; one the schema refuses 422 with a sentence per field. Nothing is read from a
body before it passed, so no half-understood request can change anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator, ValidationError, validators

from intake_api.api.errors import ApiError

_MAX_DEPTH = 32


def json_object() -> dict[str, Any]:
    """The request's body as a JSON object, or an ``ApiError``."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        body = json.loads(
            request.get_data(cache=True),
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError):
        raise ApiError(
            400, "bad_request", "The body is not valid JSON (UTF-8, no repeated keys)."
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "Send one JSON object.")
    if _depth(body) > _MAX_DEPTH:
        raise ApiError(400, "bad_request", "The body is nested too deeply.")
    return body


def check(
    body: dict[str, Any], schema: dict[str, Any], *, rules: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``body`` if the schema admits it; otherwise a 422 naming each refused field.

    ``rules``: a field's message, in the body's language, where the schema states a rule of
    the service's that spans fields (``anyOf``: a contact address needs an adult age group).
    """
    errors: dict[str, str] = {}
    for error in sorted(_validator(json.dumps(schema, sort_keys=True)).iter_errors(body), key=str):
        for field in _fields(error, body):
            ruled = (rules or {}).get(field) if error.validator == "anyOf" else None
            errors.setdefault(field, ruled or _sentence(error))
    if errors:
        raise ApiError(422, "invalid", "Some fields were refused.", errors=errors)
    return body


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("repeated key")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    """``pattern`` as ECMA-262 reads it: ``$`` is the end of the text, never before a final newline."""
    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    )


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def _validator(schema_json: str) -> Any:
    return _Validator(json.loads(schema_json))


def _fields(error: ValidationError, body: dict[str, Any]) -> list[str]:
    if error.absolute_path:
        return [str(error.absolute_path[0])]
    if error.validator == "required":
        return [name for name in error.validator_value if name not in body] or ["body"]
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return sorted(key for key in body if key not in known) or ["body"]
    if error.validator == "anyOf" and "contact_email" in body:
        return ["contact_email"]
    return ["body"]


_SENTENCES = {
    "type": "has the wrong type: {value}.",
    "enum": "is not one of the values the document lists.",
    "const": "must be {value}.",
    "pattern": "does not have the documented form.",
    "minLength": "is too short.",
    "maxLength": "is too long.",
    "minimum": "is below the documented minimum.",
    "maximum": "is above the documented maximum.",
    "maxItems": "has too many items.",
    "uniqueItems": "repeats an item.",
    "required": "is required.",
    "additionalProperties": "is not a field of this request.",
    "minProperties": "is empty: send at least one field.",
    "anyOf": "is kept only with the age group of an adult (at or above the age of digital consent).",
}


def _sentence(error: ValidationError) -> str:
    template = _SENTENCES.get(str(error.validator), "is not valid.")
    expected = error.validator_value
    if error.validator == "type":
        expected = "expected " + (
            " or ".join(expected) if isinstance(expected, list) else str(expected)
        )
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    sentence = template.format(
        value=json.dumps(expected) if error.validator == "const" else expected
    )
    return f"{sentence} {description}" if description and error.validator == "pattern" else sentence
