"""A store of N realistic inputs, loaded fast with the raw driver (executemany / COPY).

Inputs are spread over the five reviews and 60 days before ``NOW``, in seven languages
(the demo corpus, words reshuffled so texts differ), with 1–3 objectives each, some
flagged, included, urgent or in near-duplicate groups, and suggestions staff decided on.
Row ``i`` always gets the same values, so a store grown from 100,000 to 1,000,000 holds
the same first 100,000 rows as one loaded at 100,000.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

from bench.common import raw_dsn
from models import input_tally
from models.db import make_engine
from models.migrate import upgrade
from models.reference import AGE_GROUPS, CHANNELS, GENDERS, REVIEW_SLUGS, STAKEHOLDER_GROUPS, THEMES

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAYS = 60
COUNTRIES = (
    "JO",
    "LB",
    "EG",
    "MA",
    "KE",
    "NG",
    "SN",
    "MX",
    "CO",
    "GT",
    "PH",
    "ID",
    "BD",
    "TR",
    "DE",
    "IT",
    "ES",
    "US",
)
SUBMISSION_COLUMNS = (
    "id",
    "receipt",
    "channel",
    "channel_message_id",
    "locale",
    "consent_store",
    "consent_version",
    "created_at",
    "review_slug",
    "stakeholder_group",
    "age_group",
    "gender",
    "country",
    "theme",
    "text",
    "consent_quote",
    "status",
    "updated_at",
    "urgent_category",
    "language",
    "language_confidence",
    "duplicate_group",
)
VARIANTS = 3_000


@cache
def text_variants() -> list[tuple[str, str]]:
    """(language, text) variants: the demo corpus with its words reshuffled."""
    from intake_api.demo import demo_corpus

    rng = random.Random(9)
    corpus = [(entry["locale"], entry["text"]) for entry in demo_corpus()]
    variants = list(corpus)
    while len(variants) < VARIANTS:
        locale, text = corpus[len(variants) % len(corpus)]
        words = text.split()
        rng.shuffle(words)
        variants.append((locale, " ".join(words)))
    return variants


def rows(
    start: int, stop: int
) -> Iterator[tuple[tuple[object, ...], list[int], tuple[int, str | None] | None]]:
    """(submission row, objective numbers, suggestion) for inputs ``start`` <= i < ``stop`` (id i + 1)."""
    texts = text_variants()
    groups, themes, ages, genders = (
        list(STAKEHOLDER_GROUPS),
        list(THEMES),
        list(AGE_GROUPS),
        list(GENDERS),
    )
    channels = list(CHANNELS)
    for i in range(start, stop):
        rng = random.Random(i)
        language, text = texts[i % len(texts)]
        created = NOW - timedelta(seconds=rng.randrange(DAYS * 86_400))
        draw = rng.random()
        status = (
            "flagged"
            if draw < 0.02
            else "included"
            if draw < 0.05
            else "reviewed"
            if draw < 0.10
            else "new"
        )
        channel = channels[rng.randrange(len(channels))]
        row = (
            i + 1,
            f"IN-{i:09d}",
            channel,
            f"bench:{i}",
            language,
            True,
            "bench",
            created,
            REVIEW_SLUGS[i % len(REVIEW_SLUGS)],
            groups[rng.randrange(len(groups))],
            ages[rng.randrange(3, len(ages))],
            genders[rng.randrange(len(genders))],
            COUNTRIES[rng.randrange(len(COUNTRIES))],
            themes[rng.randrange(len(themes))],
            text,
            rng.random() < 0.6,
            status,
            created,
            "violence" if rng.random() < 0.005 else None,
            language,
            0.9,
            (i // 1700) * 1700 + 1 if i % 17 == 0 else None,  # campaigns of 100 in every review
        )
        objectives = sorted(rng.sample(range(1, 24), rng.randint(1, 3)))
        suggestion = None
        if i % 10 == 0:
            suggestion = (objectives[0], ("accepted", "rejected", None)[rng.randrange(3)])
        yield row, objectives, suggestion


def create_store(url: str) -> None:
    """Migrate an empty store to the current schema."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def load(url: str, start: int, stop: int) -> None:
    """Add inputs ``start`` <= i < ``stop`` with the raw driver, in one transaction."""
    if url.startswith("sqlite"):
        _load_sqlite(raw_dsn(url), start, stop)
    else:
        _load_postgres(raw_dsn(url), start, stop)


def _sqlite_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _load_sqlite(path: str, start: int, stop: int) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    submission = (
        f"INSERT INTO submission ({', '.join(SUBMISSION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(SUBMISSION_COLUMNS))})"
    )
    connection.execute("BEGIN")
    batch: list[tuple[object, ...]] = []
    links: list[tuple[int, int]] = []
    suggestions: list[tuple[int, int, float, str, str | None]] = []

    def flush() -> None:
        connection.executemany(submission, batch)
        connection.executemany(
            "INSERT INTO submission_objective (submission_id, objective_number) VALUES (?, ?)",
            links,
        )
        connection.executemany(
            "INSERT INTO objective_suggestion (submission_id, objective_number, score, triggers, "
            "decision) VALUES (?, ?, ?, ?, ?)",
            suggestions,
        )
        batch.clear(), links.clear(), suggestions.clear()

    for row, objectives, suggestion in rows(start, stop):
        values = list(row)
        values[7] = values[17] = _sqlite_time(row[7])  # type: ignore[arg-type]
        batch.append(tuple(values))
        links.extend((row[0], n) for n in objectives)  # type: ignore[misc]
        if suggestion:
            suggestions.append((row[0], suggestion[0], 0.5, '["bench"]', suggestion[1]))  # type: ignore[arg-type]
        if len(batch) >= 20_000:
            flush()
    flush()
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


def _load_postgres(dsn: str, start: int, stop: int) -> None:
    import psycopg

    with psycopg.connect(dsn) as connection:
        with connection.cursor() as cursor:
            # The tallies' row triggers paused for the load, counted once after it (in the
            # same transaction): a million deferred upserts of a few hundred rows at commit
            # took minutes.
            cursor.execute("ALTER TABLE submission DISABLE TRIGGER submission_tally_insert")
            with cursor.copy(
                f"COPY submission ({', '.join(SUBMISSION_COLUMNS)}) FROM STDIN"
            ) as copy:
                links: list[tuple[int, int]] = []
                suggestions: list[tuple[int, int, float, str, str | None]] = []
                for row, objectives, suggestion in rows(start, stop):
                    copy.write_row(row)
                    links.extend((row[0], n) for n in objectives)  # type: ignore[misc]
                    if suggestion:
                        suggestions.append((row[0], suggestion[0], 0.5, '["bench"]', suggestion[1]))  # type: ignore[arg-type]
            with cursor.copy(
                "COPY submission_objective (submission_id, objective_number) FROM STDIN"
            ) as copy:
                for link in links:
                    copy.write_row(link)
            with cursor.copy(
                "COPY objective_suggestion (submission_id, objective_number, score, triggers, decision) "
                "FROM STDIN"
            ) as copy:
                for suggestion_row in suggestions:
                    copy.write_row(suggestion_row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('submission', 'id'), (SELECT max(id) FROM submission))"
            )
            cursor.execute("ALTER TABLE submission ENABLE TRIGGER submission_tally_insert")
            for statement in input_tally.recount_statements("postgresql"):
                cursor.execute(statement)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE submission")
        connection.execute("VACUUM ANALYZE submission_objective")
        connection.execute("ANALYZE objective_suggestion")
