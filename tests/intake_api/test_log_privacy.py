"""The logging filter masks e-mail addresses and long numbers."""

from __future__ import annotations

import logging

from intake_api.log_privacy import RedactingFilter, redact


def test_redact():
    assert redact("write to amina@example.org or +962 7 9123 4567") == "write to [email] or [number]"
    assert redact("update 42 for chat 5550123987") == "update 42 for chat [number]"
    assert redact("objective 23, year 2026") == "objective 23, year 2026"


def test_filter_rewrites_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s wrote %s", (5550123987, "a@b.org"), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "user [number] wrote [email]"
