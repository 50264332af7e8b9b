"""Exports: Excel-safe, localized headers, codes for machines, constant memory."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import openpyxl
import pytest

from intake_api.exports import (
    ExportFilter,
    count_rows,
    iter_rows,
    write_csv,
    write_jsonl,
    write_xlsx,
)
from intake_api.i18n import gettext
from intake_api.policies.encoding import spreadsheet_cell as neutralise
from tests.factories import input_answers
from tests.processes import clean_env as _clean_env

HOSTILE = '=HYPERLINK("http://evil.example","click") and other words'


@pytest.fixture
def stored(service):  # type: ignore[no-untyped-def]
    service.submit_input(
        input_answers(text=HOSTILE, objectives=["12", "3"]),
        channel="web",
        message_id="e1",
        locale="en",
    )
    service.submit_input(
        input_answers("ar", review="eca", country="SN"),
        channel="telegram",
        message_id="e2",
        locale="ar",
        platform_user_id=9,
    )
    return service


@pytest.mark.parametrize("value", ["=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("plain") == "plain" and neutralise(5) == 5


def test_csv_has_a_bom_localized_headers_codes_and_no_formulas(stored, engine):
    out = io.BytesIO()
    assert write_csv(iter_rows(engine, ExportFilter(), "fr"), out, "fr", lambda n: None) == 2
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][1] == gettext("fr", "Regional review")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first[gettext("fr", "Input")].startswith("'=HYPERLINK")
    assert first[gettext("fr", "GCM objectives (numbers)")] == "3;12"
    assert (
        first[gettext("fr", "Country (ISO code)")] == "JO"
        and first[gettext("fr", "Country")] == "Jordanie"
    )


def test_an_answer_not_given_is_an_empty_code_and_a_named_label(service, engine):
    """Codes stay empty for machines; the labels beside them say "Not given", translated."""
    service.submit_input(
        input_answers(stakeholder_group="", country="", age_group="", gender="", theme=""),
        channel="web",
        message_id="skipped",
        locale="en",
    )
    (row,) = iter_rows(engine, ExportFilter(), "fr")
    assert (row["stakeholder_group"], row["country"], row["theme"], row["age_group"]) == (
        "",
        "",
        "",
        "",
    )
    not_given = gettext("fr", "Not given")
    assert row["stakeholder_group_label"] == row["country_name"] == row["theme_label"] == not_given


def test_filters_and_jsonl(stored, engine):
    out = io.BytesIO()
    write_jsonl(iter_rows(engine, ExportFilter(review="eca"), "en"), out, "en", lambda n: None)
    (line,) = out.getvalue().decode().splitlines()
    assert (
        json.loads(line)["country"] == "SN" and count_rows(engine, ExportFilter(review="eca")) == 1
    )


def test_xlsx_opens_with_text_not_formulas(stored, engine, tmp_path):
    path = tmp_path / "inputs.xlsx"
    with path.open("wb") as out:
        write_xlsx(iter_rows(engine, ExportFilter(), "ar"), out, "ar", lambda n: None)
    sheet = openpyxl.load_workbook(path).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == gettext("ar", "Receipt")
    assert any(str(v).startswith("'=HYPERLINK") for v in values[1])
    assert all(sheet.cell(2, c).data_type != "f" for c in range(1, len(values[0]) + 1))


def test_export_command_with_progress(stored, database_url, tmp_path):
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="test-secret-key-not-for-production"
    )
    target = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "-m", "intake_api.cli", "export", "--format", "csv", "-o", str(target)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Exporting csv" in result.stderr and "2 inputs exported" in result.stderr
    assert target.read_bytes().count(b"\n") == 3


@pytest.mark.slow
def test_export_of_200k_rows_stays_under_a_memory_ceiling(tmp_path):
    """Measured in a child process: peak RSS of exporting 200,000 rows to CSV and XLSX."""
    script = tmp_path / "measure.py"
    script.write_text(MEASURE)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        env=_clean_env(),
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["rows"] == 200_000
    assert measured["growth_mb"] < 60, measured


MEASURE = r"""
import json, resource, sqlite3, sys, uuid
from pathlib import Path
from models.db import make_engine
from models.migrate import upgrade
from intake_api.exports import ExportFilter, iter_rows, write_csv, write_xlsx

folder = Path(sys.argv[1])
engine = make_engine(f"sqlite:///{folder / 'big.db'}")
upgrade(engine)
engine.dispose()
db = sqlite3.connect(folder / "big.db")
rows = [(f"IN-{i:08d}", "eca", "2026-11-20 10:00:00", "web", f"k{i}", "en", True, "v1", "youth", "KE",
         "cooperation", "Input number %d about regular pathways and decent work for young migrants." % i, True, "new",
         "2026-11-20 10:00:00") for i in range(200_000)]
db.executemany("INSERT INTO submission (receipt, review_slug, created_at, channel, channel_message_id, locale, "
               "consent_store, consent_version, stakeholder_group, country, theme, text, consent_quote, status, "
               "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit(); db.close(); del rows
engine = make_engine(f"sqlite:///{folder / 'big.db'}")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(folder / "big.csv", "wb") as out:
    n = write_csv(iter_rows(engine, ExportFilter(), "en"), out, "en", lambda k: None)
with open(folder / "big.xlsx", "wb") as out:
    write_xlsx(iter_rows(engine, ExportFilter(), "en"), out, "en", lambda k: None)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": n, "growth_mb": (after - before) / 1024}))
"""
