"""The JSON Schemas of /api/v1: what the OpenAPI document publishes is what the server enforces.

Request bodies are checked against these very schemas before anything else looks at
them (``intake_api.api.validation``), and query and path parameters are parsed by the
patterns and bounds declared here (``intake_api.api.parameters``). So a client, or a
fuzzer, reading the document knows exactly what is accepted: anything the document calls
valid is accepted, anything it calls invalid is refused with a JSON error.

Patterns are written so that ECMA-262 (the document's dialect) and Python read them the
same way: explicit character classes only, and ``$`` only at the very end (Python's ``$``
would also match before a final newline; the validator reads it as the end of the text).
"""

from __future__ import annotations

from typing import Any

from intake_api.answer_schema import EMAIL_PATTERN, free_text_pattern
from intake_api.consent import WITHDRAWABLE
from intake_api.i18n import LOCALES
from intake_api.moderation import ACTIONS
from intake_api.participation import GROUPS as STATS_GROUPS
from intake_api.policies.disclosure import HIDDEN_SYMBOL, SMALL_COUNT, SMALL_SYMBOL, Reason
from intake_api.questionnaire import INPUT, TEXT_MAX, TEXT_MIN
from intake_api.record_kinds import KINDS
from intake_api.stats import AGES as STATS_AGES
from models.reference import (
    AGE_GROUPS,
    CHANNELS,
    COUNTRY_CODES,
    GENDERS,
    OBJECTIVE_NUMBERS,
    REVIEW_SLUGS,
    STAKEHOLDER_GROUPS,
    THEMES,
)
from models.submission import SUBMISSION_STATUSES

PAGE_DEFAULT, PAGE_MAX = 50, 500
IDEMPOTENCY_KEY_MAX = 100
CURSOR_LENGTH = 12  # base-36 digits: every cursor the pattern admits is an id below 2**63

# Crockford's base32, as receipts are written (intake_api.receipts).
_CODE = "[0-9A-HJKMNP-TV-Z]{4}"


def receipt_pattern() -> str:
    """A receipt of any declared record kind, as the API writes it."""
    return f"^({'|'.join(kind.receipt_prefix for kind in KINDS.values())})-{_CODE}-{_CODE}$"


def kind_receipt_pattern(prefix: str) -> str:
    """A receipt of the kind whose codes start ``prefix``."""
    return f"^{prefix}-{_CODE}-{_CODE}$"


RECEIPT_PATTERN = receipt_pattern()
INPUT_RECEIPT_PATTERN = f"^IN-{_CODE}-{_CODE}$"
CURSOR_PATTERN = f"^[0-9a-z]{{1,{CURSOR_LENGTH}}}$"
LIMIT_PATTERN = "^[0-9]{1,3}$"
IDEMPOTENCY_KEY_PATTERN = (
    f"^[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}$"  # visible ASCII, as UUIDs and ULIDs are
)
# RFC 3339 full-date (a day the calendar has: leap years included), or date-time with an offset.
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_DAY = (
    f"({_YEAR}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
    f"|{_LEAP_YEAR}-02-29)"
)
_TIME = "[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
SINCE_PATTERN = f"^{_DAY}({_TIME})?$"

STATUSES = sorted(ACTIONS.values())  # what staff may set
ALL_STATUSES = list(SUBMISSION_STATUSES)
REPORT_FORMATS = ["html", "md", "csv", "xlsx", "docx"]
# Content-Type of each download, charset given once for text.
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXPORT_FORMATS = ["csv", "xlsx", "jsonl"]


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


REVIEW = _enum(REVIEW_SLUGS)
LOCALE = _enum(LOCALES)
STAKEHOLDER_GROUP = _enum(STAKEHOLDER_GROUPS)
THEME = _enum(THEMES)
COUNTRY = _enum(sorted(COUNTRY_CODES))
OBJECTIVE = {
    "type": "integer",
    "minimum": min(OBJECTIVE_NUMBERS),
    "maximum": max(OBJECTIVE_NUMBERS),
}
TIMESTAMP = {"type": "string", "format": "date-time"}
RECEIPT = {"type": "string", "pattern": RECEIPT_PATTERN}


