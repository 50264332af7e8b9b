"""Column helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


# Stored with a time zone on PostgreSQL; SQLite keeps the UTC wall time.
Timestamp = DateTime(timezone=True)
