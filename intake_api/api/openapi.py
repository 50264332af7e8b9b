"""The OpenAPI 3.1 description of /api/v1, as strict as the server (it is built from the same schemas).

Every status an operation can answer is listed with its JSON body; the tests check every
response against this document, and Schemathesis fuzzes the server from it.
"""

from __future__ import annotations

from typing import Any

from intake_api import __version__
from intake_api.api import schemas
from intake_api.record_kinds import KINDS

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_ERROR_TEXT = {
    400: "Malformed request: a parameter given twice or empty, out of bounds, or a body that is not one JSON object",
    401: "No valid bearer token (missing, unknown, revoked, or its staff member deactivated)",
    403: "The caller's role does not cover this review or action",
    404: "No such record or review, or not in the caller's reviews",
    405: "Method not allowed here; the Allow header lists those that are",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "The body was refused: field by field in `errors`",
    500: "Unexpected error; nothing was changed",
    503: "The store is unavailable for a moment (stopped, restarting, read-only, locked); nothing was changed. "
    "Send the same request again after Retry-After seconds (with the same Idempotency-Key: it stores once)",
}
_ALWAYS = (
    401,
    405,
    500,
    503,
)  # 503: the bearer token is looked up in the store, so any operation can meet it
_SHARED_RESPONSES = {405: "MethodNotAllowed", 503: "StoreUnavailable"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    """Error answers of an operation: those named, plus those every operation can give."""
    answers: dict[str, Any] = {}
    for code in sorted({*codes, *_ALWAYS}):
        shared = _SHARED_RESPONSES.get(code)
        answers[str(code)] = (
            {"$ref": f"#/components/responses/{shared}"}
            if shared
            else _json(_ERROR_REF, _ERROR_TEXT[code])
        )
    return answers


def _query(name: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    return {**parameter, "description": description} if description else parameter


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _list_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"$ref": ref}}},
    }


def _file(media_types: list[str], description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {} for media in media_types}}


_REVIEW_QUERY = _query(
    "review", schemas.REVIEW, "One of the caller's reviews; all of them when left out."
)
_LOCALE_QUERY = _query("locale", schemas.LOCALE, "Language of labels; en when left out.")
_SLUG = _path("slug", schemas.REVIEW)
_INPUT_RECEIPT = _path("receipt", {"type": "string", "pattern": schemas.INPUT_RECEIPT_PATTERN})
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "pattern": schemas.IDEMPOTENCY_KEY_PATTERN},
}


