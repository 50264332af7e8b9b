"""Markdown tables for bench/RESULTS.md from ``python -m bench --json FILE`` files.

Run: python -m bench.tables FILE [FILE ...]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def _figure(value: dict[str, float], unit: str) -> str:
    digits = (
        0
        if value["median"] >= 100
        else 1
        if value["median"] >= 10
        else 2
        if value["median"] >= 1
        else 3
    )
    return f"{value['median']:.{digits}f} {unit} [{value['low']:.{digits}f}–{value['high']:.{digits}f}]"


def tables(paths: list[Path]) -> str:
    by_benchmark: dict[str, list[dict[str, object]]] = defaultdict(list)
    for path in paths:
        for result in json.loads(path.read_text()):
            by_benchmark[str(result["extra"].get("benchmark", result["name"].split()[0]))].append(
                result
            )
    out: list[str] = []
    for benchmark in sorted(by_benchmark):
        out += [
            f"### {benchmark}",
            "",
            "| what | candidate | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for r in by_benchmark[benchmark]:
            met = {True: "yes", False: "no", None: "–"}[r["met"]]  # type: ignore[index]
            name = str(r["name"]).removeprefix(f"{benchmark} ")
            out.append(
                f"| {name} | {_figure(r['candidate'], str(r['unit']))} | "  # type: ignore[arg-type]
                f"{_figure(r['baseline'], str(r['unit']))} | {float(r['ratio']):.2f} | {r['target']} | {met} |"
            )  # type: ignore[arg-type]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(tables([Path(p) for p in sys.argv[1:]]))