def new_input(minor_age_groups: frozenset[str]) -> dict[str, Any]:
    """An input a partner system sends, as the questionnaire accepts it: the input and what
    it needs (review, text, storage consent); everything about the person is optional.

    A contact address is kept only with the age group of an adult (an unknown age counts as
    a minor's), so the document refuses one without an age group, or with an age group of
    minors (which depends on ``INTAKE_DIGITAL_CONSENT_AGE``).
    """
    objectives = INPUT["objectives"]
    minors = sorted(minor_age_groups)
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["review", "text", "consent_store"],
        "properties": {
            "review": REVIEW,
            "stakeholder_group": STAKEHOLDER_GROUP,
            "theme": THEME,
            "country": COUNTRY,
            "age_group": _enum(AGE_GROUPS),
            "gender": _enum(GENDERS),
            "objectives": {
                "type": "array",
                "items": OBJECTIVE,
                "uniqueItems": True,
                "maxItems": objectives.max_choices,
            },
            "text": {
                "type": "string",
                "minLength": TEXT_MIN,
                "maxLength": TEXT_MAX,
                "pattern": free_text_pattern(TEXT_MIN),
                "description": f"{TEXT_MIN} to {TEXT_MAX} characters besides surrounding white space; "
                "no control characters.",
            },
            "contact_email": {
                "type": "string",
                "maxLength": 254,
                "pattern": EMAIL_PATTERN,
                "description": "A plain ASCII address; only with the age group of an adult.",
            },
            "consent_store": {"type": "boolean", "const": True},
            "consent_quote": {"type": "boolean"},
            "locale": LOCALE,
        },
    }
    adult: dict[str, Any] = {"required": ["age_group"]}
    if minors:
        adult["properties"] = {"age_group": {"not": {"enum": minors}}}
    schema["anyOf"] = [{"not": {"required": ["contact_email"]}}, adult]
    return schema


INPUT_UPDATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "status": _enum(STATUSES),
        "objectives": {
            "type": "array",
            "items": OBJECTIVE,
            "uniqueItems": True,
            "maxItems": len(OBJECTIVE_NUMBERS),
        },
        "theme": THEME | {"description": "Confirms the suggested theme, or sets another"},
    },
}

PUBLICATION_UPDATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["published"],
    "properties": {
        "published": {
            "type": "boolean",
            "description": "true: show it on the Migration Network Hub (only with its author's "
            "consent to publish); false: take it down",
        },
        "locale": LOCALE | {"description": "Language of a refusal; Accept-Language when left out"},
    },
}

CONSENT_WITHDRAWAL: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["consent", "granted"],
    "properties": {"consent": _enum(WITHDRAWABLE), "granted": {"type": "boolean", "const": False}},
}

ERROR: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Refused answers, by field",
        },
        "request_id": {
            "type": "string",
            "description": "The X-Request-Id of this request, for reporting it",
        },
    },
}

INPUT_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "receipt",
        "review",
        "channel",
        "locale",
        "stakeholder_group",
        "country",
        "theme",
        "objectives",
        "text",
        "may_quote",
        "urgent",
        "suggested_objectives",
        "suggested_theme",
        "status",
        "created_at",
    ],
    "properties": {
        "receipt": {"type": "string", "pattern": INPUT_RECEIPT_PATTERN},
        "review": REVIEW,
        "channel": _enum(CHANNELS),
        "locale": LOCALE,
        "stakeholder_group": _nullable(STAKEHOLDER_GROUP),
        "country": _nullable(COUNTRY),
        "theme": _nullable(THEME),
        "suggested_theme": _nullable(THEME)
        | {"description": "From the text, while no theme is set; staff confirm it with PATCH"},
        "objectives": {"type": "array", "items": OBJECTIVE},
        "text": {"type": "string", "description": "Personal data masked"},
        "may_quote": {"type": "boolean"},
        "urgent": {"type": ["string", "null"], "description": "Protection risk disclosed, if any"},
        "suggested_objectives": {
            "type": "array",
            "description": "From the text, not yet decided by staff",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["objective", "score", "triggers"],
                "properties": {
                    "objective": OBJECTIVE,
                    "score": {"type": "number"},
                    "triggers": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "status": _enum(ALL_STATUSES),
        "created_at": TIMESTAMP,
    },
}

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}

# Pledges and practices: the author's consent to publish, and when staff published (else null).
_PUBLICATION: dict[str, Any] = {
    "may_publish": {"type": "boolean"},
    "published_at": {**TIMESTAMP, "type": ["string", "null"]},
}

