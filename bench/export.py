"""B7: export of 1,000,000 inputs to CSV and XLSX, time and peak memory of the process.

Candidate: ``gcm-intake export --format csv|xlsx -o FILE`` in a child process, as staff run
it. Baseline, also a child process: the same SELECT through the raw driver's cursor (fetched
in batches) into the csv module / xlsxwriter in constant-memory mode, no labels, no masking.
Peak RSS of each child is its VmHWM, read from /proc while it runs. Targets: CSV <= 1.5x raw; peak RSS < 150 MB
for both formats.

Run: python -m bench --only B7 [--quick]
     python -m bench.export raw csv|xlsx URL FILE   (the baseline, as a child process)
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.common import Figure


TIME_TARGET = {"csv": 1.5}
RSS_LIMIT_MB = 150
BATCH = 2_000


def _query(sqlite: bool) -> str:
    objectives = (
        "(SELECT group_concat(objective_number, ',') FROM submission_objective o WHERE o.submission_id = s.id)"
        if sqlite
        else "(SELECT string_agg(objective_number::text, ',') FROM submission_objective o WHERE o.submission_id = s.id)"
    )
    return (
        "SELECT receipt, review_slug, created_at, channel, locale, stakeholder_group, country, age_group, gender, "
        f"theme, {objectives}, text, consent_quote, status FROM submission s ORDER BY id"
    )


def raw_export(fmt: str, url: str, path: str) -> int:
    """The baseline: a driver cursor straight into the writer (this module imports nothing of the app)."""
    sqlite = url.startswith("sqlite")
    if sqlite:
        import sqlite3

        connection: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = connection.cursor()
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        cursor = connection.cursor(name="export")  # server-side, like stream_results
    cursor.execute(_query(sqlite))
    written = 0
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            while batch := cursor.fetchmany(BATCH):
                writer.writerows(batch)
                written += len(batch)
    else:
        import xlsxwriter

        workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = workbook.add_worksheet("Inputs")
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                written += 1
                sheet.write_row(
                    written,
                    0,
                    [
                        str(v) if v is not None and not isinstance(v, int | float | str) else v
                        for v in row
                    ],
                )
        workbook.close()
    connection.close()
    return written


def _child(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a child process; its wall time and its own peak RSS.

    The peak is the child's VmHWM (its memory's high-water mark, reset at exec), read from
    /proc every 20 ms while it runs. wait4's ``ru_maxrss`` is not used: Linux carries the
    parent's peak over to a forked child, so every child looked as large as this runner.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    peak_kb = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.02)
    process.wait()
    elapsed = time.perf_counter() - started
    errors = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode:
        raise RuntimeError(f"{command[:4]} failed: {errors[-2000:]}")
    return {"seconds": elapsed, "rss_mb": peak_kb / 1024}


def measure(kind: str, url: str, size: int, rounds: int) -> None:
    from bench.common import alternate_many, report

    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(INTAKE_DATABASE_URL=url, INTAKE_SECRET_KEY="bench-secret")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("csv", "xlsx"):
            out = str(Path(folder) / f"export.{fmt}")
            candidate = [
                sys.executable,
                "-m",
                "intake_api.cli",
                "export",
                "--format",
                fmt,
                "-o",
                out,
            ]
            baseline = [sys.executable, "-m", "bench.export", "raw", fmt, url, out]
            base, cand = alternate_many(
                lambda b=baseline: _child(b, env),
                lambda c=candidate: _child(c, env),  # type: ignore[misc]
                rounds=rounds,
            )
            limit = TIME_TARGET.get(fmt)
            report(
                f"B7 export {fmt} {kind} {size:,} inputs, time",
                "s",
                base["seconds"],
                cand["seconds"],
                target=f"<= {limit}x raw" if limit else "(measured; no time target)",
                met=cand["seconds"].median <= limit * base["seconds"].median if limit else None,
                benchmark="B7",
                database=kind,
                format=fmt,
                size=size,
            )
            _rss_line(fmt, kind, size, base["rss_mb"], cand["rss_mb"])
            if fmt == "csv" and limit and cand["seconds"].median > limit * base["seconds"].median:
                _profile_csv(url)


def _profile_csv(url: str, rows: int = 50_000) -> None:
    """Where the candidate's time goes: the first ``rows`` rows through iter_rows and write_csv, in process."""
    import io
    import itertools

    from bench.common import note, profile_top
    from intake_api.exports import ExportFilter, iter_rows, write_csv
    from models.db import make_engine

    engine = make_engine(url)
    some = itertools.islice(iter_rows(engine, ExportFilter(), "en"), rows)
    note(
        f"profile of the first {rows:,} rows (tottime):\n"
        + profile_top(
            lambda: write_csv(some, io.BytesIO(), "en", lambda n: None), lines=14, sort="tottime"
        )
    )
    engine.dispose()


def _rss_line(fmt: str, kind: str, size: int, base: Figure, cand: Figure) -> None:
    from bench.common import note, report

    report(
        f"B7 export {fmt} {kind} {size:,} inputs, peak RSS",
        "MB",
        base,
        cand,
        target=f"< {RSS_LIMIT_MB} MB",
        met=cand.high < RSS_LIMIT_MB,
        benchmark="B7",
        database=kind,
        format=fmt,
        size=size,
        metric="rss",
    )
    note(
        f"largest peak RSS of the candidate over the runs: {cand.high:.0f} MB (baseline {base.high:.0f} MB)"
    )


def run(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    from bench import dataset
    from bench.common import database, note

    size = 5_000 if quick else 1_000_000
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            started = time.perf_counter()
            dataset.load(url, 0, size)
            note(f"{kind}: loaded {size:,} inputs in {time.perf_counter() - started:.1f} s")
            measure(kind, url, size, rounds)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "raw":
        raw_export(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
