"""The whole store as data, to prove that a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def changes(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """Tables whose rows differ, with how many rows were added or removed or changed."""
    return {
        name: len(set(map(repr, after[name])) ^ set(map(repr, before[name])))
        for name in before
        if before[name] != after[name]
    }
