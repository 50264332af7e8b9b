"""B3: the digest, the summary report and the staff counts over 100,000 and 1,000,000 inputs.

Candidates: ``digest_for`` (one review, the last 7 days), ``build_report`` (one review) and
``review_stats`` (App Home), as the CLI, the scheduler and Slack call them. Baseline: the
same GROUP BY / ORDER BY LIMIT queries written by hand and run through the raw driver
(sqlite3 / psycopg), fetching every row, with none of the Python around them.
Targets: <= 1.5x raw on SQLite, <= 1.3x on PostgreSQL; the 1M time / the 100k time <= 12.

Run: python -m bench --only B3 [--quick]
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bench import dataset
from bench.common import Figure, alternate, database, note, raw_dsn, report
from models.db import make_engine

REVIEW = "escwa"
TARGET = {"sqlite": 1.5, "postgresql": 1.3}
SCALE_TARGET = 12.0

_DIGEST = (
    "SELECT channel, count(*) FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u GROUP BY channel ORDER BY count(*) DESC",
    "SELECT stakeholder_group, count(*) FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u GROUP BY stakeholder_group ORDER BY count(*) DESC",
    "SELECT theme, count(*) FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u GROUP BY theme ORDER BY count(*) DESC",
    "SELECT coalesce(language, locale) AS l, count(*) FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u GROUP BY l ORDER BY count(*) DESC, l",
    "SELECT o.objective_number, count(*) FROM submission_objective o JOIN submission s ON s.id = o.submission_id WHERE s.review_slug = :r AND s.created_at >= :s AND s.created_at < :u GROUP BY o.objective_number ORDER BY count(*) DESC",
    "SELECT receipt, text FROM submission WHERE review_slug = :r AND status = 'flagged' ORDER BY updated_at DESC LIMIT 5",
    "SELECT receipt, urgent_category, text FROM submission WHERE review_slug = :r AND urgent_category IS NOT NULL AND created_at < :u AND (created_at >= :s OR status = 'new') ORDER BY created_at DESC LIMIT 10",
    "SELECT receipt, text, duplicate_group FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u AND consent_quote = :true AND status != 'flagged' ORDER BY created_at DESC LIMIT 30",
    "SELECT DISTINCT stakeholder_group FROM submission WHERE review_slug = :r",
    "SELECT count(*) FROM pledge WHERE review_slug = :r AND created_at >= :s AND created_at < :u",
    "SELECT count(*) FROM practice WHERE review_slug = :r AND created_at >= :s AND created_at < :u",
    "SELECT count(*) FROM registration WHERE review_slug = :r AND created_at >= :s AND created_at < :u",
    "SELECT count(*) FROM registration WHERE review_slug = :r AND created_at >= :s AND created_at < :u AND travel_support = :true",
    "SELECT duplicate_group, count(*) FROM submission WHERE review_slug = :r AND created_at >= :s AND created_at < :u AND duplicate_group IS NOT NULL GROUP BY duplicate_group ORDER BY count(*) DESC, duplicate_group LIMIT 5",
    "SELECT max(id) FROM submission",
    "SELECT review_slug, coalesce(language, locale), text FROM submission WHERE created_at >= :s AND created_at < :u AND id > (SELECT max(id) FROM submission) - 10000",
)

_REPORT = (
    "SELECT min(created_at), max(created_at), count(*) FROM submission WHERE review_slug = :r",
    *(
        f"SELECT {c}, count(*) FROM submission WHERE review_slug = :r GROUP BY {c} ORDER BY count(*) DESC, {c}"
        for c in ("channel", "locale", "country", "theme")
    ),
    *(
        f"SELECT stakeholder_group, {c}, count(*) FROM submission WHERE review_slug = :r GROUP BY stakeholder_group, {c}"
        for c in ("age_group", "gender", "channel")
    ),
    "SELECT o.objective_number, count(*) FROM submission_objective o JOIN submission s ON s.id = o.submission_id WHERE s.review_slug = :r GROUP BY o.objective_number ORDER BY o.objective_number",
    "SELECT receipt, theme, text, duplicate_group FROM submission WHERE review_slug = :r AND status = 'included' AND consent_quote = :true ORDER BY created_at",
    "SELECT organisation, title, objectives FROM pledge WHERE review_slug = :r ORDER BY id",
    "SELECT title, organisation, countries FROM practice WHERE review_slug = :r ORDER BY id",
    "SELECT attendance_mode, count(*) FROM registration WHERE review_slug = :r GROUP BY attendance_mode",
    "SELECT count(*) FROM registration WHERE review_slug = :r AND travel_support = :true",
    "SELECT coalesce(language, locale) AS l, count(*) FROM submission WHERE review_slug = :r GROUP BY l ORDER BY count(*) DESC, l",
    "SELECT duplicate_group, count(*) FROM submission WHERE review_slug = :r AND duplicate_group IS NOT NULL GROUP BY duplicate_group ORDER BY count(*) DESC, duplicate_group LIMIT 10",
    "SELECT max(id) FROM submission",
    "SELECT review_slug, coalesce(language, locale), text FROM submission WHERE id > (SELECT max(id) FROM submission) - 10000",
    "SELECT g.decision, count(*) FROM objective_suggestion g JOIN submission s ON s.id = g.submission_id WHERE s.review_slug = :r AND g.decision IS NOT NULL GROUP BY g.decision",
)

_STATS = (
    "SELECT slug FROM regional_review ORDER BY consultation_on",
    "SELECT review_slug, sum(CASE WHEN created_at >= :day THEN 1 ELSE 0 END), sum(CASE WHEN created_at >= :week THEN 1 ELSE 0 END), count(*) FROM submission GROUP BY review_slug",
    "SELECT review_slug, stakeholder_group, count(*) FROM submission GROUP BY review_slug, stakeholder_group ORDER BY count(*) DESC",
    *(
        f"SELECT receipt, text FROM submission WHERE review_slug = '{slug}' AND status = 'flagged' ORDER BY updated_at DESC LIMIT 5"
        for slug in ("eca", "eclac", "escap", "escwa", "unece")
    ),
)


class RawStore:
    """One open driver connection and the queries above in its parameter style."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.connection: Any = sqlite3.connect(raw_dsn(url), isolation_level=None)
        else:
            import psycopg

            self.connection = psycopg.connect(raw_dsn(url), autocommit=True)

    def run(self, queries: Sequence[str], params: dict[str, Any]) -> int:
        values = {**params, "true": True}
        if self.sqlite:
            values = {
                k: v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                for k, v in values.items()
            }
        fetched = 0
        cursor = self.connection.cursor()
        for query in queries:
            sql = query if self.sqlite else re.sub(r":(\w+)", r"%(\1)s", query)
            cursor.execute(sql, {k: v for k, v in values.items() if f":{k}" in query})
            fetched += len(cursor.fetchall())
        cursor.close()
        return fetched

    def close(self) -> None:
        self.connection.close()