def openapi_document(minor_age_groups: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The document; ``minor_age_groups`` follow ``INTAKE_DIGITAL_CONSENT_AGE`` (no contact address kept)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gcm-intake staff API",
            "version": __version__,
            "description": "Inputs to the Regional Reviews of the Global Compact for Migration. "
            "Every request needs a bearer token; an organiser acts in their reviews only. "
            "Parameters are given at most once and never empty.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/submissions": {
                "get": {
                    "operationId": "listSubmissions",
                    "summary": "List inputs (cursor pagination, oldest first)",
                    "parameters": [
                        _REVIEW_QUERY,
                        _query("status", {"type": "string", "enum": schemas.ALL_STATUSES}),
                        _query(
                            "since",
                            {"type": "string", "pattern": schemas.SINCE_PATTERN},
                            "Inputs received from this date (midnight UTC) or date and time (with its offset).",
                        ),
                        _query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": schemas.PAGE_MAX},
                            f"Page size, {schemas.PAGE_DEFAULT} when left out.",
                        ),
                        _query(
                            "cursor",
                            {"type": "string", "pattern": schemas.CURSOR_PATTERN},
                            "next_cursor of the previous page.",
                        ),
                    ],
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/InputPage"}, "A page of inputs"
                        ),
                        **_errors(400, 403),
                    },
                },
                "post": {
                    "operationId": "createSubmission",
                    "summary": "Submit an input from a partner system",
                    "description": "The Idempotency-Key makes a retried POST store once (200, duplicate: true). "
                    "The same key with other answers is refused with 422 "
                    "(error: idempotency_key_reused): use a new key for every new input.",
                    "parameters": [_IDEMPOTENCY_KEY],
                    "requestBody": _body({"$ref": "#/components/schemas/NewInput"}),
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Receipt"}, "Stored"),
                        "200": _json(
                            {"$ref": "#/components/schemas/Receipt"}, "Stored before with this key"
                        ),
                        **_errors(400, 403, 413, 415, 422),
                    },
                },
            },
            "/submissions/{receipt}": {
                "get": {
                    "operationId": "getSubmission",
                    "summary": "One input",
                    "parameters": [_INPUT_RECEIPT],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Input"}, "The input"),
                        **_errors(404),
                    },
                },
                "patch": {
                    "operationId": "updateSubmission",
                    "summary": "Change the status and/or add objective tags, all or nothing",
                    "parameters": [_INPUT_RECEIPT],
                    "requestBody": _body({"$ref": "#/components/schemas/InputUpdate"}),
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Input"}, "The updated input"),
                        **_errors(400, 404, 413, 415, 422),
                    },
                },
                "delete": {
                    "operationId": "eraseRecord",
                    "summary": "Erase a record (input, pledge, practice or registration) on its author's request",
                    "description": "Administrators only; audited. Erasing again answers 404.",
                    "parameters": [_any_receipt()],
                    "responses": {"204": {"description": "Erased"}, **_errors(403, 404)},
                },
            },
            "/submissions/{receipt}/consents": {
                "post": {
                    "operationId": "withdrawConsent",
                    "summary": "Withdraw a consent on the contributor's behalf",
                    "parameters": [_any_receipt()],
                    "requestBody": _body({"$ref": "#/components/schemas/ConsentWithdrawal"}),
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/ConsentWithdrawn"}, "Withdrawn"
                        ),
                        **_errors(400, 404, 413, 415, 422),
                    },
                },
            },
            "/reviews/{slug}/stats": {
                "get": {
                    "operationId": "reviewStats",
                    "summary": "Counts for a review",
                    "description": 'Every count as App Home shows it: below 5 hidden ("<5"), and others hidden '
                    '("x") where they would let a small one be worked out from the total. '
                    "flagged: the review's flagged inputs.",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Stats"}, "Counts"),
                        **_errors(403, 404),
                    },
                }
            },
            "/reviews/{slug}/report": {
                "get": {
                    "operationId": "reviewReport",
                    "summary": "The summary report of a review",
                    "parameters": [
                        _SLUG,
                        _LOCALE_QUERY,
                        _query(
                            "format",
                            {"type": "string", "enum": schemas.REPORT_FORMATS},
                            "html when left out.",
                        ),
                    ],
                    "responses": {
                        "200": _file(
                            [_media(f) for f in schemas.REPORT_FORMATS], "The report file"
                        ),
                        **_errors(400, 403, 404),
                    },
                }
            },
            "/exports/submissions": {
                "get": {
                    "operationId": "exportSubmissions",
                    "summary": "Every input of the caller's reviews, streamed",
                    "parameters": [
                        _REVIEW_QUERY,
                        _LOCALE_QUERY,
                        _query(
                            "format",
                            {"type": "string", "enum": schemas.EXPORT_FORMATS},
                            "csv when left out.",
                        ),
                    ],
                    "responses": {
                        "200": _file(
                            [_media(f) for f in schemas.EXPORT_FORMATS], "The export file"
                        ),
                        **_errors(400, 403),
                    },
                }
            },
            **_kind_paths(),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "MethodNotAllowed": {
                    "description": _ERROR_TEXT[405],
                    "headers": {"Allow": {"required": True, "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": _ERROR_REF}},
                },
                "StoreUnavailable": {
                    "description": _ERROR_TEXT[503],
                    "headers": {
                        "Retry-After": {
                            "required": True,
                            "description": "Seconds to wait before trying again",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    },
                    "content": {"application/json": {"schema": _ERROR_REF}},
                },
            },
            "schemas": {
                "Error": schemas.ERROR,
                "Input": schemas.INPUT_OUT,
                "InputPage": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Input"}},
                        "next_cursor": {
                            "type": ["string", "null"],
                            "pattern": schemas.CURSOR_PATTERN,
                        },
                    },
                },
                "NewInput": schemas.new_input(minor_age_groups),
                "InputUpdate": schemas.INPUT_UPDATE,
                "ConsentWithdrawal": schemas.CONSENT_WITHDRAWAL,
                "PublicationUpdate": schemas.PUBLICATION_UPDATE,
                "ConsentWithdrawn": schemas.CONSENT_OUT,
                "Receipt": schemas.RECEIPT_OUT,
                "Stats": schemas.STATS_OUT,
                **_kind_schemas(),
            },
        },
    }


