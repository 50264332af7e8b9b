"""Schemathesis hooks for the staff API: test data that follows the rules a JSON Schema cannot say.

The document says an Idempotency-Key is new for every new input (the same key with other
answers is refused, 422). Generated keys repeat ("0", "A", ...), so a well-formed key is
replaced by a fresh one; a malformed one (the negative cases) is left as generated.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

from intake_api.api.schemas import IDEMPOTENCY_KEY_PATTERN

_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN.removesuffix("$") + r"\Z")


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Every phase's cases pass here (the coverage phase does not run the per-part hooks)."""
    headers = case.headers
    if (
        headers
        and isinstance(headers.get("Idempotency-Key"), str)
        and _KEY.match(headers["Idempotency-Key"])
    ):
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return case
