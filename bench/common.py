"""Alternating runs, medians and one line of output per comparison; what every benchmark shares.

``alternate`` runs baseline, candidate, baseline, ... and ``report`` prints the medians with
their min–max and the ratio; every reported line is also kept in ``RESULTS`` so the runner
(``python -m bench``) can print a summary and write it as JSON. The rest: a database of each
kind to measure on (a temporary SQLite file or a PostgreSQL database created and dropped), the
peak RSS of a child process, and a cProfile summary for the gaps.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Figure:
    median: float
    low: float
    high: float


@dataclass
class Result:
    name: str
    unit: str
    candidate: Figure
    baseline: Figure
    ratio: float
    target: str
    met: bool | None
    line: str
    extra: dict[str, Any] = field(default_factory=dict)


RESULTS: list[Result] = []


def alternate(
    baseline: Callable[[], float], candidate: Callable[[], float], rounds: int = 5
) -> tuple[Figure, Figure]:
    """Run baseline, candidate, baseline, ... ``rounds`` times each; each call returns one measurement."""
    base, cand = [], []
    for _ in range(rounds):
        base.append(baseline())
        cand.append(candidate())
    return figure(base), figure(cand)


def alternate_many(
    baseline: Callable[[], dict[str, float]],
    candidate: Callable[[], dict[str, float]],
    rounds: int = 5,
) -> tuple[dict[str, Figure], dict[str, Figure]]:
    """``alternate`` for runs that measure several things at once (req/s and p99 of one wrk run)."""
    base: list[dict[str, float]] = []
    cand: list[dict[str, float]] = []
    for _ in range(rounds):
        base.append(baseline())
        cand.append(candidate())
    return _figures(base), _figures(cand)


def figure(values: list[float]) -> Figure:
    return Figure(statistics.median(values), min(values), max(values))


def _figures(runs: list[dict[str, float]]) -> dict[str, Figure]:
    return {key: figure([run[key] for run in runs]) for key in runs[0]}


def report(
    name: str,
    unit: str,
    baseline: Figure,
    candidate: Figure,
    *,
    target: str,
    met: bool | None = None,
    **extra: Any,
) -> str:
    """Print one comparison; ``met`` says whether the target is reached (None: not judged here)."""
    ratio = candidate.median / baseline.median if baseline.median else float("inf")
    verdict = "" if met is None else f" · met {'yes' if met else 'no'}"
    line = (
        f"{name}: candidate {candidate.median:.3f} {unit} [{candidate.low:.3f}–{candidate.high:.3f}] · "
        f"baseline {baseline.median:.3f} {unit} [{baseline.low:.3f}–{baseline.high:.3f}] · "
        f"ratio {ratio:.2f} · target {target}{verdict}"
    )
    print(line, flush=True)
    RESULTS.append(Result(name, unit, candidate, baseline, ratio, target, met, line, dict(extra)))
    return line


def note(text: str) -> None:
    """A line of context under a result (a check, a count, a profile's top entries)."""
    print(f"  {text}", flush=True)


# What a run found wrong beside its figures: a duplicate row, a message missing or sent
# twice, an answer that was not 2xx or 3xx. The run exits non-zero when there is any.
PROBLEMS: list[str] = []


def problem(text: str) -> None:
    """Record and print something the service did wrong under the benchmark's load."""
    PROBLEMS.append(text)
    print(f"  PROBLEM: {text}", flush=True)


def check_delivered(what: str, *, twice: int = 0, missing: int = 0, refused: int = 0) -> None:
    """A problem for each kind of count that is not zero (``refused``: answers outside
    2xx/3xx; an overloaded server's timeouts are a measurement, not a problem)."""
    kinds = ((twice, "twice"), (missing, "missing"), (refused, "answered outside 2xx/3xx"))
    for count, kind in kinds:
        if count:
            problem(f"{what}: {count:,} {kind}")


@contextmanager
def database(kind: str, directory: Path | None = None) -> Iterator[str]:
    """The URL of an empty store of ``kind``: a temporary SQLite file, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(dir=directory) as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_gcm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_DSN).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def raw_dsn(url: str) -> str:
    """The driver's connection string for a SQLAlchemy URL (sqlite path or libpq URL)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def peak_rss_mb(pid_or_status: str | int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    status = Path(f"/proc/{pid_or_status}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise ValueError("no VmHWM")


def profile_top(function: Callable[[], Any], *, lines: int = 12, sort: str = "cumulative") -> str:
    """cProfile one call; the top entries as text, for the gap explained in RESULTS.md."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        function()
    finally:
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(lines)
    return out.getvalue()
