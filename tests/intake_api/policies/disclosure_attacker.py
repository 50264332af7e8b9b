"""Attackers who did not write the suppression: they recover hidden counts from what an output shows.

They know what any reader of an output knows: every number shown, every sum a reader
can check (a table's total, a group's count repeated in three tables), what each hidden
count's label says (the API names the reason; tables show "<5" or "x", which tells less),
and, since the rule for choosing complements is public, the comparisons that choice
made (a complement's size band is at most that of each count it was preferred to, and
both were 5 or more). So each hidden count is bounded by its reason: "small" is 1 to 4;
"small_breakdown" (a breakdown whose counts are all below 5, hidden whole) 0 to 4;
"complement" 5 or more; "withheld" 1 or more. Read from an output that does not say
why (a table's "x"), or tied by a sum to the counts an output prints without being
printed itself (a group's total beside a table that lists its row), a count is "any":
0 or more; so is "unpublished", what a part leaves of its whole (the inputs not
naming an objective), which no output prints.

``integer_ranges`` solves exactly with integer programming (scipy's HiGHS MILP), per
group of hidden counts tied by sums: the smallest and largest whole value each can
take. ``enumerated_ranges`` tries every table of small tables, by brute force, as a
second opinion that shares no code with the first. Integration tests parse an output
(CSV, Slack blocks, API JSON) into ``shown`` and ``hidden`` and call these.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Key = Hashable
Sums = Sequence[tuple[Key, Sequence[Key]]]
# (smaller, larger, strict): smaller's size band <= larger's, minus one when strict.
Comparisons = Iterable[tuple[Key, Key, bool]]

SMALL = 5
# Counts are finite: the solver gets a bound, by default twice everything shown plus room for
# every hidden count to be large. Loose as it is, it pins nothing: the truth lies well inside it,
# and it keeps the band flags' coefficients moderate for the solver.
ROOM = 1000


def _bounds(
    hidden: Mapping[Key, str], comparisons: list[tuple[Key, Key, bool]], cap: int
) -> dict[Key, tuple[int, int]]:
    """What each hidden count's reason says; a count in a comparison was a candidate, so 5 or more."""
    priors = {
        "small": (1, SMALL - 1),
        "small_breakdown": (0, SMALL - 1),
        "complement": (SMALL, cap),
        "withheld": (1, cap),
        "any": (0, cap),
        "unpublished": (0, cap),
    }
    compared = {k for smaller, larger, _ in comparisons for k in (smaller, larger)}
    bounds = {}
    for key, reason in hidden.items():
        low, high = priors[reason]
        bounds[key] = (max(low, SMALL) if key in compared else low, high)
    return bounds


def _cap(shown: Mapping[Key, int], hidden: Mapping[Key, str]) -> int:
    return 2 * sum(shown.values()) + ROOM * (len(hidden) + 1)


def _groups(sums: Sums, hidden: Iterable[Key]) -> list[list[Key]]:
    """Hidden counts tied together by sums (directly or through other hidden counts)."""
    parent = {key: key for key in hidden}

    def root(key: Key) -> Key:
        while parent[key] != key:
            key = parent[key]
        return key

    for total, parts in sums:
        members = [k for k in (total, *parts) if k in parent]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[Key, list[Key]] = {}
    for key in parent:
        groups.setdefault(root(key), []).append(key)
    return list(groups.values())


def band_of(count: int) -> int:
    """Complements are chosen by size band: 5-9 is 0, 10-19 is 1, 20-39 is 2, ..."""
    band, top = 0, 2 * SMALL - 1
    while count > top:
        band, top = band + 1, 2 * top + 1
    return band


def band_limits(band: int) -> tuple[int, int]:
    return SMALL * 2**band, SMALL * 2 ** (band + 1) - 1


def integer_ranges(
    sums: Sums,
    shown: Mapping[Key, int],
    hidden: Mapping[Key, str],
    comparisons: Comparisons = (),
    *,
    cap: int | None = None,
) -> dict[Key, tuple[int, int]]:
    """The smallest and largest whole value of every hidden count, given all a reader knows
    (and that no count exceeds ``cap``, by default far above anything the output allows)."""
    comparisons = list(comparisons)
    cap = cap or _cap(shown, hidden)
    bounds = _bounds(hidden, comparisons, cap)
    ranges: dict[Key, tuple[int, int]] = {}
    for group in _groups(sums, hidden):
        ranges.update(_Program(group, sums, shown, bounds, comparisons, cap).ranges())
    return ranges


