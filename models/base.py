"""Column helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


# Tables whose ids other rows, the audit log or API cursors name: on SQLite an id is otherwise
# reused after the newest row is deleted (PostgreSQL's sequences never reuse one).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

# Stored with a time zone on PostgreSQL; SQLite keeps the UTC wall time.
Timestamp = DateTime(timezone=True)
