"""Precision and recall of redaction on a held-out set of 140 labelled sentences.

Held out: written after the detector, by someone who had not read it. Measured first as it
was (2026-11-29): recall 1.00 for e-mails, phones, IBANs, URLs and handles, 0.84 for ID numbers
(UNHCR case numbers outside English and French, a Portuguese residence permit) and 0.57 for
street addresses, precision 1.00 throughout. The detector was then fixed for those misses, so
this set is no longer held out; it now guards against regressions.

`tests/data/redaction_heldout.jsonl` holds 20 sentences per language (en fr es ar ru zh pt),
about a third of them without personal data but with tricky numbers (dates, amounts, laws,
resolution symbols, organisation sites). Spans are matched as in test_redaction_measured.py:
a labelled span is found when any detected span overlaps it; a detected span that overlaps
no labelled span is a false positive.

The figures are printed (`pytest -s`) with every miss; the test fails when recall of e-mails,
phones or ID numbers falls under 0.95, or any precision under 0.9.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from intake_api.redaction import find_personal_data

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "redaction_heldout.jsonl"
KINDS = {"email", "phone", "id", "iban", "url", "handle", "address"}
LOCALES = {"en", "fr", "es", "ar", "ru", "zh", "pt"}


def load() -> list[dict]:
    return [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line]


def measure(cases: list[dict]) -> tuple[dict[str, tuple[float, float, int, int, int]], list[str]]:
    """Per kind: (recall, precision, true positives, misses, false positives), and the misses."""
    found_right, missed, wrong, misses = Counter(), Counter(), Counter(), []
    for case in cases:
        text, found, used = case["text"], find_personal_data(case["text"]), set()
        for span in case["spans"]:
            start = text.index(span["value"])
            end = start + len(span["value"])
            hit = next((i for i, f in enumerate(found) if f.start < end and f.end > start), None)
            if hit is None:
                missed[span["type"]] += 1
                misses.append(
                    f"FN {span['type']:8} [{case['locale']}] {span['value']!r} in {text!r}"
                )
            else:
                found_right[span["type"]] += 1
                used.add(hit)
        for index, span in enumerate(found):
            if index not in used:
                wrong[span.kind] += 1
                value = text[span.start : span.end]
                misses.append(f"FP {span.kind:8} [{case['locale']}] {value!r} in {text!r}")
    kinds = set(found_right) | set(missed) | set(wrong)
    figures = {
        kind: (
            found_right[kind] / max(1, found_right[kind] + missed[kind]),
            found_right[kind] / max(1, found_right[kind] + wrong[kind]),
            found_right[kind],
            missed[kind],
            wrong[kind],
        )
        for kind in sorted(kinds)
    }
    return figures, misses


def test_heldout_set_is_well_formed():
    cases = load()
    locales = Counter(case["locale"] for case in cases)
    assert set(locales) == LOCALES, locales
    assert all(count >= 20 for count in locales.values()), locales
    for case in cases:
        assert set(case) == {"locale", "text", "spans"}, case
        for span in case["spans"]:
            assert span["type"] in KINDS, span
            assert span["value"] and span["value"] in case["text"], (span, case["text"])
    assert sum(not case["spans"] for case in cases) >= len(cases) // 4


def test_heldout_figures_are_reported():
    figures, misses = measure(load())
    print("\nheld-out redaction (overlap matching)")
    print(f"{'kind':8} {'recall':>6} {'prec.':>6} {'tp':>4} {'fn':>4} {'fp':>4}")
    for kind, (recall, precision, tp, fn, fp) in figures.items():
        print(f"{kind:8} {recall:6.2f} {precision:6.2f} {tp:4} {fn:4} {fp:4}")
    print(f"\n{len(misses)} misses")
    for miss in misses:
        print(miss)
    for kind in ("email", "phone", "id"):
        assert figures[kind][0] >= 0.95, (kind, figures[kind])
    assert all(precision >= 0.9 for _recall, precision, *_ in figures.values()), figures
