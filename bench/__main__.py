"""Run the benchmarks: ``python -m bench [--only B1,B3] [--quick] [--databases sqlite] [--json FILE]``.

Each benchmark prints its figure, the baseline measured in the same run and the ratio
(medians of alternating runs, with min–max); a summary follows, and ``--json`` writes every
result for bench/RESULTS.md. ``--quick`` uses small sizes and short runs (a smoke test, not
a measurement). Heavy: run it alone on the machine (``make bench`` takes /tmp/cpu.lock).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import DATABASES, PROBLEMS, RESULTS, postgres_available


def _analysis(*, quick: bool = False, databases: Any = (), rounds: int = 5) -> None:
    """Issue 8's benchmark (bench/analysis.py): intake with and without analysis, the dedupe batch."""
    from bench import analysis

    with tempfile.TemporaryDirectory() as directory:
        analysis.intake_per_input(
            Path(directory), rounds=rounds, per_round=20 if quick else analysis.PER_ROUND
        )
        analysis.batch(Path(directory), 2_000 if quick else 100_000, rounds=min(rounds, 3))


def _broadcast(**options: Any) -> None:
    """B6 lives in bench/b6_broadcast.py (its own rounds: the baseline is computed); run it when it is there."""
    try:
        module = importlib.import_module("bench.b6_broadcast")
    except ModuleNotFoundError:
        print("B6: bench/b6_broadcast.py is not there yet; skipped", flush=True)
        return
    module.run(quick=options.get("quick", False), databases=options.get("databases", ("sqlite",)))


def _during_broadcast(**options: Any) -> None:
    """B6x: B1's p99 (bench/during_broadcast.py), then B4's (bench/webhook_during_broadcast.py), during a broadcast vs alone."""
    _lazy("during_broadcast")(**options)
    _lazy("webhook_during_broadcast")(**options)


def _lazy(module: str, function: str = "run") -> Callable[..., None]:
    def run(**options: Any) -> None:
        getattr(importlib.import_module(f"bench.{module}"), function)(**options)

    return run


BENCHMARKS: dict[str, Callable[..., None]] = {
    "A": _analysis,
    "B1": _lazy("web_form"),
    "B2": _lazy("store_path"),
    "B3": _lazy("aggregates"),
    "B4": _lazy("chat_webhooks", "run_telegram"),
    "B5": _lazy("chat_webhooks", "run_slack"),
    "B6": _broadcast,
    "B6x": _during_broadcast,  # B1's and B4's p99 during a B6 broadcast vs alone: the two below
    "B6x-B1": _lazy("during_broadcast"),  # the form (bench/during_broadcast.py)
    "B6x-B4": _lazy(
        "webhook_during_broadcast"
    ),  # the Telegram webhook (bench/webhook_during_broadcast.py)
    "B7": _lazy("export"),
    "B8": _lazy("hub_pages"),  # the public Hub's pages vs the same HTML as a static file
}


# Benchmarks that load the server with wrk (closed loop); skipped where it is not installed.
NEEDS_WRK = frozenset({"B1", "B4", "B5", "B6x", "B6x-B1", "B6x-B4", "B8"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", help="comma-separated ids: " + ",".join(BENCHMARKS))
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and short runs (smoke test)"
    )
    parser.add_argument("--databases", default=",".join(DATABASES), help="sqlite,postgresql")
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds (medians of at least 5)"
    )
    parser.add_argument("--json", type=Path, help="write every result here")
    args = parser.parse_args(argv)
    known = {name.upper(): name for name in BENCHMARKS}
    chosen = (
        [known.get(name.strip().upper(), name.strip()) for name in args.only.split(",")]
        if args.only
        else list(BENCHMARKS)
    )
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if "postgresql" in databases and not postgres_available():
        print("PostgreSQL does not answer: measuring on SQLite only", flush=True)
        databases = [d for d in databases if d != "postgresql"]
    print(
        f"python {platform.python_version()} · {platform.platform()} · {', '.join(chosen)} on "
        f"{', '.join(databases)}{' (quick)' if args.quick else ''}",
        flush=True,
    )
    started = time.perf_counter()
    for name in chosen:
        print(f"== {name}", flush=True)
        if name in NEEDS_WRK and shutil.which("wrk") is None:
            print(f"== {name} skipped: it needs wrk (apt-get install wrk)", flush=True)
            continue
        begun = time.perf_counter()
        BENCHMARKS[name](quick=args.quick, databases=databases, rounds=args.rounds)
        print(f"== {name} took {time.perf_counter() - begun:.0f} s", flush=True)
    print(f"\n== summary ({time.perf_counter() - started:.0f} s)", flush=True)
    for result in RESULTS:
        print(result.line, flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in RESULTS], indent=1, default=str))
    if PROBLEMS:
        print(f"\n== {len(PROBLEMS)} problem(s)", flush=True)
        for text in PROBLEMS:
            print(f"PROBLEM: {text}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