def _any_receipt() -> dict[str, Any]:
    """The receipt of a record of any declared kind, in a path."""
    return _path("receipt", {"type": "string", "pattern": schemas.receipt_pattern()})


def _kind_paths() -> dict[str, Any]:
    """The collections of the declared record kinds (``intake_api.record_kinds``)."""
    paths: dict[str, Any] = {}
    for kind in KINDS.values():
        if (api := kind.api) is None:
            continue
        ref = f"#/components/schemas/{api.schema_name}"
        item: dict[str, Any] = {
            "get": {
                "operationId": api.operation_id,
                "summary": api.summary,
                "parameters": [_REVIEW_QUERY],
                "responses": {"200": _json(_list_of(ref), api.listed), **_errors(400, 403)},
            }
        }
        if api.new_schema is not None:
            item["post"] = {
                "operationId": api.create_operation_id,
                "summary": f"Submit a {kind.name} from a partner system",
                "parameters": [_IDEMPOTENCY_KEY],
                "requestBody": _body(dict(api.new_schema)),
                "responses": {
                    "201": _json(schemas.receipt_out(kind.receipt_prefix), "Stored"),
                    "200": _json(
                        schemas.receipt_out(kind.receipt_prefix), "Stored before with this key"
                    ),
                    **_errors(400, 403, 413, 415, 422),
                },
            }
        paths[api.path] = item
        if api.update_operation_id is not None:
            paths[f"{api.path}/{{receipt}}"] = {
                "patch": {
                    "operationId": api.update_operation_id,
                    "summary": f"Publish a {kind.name} on the Migration Network Hub, or take it down",
                    "description": "Idempotent and audited; staff of the item's review (an item of no "
                    "review: administrators). Publishing needs its author's consent to publish "
                    "(may_publish): without it the answer is 409 (error: no_consent_to_publish) "
                    "and nothing changes. A withdrawal by the author takes it down by itself.",
                    "parameters": [
                        _path(
                            "receipt",
                            {
                                "type": "string",
                                "pattern": schemas.kind_receipt_pattern(kind.receipt_prefix),
                            },
                        )
                    ],
                    "requestBody": _body({"$ref": "#/components/schemas/PublicationUpdate"}),
                    "responses": {
                        "200": _json({"$ref": ref}, f"The {kind.name} as listed"),
                        "409": _json(
                            _ERROR_REF, "Its author did not agree to publication, or withdrew it"
                        ),
                        **_errors(400, 404, 413, 415, 422),
                    },
                }
            }
    return paths


def _kind_schemas() -> dict[str, Any]:
    return {
        kind.api.schema_name: dict(
            kind.api.item_schema or schemas.ITEM_SCHEMAS[kind.api.schema_name]
        )
        for kind in KINDS.values()
        if kind.api is not None
    }


def _media(fmt: str) -> str:
    return schemas.MEDIA_TYPES[fmt].split(";")[0]