class _Program:
    """One group of hidden counts tied by sums, as an integer program."""

    def __init__(
        self,
        group: list[Key],
        sums: Sums,
        shown: Mapping[Key, int],
        bounds: Mapping[Key, tuple[int, int]],
        comparisons: list[tuple[Key, Key, bool]],
        cap: int,
    ) -> None:
        self.column = {key: i for i, key in enumerate(group)}
        bands = band_of(cap) + 1
        # Each count compared with another hidden one also gets a band: one 0/1 flag per band.
        pairs = [
            (s, g, strict) for s, g, strict in comparisons if s in self.column and g in self.column
        ]
        banded = list(dict.fromkeys(k for s, g, _ in pairs for k in (s, g)))
        flag = {
            (k, b): len(group) + j * bands + b for j, k in enumerate(banded) for b in range(bands)
        }
        self.width = len(group) + len(flag)
        self.rows: list[np.ndarray] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        for total, parts in sums:
            if any(k in self.column for k in (total, *parts)):
                rest, coefficients = 0, {}
                for key, sign in ((total, -1), *((p, 1) for p in parts)):
                    if key in self.column:
                        coefficients[self.column[key]] = (
                            coefficients.get(self.column[key], 0) + sign
                        )
                    else:
                        rest += sign * shown[key]
                self._constrain(coefficients, -rest, -rest)
        self.low = np.zeros(self.width)
        self.high = np.ones(self.width)
        for key, i in self.column.items():
            self.low[i], self.high[i] = bounds[key]
        for key in banded:
            self._constrain({flag[key, b]: 1 for b in range(bands)}, 1, 1)
            self._constrain(
                {self.column[key]: 1, **{flag[key, b]: -band_limits(b)[0] for b in range(bands)}},
                0,
                np.inf,
            )
            self._constrain(
                {self.column[key]: 1, **{flag[key, b]: -band_limits(b)[1] for b in range(bands)}},
                -np.inf,
                0,
            )
        for smaller, larger, strict in pairs:
            self._constrain(
                {
                    **{flag[smaller, b]: b for b in range(bands)},
                    **{flag[larger, b]: -b for b in range(1, bands)},
                },
                -np.inf,
                -int(strict),
            )
        for smaller, larger, strict in comparisons:
            if smaller in self.column and larger not in self.column:
                band = band_of(shown[larger]) - int(strict)
                i = self.column[smaller]
                self.high[i] = min(self.high[i], band_limits(band)[1] if band >= 0 else 0)

    def _constrain(self, coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(self.width)
        for i, c in coefficients.items():
            row[i] += c
        self.rows.append(row)
        self.lower.append(low)
        self.upper.append(high)

    def ranges(self) -> dict[Key, tuple[int, int]]:
        constraints = (
            [LinearConstraint(np.array(self.rows), self.lower, self.upper)] if self.rows else []
        )
        ranges = {}
        for key, i in self.column.items():
            found = []
            for direction in (1, -1):
                objective = np.zeros(self.width)
                objective[i] = direction
                # HiGHS's presolve (scipy 1.17) reported a wrong optimum on a band-flag model
                # (7 feasible, 8 "optimal"); without it the answers agree with brute force.
                result = milp(
                    objective,
                    integrality=np.ones(self.width),
                    bounds=Bounds(self.low, self.high),
                    constraints=constraints,
                    options={"presolve": False},
                )
                if result.status == 2:
                    raise AssertionError(
                        f"no table agrees with the output around {key!r}: a label lies"
                    )
                assert result.status == 0, result.message
                found.append(round(result.x[i]))
            ranges[key] = (found[0], found[1])
        return ranges


def enumerated_ranges(
    sums: Sums,
    shown: Mapping[Key, int],
    hidden: Mapping[Key, str],
    comparisons: Comparisons = (),
    *,
    cap: int = 45,
) -> dict[Key, tuple[int, int]]:
    """The same by trying every table of the hidden inner cells from 0 to ``cap``; for tables
    with at most four hidden inner cells (a value at ``cap`` means: and maybe more)."""
    comparisons = list(comparisons)
    bounds = _bounds(hidden, comparisons, 10**9)  # ``cap`` limits the cells tried, not the totals
    totals = {total for total, _ in sums}
    keys = [*shown, *hidden]
    inner = [k for k in hidden if k not in totals]
    assert len(inner) <= 4, "too many hidden inner cells to try them all"
    axes = [np.arange(bounds[k][0], min(bounds[k][1], cap) + 1) for k in inner]
    grid = (
        np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(inner))
        if axes
        else np.zeros((1, 0), dtype=np.int64)
    )
    value = {k: np.full(len(grid), shown[k], dtype=np.int64) for k in shown if k not in totals}
    value.update({k: grid[:, i] for i, k in enumerate(inner)})
    while len(value) < len(keys):  # totals from their parts, bottom up
        progressed = False
        for total, parts in sums:
            if total not in value and all(p in value for p in parts):
                value[total] = sum(value[p] for p in parts)
                progressed = True
        assert progressed, "a total that is no sum of cells"
    ok = np.ones(len(grid), dtype=bool)
    for total, parts in sums:
        ok &= value[total] == sum(value[p] for p in parts)
    for key, number in shown.items():
        ok &= value[key] == number
    for key, (low, high) in bounds.items():
        ok &= (value[key] >= low) & (value[key] <= high)
    edges = np.array([band_limits(b)[0] for b in range(band_of(10**9) + 2)])
    for smaller, larger, strict in comparisons:
        ok &= np.searchsorted(edges, value[smaller], side="right") <= np.searchsorted(
            edges, value[larger], side="right"
        ) - int(strict)
    if not ok.any():
        raise AssertionError("no table agrees with the output: a label lies")
    return {k: (int(value[k][ok].min()), int(value[k][ok].max())) for k in hidden}
