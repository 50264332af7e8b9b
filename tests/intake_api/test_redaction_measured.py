"""Precision and recall of redaction on 210 labelled sentences in the seven languages.

The figures are printed (`pytest -s`) and reported in the README; the test fails
when recall of e-mails, phones or ID numbers falls under 0.95, or precision under 0.9.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from intake_api.redaction import find_personal_data

CASES = Path(__file__).resolve().parents[1] / "data" / "redaction_cases.jsonl"


def measure() -> dict[str, tuple[float, float]]:
    found_right, missed, wrong = Counter(), Counter(), Counter()
    for line in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        text, found, used = case["text"], find_personal_data(case["text"]), set()
        for span in case["spans"]:
            start = text.index(span["value"])
            end = start + len(span["value"])
            hit = next((i for i, f in enumerate(found) if f.start < end and f.end > start), None)
            if hit is None:
                missed[span["type"]] += 1
            else:
                found_right[span["type"]] += 1
                used.add(hit)
        for index, span in enumerate(found):
            if index not in used:
                wrong[span.kind] += 1
    kinds = set(found_right) | set(missed) | set(wrong)
    return {
        kind: (
            found_right[kind] / max(1, found_right[kind] + missed[kind]),
            found_right[kind] / max(1, found_right[kind] + wrong[kind]),
        )
        for kind in sorted(kinds)
    }


def test_labelled_set_is_large_and_multilingual():
    locales = Counter(
        json.loads(line)["locale"] for line in CASES.read_text(encoding="utf-8").splitlines()
    )
    assert sum(locales.values()) >= 200 and set(locales) == {
        "en",
        "fr",
        "es",
        "ar",
        "ru",
        "zh",
        "pt",
    }


def test_recall_and_precision():
    figures = measure()
    for kind, (recall, precision) in figures.items():
        print(f"{kind:8} recall {recall:.2f} precision {precision:.2f}")
    for kind in ("email", "phone", "id"):
        assert figures[kind][0] >= 0.95, (kind, figures[kind])
    assert all(precision >= 0.9 for _, precision in figures.values()), figures
