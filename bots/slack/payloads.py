"""Reading the parts of a Slack payload that a client controls, without trusting their shape.

A view's private metadata and option values come back from the client: a forged request
(signed by a workspace member's own app, say) may carry anything there.
"""

from __future__ import annotations

import json
from typing import Any

from intake_api.i18n import DEFAULT_LOCALE, LOCALES


def view_metadata(view: Any) -> dict[str, Any]:
    """A view's private metadata as a dict; empty when absent or not a JSON object."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        metadata = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def metadata_locale(metadata: dict[str, Any]) -> str:
    locale = metadata.get("locale")
    return locale if isinstance(locale, str) and locale in LOCALES else DEFAULT_LOCALE


def selected_numbers(options: Any) -> list[int] | None:
    """The numbers of selected options (objectives), or None if any is not a number.

    Which numbers are objectives is the moderation service's rule, not this reader's.
    """
    if not isinstance(options, list):
        return None if options else []
    numbers = []
    for option in options:
        value = option.get("value") if isinstance(option, dict) else None
        if (
            not isinstance(value, str)
            or not value.isascii()
            or not value.isdigit()
            or len(value) > 6
        ):
            return None
        numbers.append(int(value))
    return numbers
