"""Exports of inputs, streamed in constant memory: CSV (Excel-safe), XLSX, JSON Lines.

Records of the other kinds leave as their declarations serialise them (``iter_records``),
through the same writers.

Rows come from a server-side cursor in batches; writers never hold more than a
batch. Cells that a spreadsheet would run as a formula are neutralised, by the same
function as the report's (``policies.encoding.spreadsheet_cell``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Engine, func, or_, select
from sqlmodel import col
from sqlmodel import select as select_records

from intake_api.crypto import KeyRing
from intake_api.i18n import gettext
from intake_api.participation import category_label
from intake_api.policies.encoding import spreadsheet_cell
from intake_api.record_kinds import RecordKind
from intake_api.redaction import redact
from models.db import read_session
from models.reference import N_
from models.submission import Submission, SubmissionObjective

BATCH = 2_000

# (key, header msgid): codes for machines next to labels for people.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("receipt", N_("Receipt")),
    ("review", N_("Regional review")),
    ("created_at", N_("Received")),
    ("channel", N_("Channel")),
    ("locale", N_("Language")),
    ("stakeholder_group", N_("Stakeholder group (code)")),
    ("stakeholder_group_label", N_("Stakeholder group")),
    ("country", N_("Country (ISO code)")),
    ("country_name", N_("Country")),
    ("age_group", N_("Age group")),
    ("gender", N_("Gender")),
    ("theme", N_("Discussion theme (code)")),
    ("theme_label", N_("Discussion theme")),
    ("objectives", N_("GCM objectives (numbers)")),
    ("text", N_("Input")),
    ("consent_quote", N_("May be quoted")),
    ("status", N_("Status")),
)


@dataclass(frozen=True)
class ExportFilter:
    review: str | None = None
    since: datetime | None = None


def count_rows(engine: Engine, where: ExportFilter) -> int:
    statement = select(func.count()).select_from(Submission).where(*_conditions(where))
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def iter_rows(engine: Engine, where: ExportFilter, locale: str) -> Iterator[dict[str, Any]]:
    """Every matching input as a dict of COLUMNS, oldest first, streamed from the store."""
    objectives = _objectives_list(engine.dialect.name)
    statement = (
        select(  # type: ignore[call-overload,misc]
            Submission.receipt,
            Submission.review_slug,
            Submission.created_at,
            Submission.channel,
            Submission.locale,
            Submission.stakeholder_group,
            Submission.country,
            Submission.age_group,
            Submission.gender,
            Submission.theme,
            objectives,
            Submission.text,
            Submission.consent_quote,
            Submission.status,
        )
        .where(*_conditions(where))
        .order_by(col(Submission.id))
    )
    labels = _Labels(locale)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
            statement
        )
        for row in result:
            yield {
                "receipt": row[0],
                "review": row[1],
                "created_at": row[2].isoformat(timespec="seconds"),
                "channel": row[3],
                "locale": row[4],
                "stakeholder_group": row[5] or "",
                "stakeholder_group_label": labels.group(row[5]),
                "country": row[6] or "",
                "country_name": labels.country(row[6]),
                "age_group": row[7] or "",
                "gender": row[8] or "",
                "theme": row[9] or "",
                "theme_label": labels.theme(row[9]),
                "objectives": ";".join(
                    sorted((row[10] or "").split(","), key=lambda n: int(n) if n else 0)
                ).strip(";"),
                "text": redact(row[11]),
                "consent_quote": bool(row[12]),
                "status": row[13],
            }


def iter_records(
    engine: Engine, keys: KeyRing, kind: RecordKind, *, reviews: list[str], unassigned: bool = False
) -> Iterator[dict[str, Any]]:
    """Every record of ``kind`` in ``reviews`` (and of no review, if ``unassigned``), oldest first,
    as its declaration serialises it: what staff listings and exports of any kind give out."""
    column = col(kind.model.review_slug)  # type: ignore[attr-defined]
    in_scope = or_(column.in_(reviews), column.is_(None)) if unassigned else column.in_(reviews)
    statement = select_records(kind.model).where(in_scope).order_by(col(kind.model.id))
    with read_session(engine) as session:
        for record in session.exec(statement):
            yield kind.serialise(record, keys)


class _Labels:
    """Labels of codes in one locale (``participation.label``: "Not given" for an answer not
    given), looked up once per export, not once per row.

    (B7 profile: country names through Babel were a third of the time left per row.)
    """

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._labels: dict[tuple[str, str | None], str] = {}

    def _of(self, dimension: str, code: str | None) -> str:
        key = (dimension, code or None)
        if key not in self._labels:
            self._labels[key] = category_label(self.locale, dimension, code)
        return self._labels[key]

    def group(self, code: str | None) -> str:
        return self._of("group", code)

    def country(self, code: str | None) -> str:
        return self._of("country", code)

    def theme(self, code: str | None) -> str:
        return self._of("theme", code)


def _conditions(where: ExportFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.review:
        conditions.append(col(Submission.review_slug) == where.review)
    if where.since:
        conditions.append(col(Submission.created_at) >= where.since)
    return conditions


def _objectives_list(dialect: str) -> Any:
    numbers = select(
        func.string_agg(SubmissionObjective.objective_number.cast(_text()), ",")  # type: ignore[attr-defined]
        if dialect == "postgresql"
        else func.group_concat(SubmissionObjective.objective_number, ",")
    ).where(col(SubmissionObjective.submission_id) == col(Submission.id))
    return numbers.scalar_subquery()


def _text():  # type: ignore[no-untyped-def]
    from sqlalchemy import Text

    return Text()


def headers(locale: str) -> list[str]:
    return [gettext(locale, label) for _key, label in COLUMNS]


def csv_chunks(rows: Iterator[dict[str, Any]], locale: str) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM (so Excel reads it right), a batch of rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([spreadsheet_cell(h) for h in headers(locale)])
    for count, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_cell(row[key]) for key, _ in COLUMNS])
        if count % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def jsonl_chunks(rows: Iterator[dict[str, Any]], locale: str) -> Iterator[bytes]:
    lines: list[bytes] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        if len(lines) == BATCH:
            yield b"".join(lines)
            lines.clear()
    yield b"".join(lines)


class _Counter:
    """Counts rows as they pass, reporting progress every batch."""

    def __init__(self, rows: Iterator[dict[str, Any]], progress: Callable[[int], None]) -> None:
        self.rows, self.progress, self.count = rows, progress, 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.count += 1
            if self.count % BATCH == 0:
                self.progress(BATCH)
            yield row
        self.progress(self.count % BATCH)


def write_csv(
    rows: Iterator[dict[str, Any]], out: IO[bytes], locale: str, progress: Callable[[int], None]
) -> int:
    counter = _Counter(rows, progress)
    for chunk in csv_chunks(iter(counter), locale):
        out.write(chunk)
    return counter.count


def write_jsonl(
    rows: Iterator[dict[str, Any]], out: IO[bytes], locale: str, progress: Callable[[int], None]
) -> int:
    counter = _Counter(rows, progress)
    for chunk in jsonl_chunks(iter(counter), locale):
        out.write(chunk)
    return counter.count


def write_xlsx(
    rows: Iterator[dict[str, Any]], out: IO[bytes], locale: str, progress: Callable[[int], None]
) -> int:
    """xlsxwriter in constant-memory mode: each row is flushed to disk as it is written."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )
    sheet = workbook.add_worksheet(gettext(locale, "Inputs")[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [spreadsheet_cell(h) for h in headers(locale)], bold)
    written = 0
    for written, row in enumerate(rows, start=1):
        sheet.write_row(written, 0, [spreadsheet_cell(row[key]) for key, _ in COLUMNS])
        if written % BATCH == 0:
            progress(BATCH)
    progress(written % BATCH)
    workbook.close()
    return written


Writer = Callable[[Iterator[dict[str, Any]], IO[bytes], str, Callable[[int], None]], int]
WRITERS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
STREAMS: dict[str, Callable[[Iterator[dict[str, Any]], str], Iterator[bytes]]] = {
    "csv": csv_chunks,
    "jsonl": jsonl_chunks,
}
