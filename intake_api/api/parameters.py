"""Query, path and header parameters, parsed exactly as the OpenAPI document declares them.

Each parameter is given once and never empty; numbers are ASCII digits within their
bounds; choices are one of the documented values. Anything else answers 400 (404 for a
path that names no record) before the request touches the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, time

from flask import request

from intake_api.api import schemas
from intake_api.api.errors import ApiError


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "bad_request", f"Give {name} once.")
    if values and values[0] == "":
        raise ApiError(400, "bad_request", f"{name} is empty: leave it out, or give a value.")
    return values[0] if values else None


def choice(name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    raw = _one(name)
    if raw is None:
        return default
    options = list(allowed)
    if raw not in options:
        raise ApiError(400, "bad_request", f"{name} must be one of: {', '.join(options)}.")
    return raw


def page_size() -> int:
    raw = _one("limit")
    if raw is None:
        return schemas.PAGE_DEFAULT
    if not _matches(schemas.LIMIT_PATTERN, raw) or not 1 <= int(raw) <= schemas.PAGE_MAX:
        raise ApiError(
            400, "bad_request", f"limit must be a whole number from 1 to {schemas.PAGE_MAX}."
        )
    return int(raw)


def cursor() -> int:
    """The id after which the page starts (0: the first page)."""
    raw = _one("cursor")
    if raw is None:
        return 0
    if not _matches(schemas.CURSOR_PATTERN, raw):
        raise ApiError(400, "bad_request", "Unknown cursor: pass next_cursor as it was given.")
    return int(raw, 36)


def encode_cursor(last_id: int) -> str:
    digits = ""
    while True:
        last_id, digit = divmod(last_id, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not last_id:
            return digits


def since() -> datetime | None:
    """A date (midnight UTC) or a date and time with its offset, as a UTC time."""
    raw = _one("since")
    if raw is None:
        return None
    refused = ApiError(
        400,
        "bad_request",
        "since must be a date (2026-11-30) or a date and time with "
        "its offset (2026-11-30T08:00:00Z).",
    )
    if not _matches(schemas.SINCE_PATTERN, raw):
        raise refused
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:  # a day the calendar does not have: 2026-02-30
        raise refused from None
    if moment.tzinfo is None:
        moment = datetime.combine(moment.date(), time(), UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last hours of the years 1 and 9999
        return (
            datetime.min.replace(tzinfo=UTC)
            if moment.year == 1
            else datetime.max.replace(tzinfo=UTC)
        )


def receipt(raw: str, *, inputs_only: bool = False) -> str:
    """A receipt as the API writes it; anything else names no record (404)."""
    if not _matches(
        schemas.INPUT_RECEIPT_PATTERN if inputs_only else schemas.receipt_pattern(), raw
    ):
        raise ApiError(404, "not_found", "No such record, or not in your reviews.")
    return raw


def idempotency_key() -> str:
    values = request.headers.getlist("Idempotency-Key")
    if len(values) != 1 or not _matches(schemas.IDEMPOTENCY_KEY_PATTERN, values[0]):
        raise ApiError(
            400,
            "idempotency_key_required",
            f"Send one Idempotency-Key header: 1 to {schemas.IDEMPOTENCY_KEY_MAX} visible ASCII "
            "characters, new for every new input.",
        )
    return values[0]


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None