def _timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def measure(kind: str, url: str, size: int, rounds: int) -> dict[str, Figure]:
    """Digest, report and stats against their raw queries on a store of ``size`` inputs."""
    from intake_api.digests import digest_for
    from intake_api.reports import build_report
    from intake_api.stats import review_stats

    engine = make_engine(url)
    raw = RawStore(url)
    until, since = dataset.NOW, dataset.NOW - timedelta(days=7)
    day = dataset.NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    period = {"r": REVIEW, "s": since, "u": until}
    cases = {
        "digest": (
            lambda: raw.run(_DIGEST, period),
            lambda: digest_for(engine, review_slug=REVIEW, since=since, until=until),
        ),
        "report": (
            lambda: raw.run(_REPORT, {"r": REVIEW}),
            lambda: build_report(engine, review_slug=REVIEW),
        ),
        "stats": (
            lambda: raw.run(_STATS, {"day": day, "week": dataset.NOW - timedelta(days=7)}),
            lambda: review_stats(engine, now=dataset.NOW),
        ),
    }
    candidates: dict[str, Figure] = {}
    for name, (baseline, candidate) in cases.items():
        base, cand = alternate(
            lambda b=baseline: _timed(b), lambda c=candidate: _timed(c), rounds=rounds
        )  # type: ignore[misc]
        ratio_target = TARGET[kind]
        report(
            f"B3 {name} {kind} {size:,} inputs",
            "s",
            base,
            cand,
            target=f"<= {ratio_target}x raw",
            met=cand.median <= ratio_target * base.median,
            benchmark="B3",
            database=kind,
            size=size,
            case=name,
        )
        candidates[name] = cand
    raw.close()
    engine.dispose()
    return candidates


def run(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    small, large = (2_000, 20_000) if quick else (100_000, 1_000_000)
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            started = time.perf_counter()
            dataset.load(url, 0, small)
            note(f"{kind}: loaded {small:,} inputs in {time.perf_counter() - started:.1f} s")
            at_small = measure(kind, url, small, rounds)
            started = time.perf_counter()
            dataset.load(url, small, large)
            note(f"{kind}: grew to {large:,} inputs in {time.perf_counter() - started:.1f} s")
            at_large = measure(kind, url, large, rounds)
            for name in at_small:
                scale = at_large[name].median / at_small[name].median
                note(
                    f"B3 {name} {kind}: {large:,} / {small:,} time = {scale:.1f} (target <= {SCALE_TARGET:.0f}; "
                    f"met {'yes' if scale <= SCALE_TARGET else 'no'})"
                )