PLEDGE_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "receipt",
        "review",
        "organisation",
        "stakeholder_group",
        "country",
        "title",
        "text",
        "objectives",
        *_PUBLICATION,
        "created_at",
    ],
    "properties": {
        "receipt": RECEIPT,
        "review": _nullable(REVIEW),
        "organisation": _STRING,
        "stakeholder_group": _nullable(STAKEHOLDER_GROUP),
        "country": _nullable(COUNTRY),
        "title": _STRING,
        "text": _STRING,
        "objectives": {"type": "array", "items": OBJECTIVE},
        **_PUBLICATION,
        "created_at": TIMESTAMP,
    },
}

PRACTICE_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "receipt",
        "review",
        "title",
        "description",
        "objectives",
        "countries",
        "organisation",
        "partners",
        "link",
        *_PUBLICATION,
        "created_at",
    ],
    "properties": {
        "receipt": RECEIPT,
        "review": _nullable(REVIEW),
        "title": _STRING,
        "description": _STRING,
        "objectives": {"type": "array", "items": OBJECTIVE},
        "countries": {"type": "array", "items": COUNTRY},
        "organisation": _NULLABLE_STRING,
        "partners": _NULLABLE_STRING,
        "link": _NULLABLE_STRING,
        **_PUBLICATION,
        "created_at": TIMESTAMP,
    },
}

REGISTRATION_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "receipt",
        "review",
        "name",
        "organisation",
        "stakeholder_group",
        "country",
        "attendance_mode",
        "travel_support",
        "travel_reason",
        "accessibility_needs",
        "created_at",
    ],
    "properties": {
        "receipt": RECEIPT,
        "review": REVIEW,
        "name": _STRING,
        "organisation": _NULLABLE_STRING,
        "stakeholder_group": _nullable(STAKEHOLDER_GROUP),
        "country": _nullable(COUNTRY),
        "attendance_mode": _STRING,
        "travel_support": {"type": "boolean"},
        "travel_reason": _NULLABLE_STRING,
        "accessibility_needs": _NULLABLE_STRING,
        "created_at": TIMESTAMP,
    },
}

# A count as the disclosure policy lets it be seen (``Shown.as_json``): the number, or, when
# it is hidden, null with the symbol tables print and the reason.
COUNT_OUT: dict[str, Any] = {
    "description": f"A count: null when hidden (below {SMALL_COUNT}, or hidden so that no small count can be "
    "worked out from the others), with what tables show and why.",
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["count", "shown", "suppressed"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "shown": {"type": "string", "pattern": "^[0-9]+$"},
                "suppressed": {"type": "null"},
            },
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["count", "shown", "suppressed"],
            "properties": {
                "count": {"type": "null"},
                "shown": _enum([SMALL_SYMBOL, HIDDEN_SYMBOL]),
                "suppressed": _enum(
                    r.value for r in Reason if r not in (Reason.SHOWN, Reason.UNPUBLISHED)
                ),
            },
        },
    ],
}

STATS_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "review",
        "today",
        "week",
        "total",
        "by_stakeholder_group",
        "by_age_group",
        "flagged",
    ],
    "properties": {
        "review": REVIEW,
        "today": COUNT_OUT,
        "week": COUNT_OUT,
        "total": COUNT_OUT,
        "flagged": COUNT_OUT,
        "by_stakeholder_group": {
            "type": "object",
            "additionalProperties": False,
            "required": list(STATS_GROUPS),
            "properties": {g: COUNT_OUT for g in STATS_GROUPS},
        },
        "by_age_group": {
            "type": "object",
            "additionalProperties": False,
            "description": '"unknown": the age group was not given',
            "required": list(STATS_AGES),
            "properties": {a: COUNT_OUT for a in STATS_AGES},
        },
    },
}

RECEIPT_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["receipt", "duplicate"],
    "properties": {
        "receipt": {"type": "string", "pattern": INPUT_RECEIPT_PATTERN},
        "duplicate": {"type": "boolean"},
    },
}

CONSENT_OUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["receipt", "consent", "granted"],
    "properties": {
        "receipt": RECEIPT,
        "consent": _enum(WITHDRAWABLE),
        "granted": {"type": "boolean", "const": False},
    },
}


def receipt_out(prefix: str) -> dict[str, Any]:
    """The answer to a creation in a kind's collection: its receipt, whose code starts ``prefix``."""
    pattern = kind_receipt_pattern(prefix)
    return {
        **RECEIPT_OUT,
        "properties": {
            **RECEIPT_OUT["properties"],
            "receipt": {"type": "string", "pattern": pattern},
        },
    }


# The items of the record kinds' collections, by the name their declarations give.
ITEM_SCHEMAS = {"Pledge": PLEDGE_OUT, "Practice": PRACTICE_OUT, "Registration": REGISTRATION_OUT}
