"""B2: the intake service's store path, one transaction per input, against raw driver inserts.

Candidate: ``IntakeService.submit_input`` (validation, redaction, safeguarding scan, receipt,
the submission with its objectives, two consent records and an audit entry, one commit),
with ``analysis=False`` and with the analysis on. Baseline: the same rows inserted with
sqlite3 / psycopg and committed, one transaction per input. Figures are inputs per second.
Target: >= 0.75x the raw rate.

Run: python -m bench --only B2 [--quick]
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bench import dataset
from bench.common import alternate, database, note, profile_top, raw_dsn, report
from intake_api.crypto import KeyRing
from intake_api.questionnaire import CONSENT_NOTICE_VERSION
from intake_api.redaction import redact
from intake_api.service import IntakeService
from models.db import make_engine

TARGET = 0.75
_counter = itertools.count()


def _texts() -> list[str]:
    from intake_api.demo import demo_corpus

    return [entry["text"] for entry in demo_corpus()]


def answers(text: str) -> dict[str, Any]:
    return {
        "review": "escwa",
        "stakeholder_group": "youth",
        "country": "JO",
        "age_group": "18_24",
        "gender": "woman",
        "theme": "cooperation",
        "objectives": ["3", "5"],
        "text": text,
        "contact_email": "",
        "consent_store": "on",
        "consent_quote": "on",
    }


class RawInserts:
    """The rows ``submit_input`` writes for one input, inserted and committed by the driver."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.connection: Any = sqlite3.connect(raw_dsn(url), isolation_level=None)
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "secure_delete=ON",
            ):
                self.connection.execute(f"PRAGMA {pragma}")
        else:
            import psycopg

            self.connection = psycopg.connect(raw_dsn(url))

    def _sql(self, statement: str) -> str:
        return statement if self.sqlite else statement.replace("?", "%s")

    def insert(self, n: int, text: str) -> None:
        now: Any = datetime.now(UTC)
        if self.sqlite:
            now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        cursor = self.connection.cursor()
        if self.sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.execute(
            self._sql(
                "INSERT INTO submission (receipt, channel, channel_message_id, locale, consent_store, consent_version, "
                "created_at, review_slug, stakeholder_group, age_group, gender, country, theme, text, consent_quote, "
                "status, updated_at) VALUES (?, 'web', ?, 'en', ?, ?, ?, 'escwa', 'youth', '18_24', 'woman', 'JO', "
                "'cooperation', ?, ?, 'new', ?) RETURNING id"
            ),
            (f"IN-R{n:011d}", f"raw:{n}", True, CONSENT_NOTICE_VERSION, now, text, True, now),
        )
        (submission_id,) = cursor.fetchone()
        cursor.executemany(
            self._sql(
                "INSERT INTO submission_objective (submission_id, objective_number) VALUES (?, ?)"
            ),
            [(submission_id, 3), (submission_id, 5)],
        )
        cursor.executemany(
            self._sql(
                "INSERT INTO consent_record (subject_type, subject_id, kind, granted, notice_version, locale, channel, "
                "recorded_at) VALUES ('input', ?, ?, ?, ?, 'en', 'web', ?)"
            ),
            [
                (submission_id, "store", True, CONSENT_NOTICE_VERSION, now),
                (submission_id, "quote", True, CONSENT_NOTICE_VERSION, now),
            ],
        )
        cursor.execute(
            self._sql(
                "INSERT INTO audit_entry (at, actor, action, subject_type, subject_id, detail) "
                "VALUES (?, 'channel:web', 'input.created', 'input', ?, ?)"
            ),
            (now, submission_id, json.dumps({})),
        )
        if self.sqlite:
            cursor.execute("COMMIT")
        else:
            self.connection.commit()
        cursor.close()

    def close(self) -> None:
        self.connection.close()


def measure(kind: str, url: str, per_round: int, rounds: int, analysis: bool) -> None:
    engine = make_engine(url)
    service = IntakeService(engine, KeyRing("bench"), analysis=analysis)
    raw = RawInserts(url)
    texts = _texts()
    shown = [redact(t) for t in texts]

    def candidate() -> float:
        started = time.perf_counter()
        for _ in range(per_round):
            n = next(_counter)
            service.submit_input(
                answers(texts[n % len(texts)]), channel="web", message_id=f"b2:{n}", locale="en"
            )
        return per_round / (time.perf_counter() - started)

    def baseline() -> float:
        started = time.perf_counter()
        for _ in range(per_round):
            n = next(_counter)
            raw.insert(n, shown[n % len(shown)])
        return per_round / (time.perf_counter() - started)

    candidate()  # warm up: imports, lexicons, language models, prepared statements
    base, cand = alternate(baseline, candidate, rounds=rounds)
    label = "analysis on" if analysis else "analysis=False"
    report(
        f"B2 store path {kind}, {label}",
        "inputs/s",
        base,
        cand,
        target=f">= {TARGET}x raw",
        met=cand.median >= TARGET * base.median,
        benchmark="B2",
        database=kind,
        analysis=analysis,
    )
    if cand.median < TARGET * base.median:

        def some() -> None:
            for _ in range(50):
                n = next(_counter)
                service.submit_input(
                    answers(texts[n % len(texts)]), channel="web", message_id=f"b2:{n}", locale="en"
                )

        note("profile of 50 inputs (tottime):\n" + profile_top(some, lines=15, sort="tottime"))
    raw.close()
    engine.dispose()


def run(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    per_round = 20 if quick else 300
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            for analysis in (False, True):
                measure(kind, url, per_round, rounds, analysis)
