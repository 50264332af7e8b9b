"""Alternating runs, medians and one line of output per comparison."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    median: float
    low: float
    high: float


def alternate(baseline: Callable[[], float], candidate: Callable[[], float], rounds: int = 5) -> tuple[Figure, Figure]:
    """Run baseline, candidate, baseline, ... ``rounds`` times each; each call returns one measurement."""
    base, cand = [], []
    for _ in range(rounds):
        base.append(baseline())
        cand.append(candidate())
    return _figure(base), _figure(cand)


def _figure(values: list[float]) -> Figure:
    return Figure(statistics.median(values), min(values), max(values))


def report(name: str, unit: str, baseline: Figure, candidate: Figure, *, target: str) -> str:
    ratio = candidate.median / baseline.median if baseline.median else float("inf")
    line = (f"{name}: candidate {candidate.median:.3f} {unit} [{candidate.low:.3f}–{candidate.high:.3f}] · "
            f"baseline {baseline.median:.3f} {unit} [{baseline.low:.3f}–{baseline.high:.3f}] · "
            f"ratio {ratio:.2f} · target {target}")  # fmt: skip
    print(line, flush=True)
    return line
