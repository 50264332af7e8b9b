"""Objective suggestions measured on a labelled multilingual set: top-3 accuracy per language.

`tests/data/objective_cases.jsonl` holds 322 short inputs (each of the 23 objectives twice in
each of the 7 languages), written by someone who did not write the lexicons. A case is a hit
when the objective it was written for is among the three suggestions. The figures are printed
(`pytest -s`) and reported in the README. The aim is 0.8 top-3 in every language; the test
fails when the mean falls under 0.8, any language under 0.75, or French under 0.8 (measured
0.89 top-3, 0.65 top-1, after the French lexicon was extended from the Compact's French text).

Because the French lexicon was extended after its misses on that set were seen, French is also
measured on `tests/data/objective_heldout_fr.jsonl`: 46 contributions (each objective twice)
written before the lexicon was opened. It measured 0.98 top-3 before the extension and 1.00
after; the test fails under 0.95. The same person wrote it and then extended the lexicon
(added phrases that echoed it were taken out again), so it guards against a regression more
than it proves independence. A second French set,
`tests/data/objective_heldout_fr_independent.jsonl` (46 inputs, each objective twice), was
written by someone who never opened the lexicon or the other sets; see its test below.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from intake_api.language.analysis import analyse
from intake_api.language.objectives import LOCALES

DATA = Path(__file__).parents[2] / "data"


def _cases(name: str) -> list[dict]:
    return [
        json.loads(line)
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


CASES = _cases("objective_cases.jsonl")
HELDOUT_FR = _cases("objective_heldout_fr.jsonl")
INDEPENDENT_FR = _cases("objective_heldout_fr_independent.jsonl")
BAR = 0.75
MEAN_BAR = 0.8
FRENCH_BAR = 0.8  # French was the one language under the aim; its lexicon now meets it
HELDOUT_FR_BAR = 0.95  # measured 1.00 (0.98 before the lexicon was extended)
INDEPENDENT_FR_BAR = 0.9  # measured 0.98 top-3; measured minus 0.05, floored to a multiple of 0.05


def _accuracy(cases: list[dict] = CASES) -> dict[str, tuple[float, float, float]]:
    """Per locale: top-1, top-3 on the main objective, and theme accuracy where a theme is labelled."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for case in cases:
        found = analyse(case["text"], case["locale"])
        suggested = [int(s.key) for s in found.objectives]
        row = tally[case["locale"]]
        row[0] += 1
        row[1] += bool(suggested) and suggested[0] == case["objectives"][0]
        row[2] += case["objectives"][0] in suggested
        if case.get("theme"):
            row[3] += 1
            row[4] += found.theme is not None and found.theme.key == case["theme"]
    return {
        loc: (r[1] / r[0], r[2] / r[0], r[4] / r[3] if r[3] else 0.0)
        for loc, r in sorted(tally.items())
    }


def test_the_set_is_balanced():
    assert len(CASES) >= 300
    per = defaultdict(int)
    for case in CASES:
        per[(case["locale"], case["objectives"][0])] += 1
    assert {loc for loc, _ in per} == set(LOCALES)
    assert all(per[(loc, n)] >= 2 for loc in LOCALES for n in range(1, 24))


@pytest.fixture(scope="module")
def accuracy() -> dict[str, tuple[float, float, float]]:
    figures = _accuracy()
    print("\nlocale  top-1  top-3  theme")
    for locale, (top1, top3, theme) in figures.items():
        print(f"{locale:6}  {top1:.2f}   {top3:.2f}   {theme:.2f}")
    return figures


@pytest.mark.parametrize("locale", LOCALES)
def test_top3_accuracy_meets_the_bar(accuracy, locale):
    assert accuracy[locale][1] >= BAR, accuracy[locale]


def test_mean_top3_accuracy_meets_the_aim(accuracy):
    assert sum(top3 for _, top3, _ in accuracy.values()) / len(accuracy) >= MEAN_BAR


def test_french_meets_the_aim(accuracy):
    assert accuracy["fr"][1] >= FRENCH_BAR, accuracy["fr"]


def test_french_held_out_set_is_balanced():
    per = defaultdict(int)
    for case in HELDOUT_FR:
        per[(case["locale"], case["objectives"][0])] += 1
    assert set(per) == {("fr", n) for n in range(1, 24)} and min(per.values()) >= 2


def test_french_held_out_top3_accuracy():
    """Inputs the lexicon's editor did not tune on: a lexicon fitted to the main set would drop here."""
    top1, top3, _ = _accuracy(HELDOUT_FR)["fr"]
    print(f"\nheld-out fr  top-1 {top1:.2f}  top-3 {top3:.2f}")
    assert top3 >= HELDOUT_FR_BAR, (top1, top3)


def test_independent_french_set_is_balanced():
    per = defaultdict(int)
    for case in INDEPENDENT_FR:
        per[(case["locale"], case["objectives"][0])] += 1
    assert set(per) == {("fr", n) for n in range(1, 24)} and min(per.values()) >= 2


def test_independent_french_top3_accuracy():
    """A French set whose writer never saw the lexicon nor the other sets, so no tuning leaks in.

    Measured after the French lexicon extension, unchanged since: top-1 0.78 (36/46), top-3
    0.98 (45/46; the one miss is a plea for countries of origin, transit and destination to
    work together, objective 23, suggested as 16, 2, 18). The bar sits 0.05 under, floored.
    """
    top1, top3, _ = _accuracy(INDEPENDENT_FR)["fr"]
    print(f"\nindependent fr  top-1 {top1:.2f}  top-3 {top3:.2f}")
    assert top3 >= INDEPENDENT_FR_BAR, (top1, top3)
