"""Disclosure control: no hidden count can be worked out from what an output shows.

Random tables (one-way with a total; two-way with both margins and a grand total;
several two-way tables sharing their row totals and grand total, with one-way tables
beside them) with many small counts are suppressed, then attacked by code that did
not write the suppression (``disclosure_attacker``): integer programming over every
number shown, every sum, every symbol's meaning and every comparison the choice of
complements implies, and, for small tables, by trying every table there is.
"""

from __future__ import annotations

from collections.abc import Hashable

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from intake_api.policies.disclosure import (
    HIDDEN_NOTE,
    HIDDEN_SYMBOL,
    SMALL_COUNT,
    SMALL_NOTE,
    SMALL_SYMBOL,
    Disclosure,
    Publication,
    Reason,
    Shown,
    disclose,
)
from tests.intake_api.policies.disclosure_attacker import band_of, enumerated_ranges, integer_ranges

# Many counts of 1 to 4 next to zeros and larger ones, as in a review's first weeks.
counts = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 40))


def public_view(disclosure: Disclosure) -> tuple[dict[Hashable, int], dict[Hashable, str], list]:
    """What a reader has: the numbers shown, why the others are hidden, and the rule's comparisons."""
    shown = {key: s.number for key, s in disclosure.items() if s.number is not None}
    hidden = {key: s.reason.value for key, s in disclosure.items() if s.hidden}
    comparisons = [(c.smaller, c.larger, c.strict) for c in disclosure.implied]
    return shown, hidden, comparisons


def assert_protected(publication: Publication, disclosure: Disclosure) -> None:
    """Everything the output shows is true, and no hidden count has a single possible value."""
    true = publication.counts
    assert set(disclosure) == set(true)
    for key, count in true.items():
        shown = disclosure[key]
        if 0 < count < SMALL_COUNT:
            assert shown.hidden, f"{key!r} = {count} is shown"
        if shown.hidden:
            assert shown.number is None and shown.text in (SMALL_SYMBOL, HIDDEN_SYMBOL)
            assert str(count) != shown.text
        else:
            assert (shown.number, shown.text) == (count, str(count)), "a shown count is not exact"
        if count == 0:
            assert not shown.hidden or shown.reason in (
                Reason.SMALL_BREAKDOWN,
                Reason.UNPUBLISHED,
            ), "zero stays 0"
        if shown.reason is Reason.SMALL_BREAKDOWN:
            assert count < SMALL_COUNT
        if shown.reason is Reason.COMPLEMENT:
            assert count >= SMALL_COUNT
    for c in disclosure.implied:  # what the rule lets a reader infer is true
        assert band_of(true[c.smaller]) <= band_of(true[c.larger]) - int(c.strict)
    shown, hidden, comparisons = public_view(disclosure)
    # The reader with a pencil: a total minus the shown parts. No sum has exactly one hidden count.
    secret = {
        k
        for k, reason in hidden.items()
        if reason != Reason.UNPUBLISHED.value or 0 < true[k] < SMALL_COUNT
    }
    for total, parts in publication.sums:
        if any(k in secret for k in (total, *parts)):
            assert sum(k in hidden for k in (total, *parts)) != 1, (
                f"{total!r} minus its parts gives one away"
            )
    ranges = integer_ranges(publication.sums, shown, hidden, comparisons)
    for key, (low, high) in ranges.items():
        assert low <= true[key] <= high, f"{key!r}: the output rules out the truth"
        # a rest of 5 or 0 is no secret
        if hidden[key] != Reason.UNPUBLISHED.value or 0 < true[key] < SMALL_COUNT:
            assert low < high, f"{key!r} is recovered: only {low} fits"


# Random tables ---------------------------------------------------------------------


def described(publication: Publication) -> Publication:
    """The publication, its counts noted for a failing example's report."""
    note(f"counts {dict(publication.counts)!r}\nsums {publication.sums!r}")
    return publication


def split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """``total`` cut into ``parts`` whole counts (zeros allowed)."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


@st.composite
def one_way(draw: st.DrawFn, max_parts: int = 8) -> Publication:
    publication = Publication()
    values = draw(st.lists(counts, min_size=1, max_size=max_parts))
    publication.add_breakdown("total", {("part", i): n for i, n in enumerate(values)})
    return described(publication)


@st.composite
def two_way(draw: st.DrawFn, max_rows: int = 5, max_columns: int = 4) -> Publication:
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    table = {r: {c: draw(counts) for c in range(columns)} for r in range(rows)}
    publication = Publication()
    publication.add_crosstab(
        "cell",
        table,
        rows=range(rows),
        columns=range(columns),
        row_totals="row",
        column_totals="column",
        total="total",
    )
    return described(publication)


@st.composite
def linked(draw: st.DrawFn) -> Publication:
    """Two or three cross-tables of the same groups (their row totals and grand total shared,
    some with column totals shown), and one-way tables of the grand total beside them."""
    rows = draw(st.integers(1, 4))
    group_totals = [draw(counts) for _ in range(rows)]
    publication = Publication()
    for t in range(draw(st.integers(2, 3))):
        columns = draw(st.integers(1, 3))
        table = {r: dict(enumerate(split(draw, group_totals[r], columns))) for r in range(rows)}
        publication.add_crosstab(
            f"table{t}",
            table,
            rows=range(rows),
            columns=range(columns),
            row_totals="group",
            column_totals=f"column{t}" if draw(st.booleans()) else None,
            total="total",
        )
    for t in range(draw(st.integers(0, 2))):
        parts = split(draw, sum(group_totals), draw(st.integers(1, 4)))
        publication.add_breakdown("total", {(f"oneway{t}", i): n for i, n in enumerate(parts)})
    return described(publication)


@st.composite
def with_subsets(draw: st.DrawFn) -> Publication:
    """Tables as above, and counts of some of the total's inputs beside them (GCM objectives, an
    input naming several): each at most the total, many close to it."""
    publication = draw(st.one_of(one_way(), two_way(max_rows=3, max_columns=3), linked()))
    total = publication.counts["total"]
    for n in range(draw(st.integers(1, 4))):
        part = draw(st.one_of(st.integers(max(total - 6, 0), total), st.integers(0, total)))
        publication.add_count(("objective", n), part)
        publication.add_subset(("objective", n), "total")
    return described(publication)


@settings(max_examples=300, deadline=None)
@given(one_way())
def test_one_way_tables_keep_every_hidden_count_uncertain(publication: Publication) -> None:
    assert_protected(publication, disclose(publication))


def assert_no_table_tried_pins_a_count(publication: Publication) -> None:
    """Brute force over every table agreeing with what is shown: each hidden count keeps two values."""
    shown, hidden, comparisons = public_view(disclose(publication))
    true = publication.counts
    for key, (low, high) in enumerated_ranges(publication.sums, shown, hidden, comparisons).items():
        assert low <= true[key] <= high and low < high, f"{key!r} is recovered"


@settings(max_examples=150, deadline=None)
@given(one_way(max_parts=3))
def test_small_one_way_tables_resist_trying_every_table(publication: Publication) -> None:
    assert_no_table_tried_pins_a_count(publication)


@settings(max_examples=120, deadline=None)
@given(two_way())
def test_two_way_tables_with_margins_keep_every_hidden_count_uncertain(
    publication: Publication,
) -> None:
    assert_protected(publication, disclose(publication))


@settings(max_examples=100, deadline=None)
@given(two_way(max_rows=2, max_columns=2))
def test_small_two_way_tables_resist_trying_every_table(publication: Publication) -> None:
    assert_no_table_tried_pins_a_count(publication)


@settings(max_examples=100, deadline=None)
@given(linked())
def test_linked_tables_sharing_margins_keep_every_hidden_count_uncertain(
    publication: Publication,
) -> None:
    assert_protected(publication, disclose(publication))


@settings(max_examples=150, deadline=None)
@given(with_subsets())
def test_counts_of_part_of_the_inputs_give_no_hidden_count_away(publication: Publication) -> None:
    assert_protected(publication, disclose(publication))


@settings(max_examples=60, deadline=None)
@given(st.one_of(two_way(), linked()), st.data())
def test_hiding_more_never_reveals(publication: Publication, data: st.DataObject) -> None:
    """Whatever a renderer leaves out on top (a list cut to its top rows, a chart without
    its numbers) only widens what a reader can imagine."""
    disclosure = disclose(publication)
    shown, hidden, comparisons = public_view(disclosure)
    more = data.draw(st.sets(st.sampled_from(sorted(shown, key=repr))) if shown else st.just(set()))
    for key in more:
        if shown[key] > 0:
            hidden[key] = Reason.COMPLEMENT.value
            del shown[key]
    true = publication.counts
    for key, (low, high) in integer_ranges(publication.sums, shown, hidden, comparisons).items():
        assert low <= true[key] <= high
        if key not in more:
            assert low < high, f"{key!r} is recovered once more is hidden"


@settings(max_examples=50, deadline=None)
@given(linked())
def test_the_same_counts_give_the_same_output(publication: Publication) -> None:
    first, second = disclose(publication), disclose(publication)
    assert dict(first) == dict(second) and first.implied == second.implied


# The probe's cases and the rules, one by one --------------------------------------------


def test_a_chart_gets_no_number_for_a_small_count() -> None:
    """The probe: bars beside a table printed 1, 2, 3, 4 where the table said "<5"."""
    publication = Publication()
    publication.add_breakdown(
        "inputs", {"priorities_gaps": 3, "cooperation": 20, "governance": 12, "progress": 0}
    )
    disclosure = disclose(publication)
    bars = [
        (key, shown.number)
        for key, shown in disclosure.ordered(
            ["priorities_gaps", "cooperation", "governance", "progress"]
        )
    ]
    assert disclosure["priorities_gaps"] == Shown(SMALL_SYMBOL, None, Reason.SMALL)
    assert ("priorities_gaps", None) in bars and all(
        n is None or n == 0 or n >= SMALL_COUNT for _, n in bars
    )
    assert disclosure["governance"] == Shown(
        HIDDEN_SYMBOL, None, Reason.COMPLEMENT
    )  # else 35 - 20 - 12 = 3
    assert disclosure["inputs"].text == "35" and disclosure["progress"].text == "0"
    assert_protected(publication, disclosure)


def test_a_part_of_the_inputs_does_not_bound_a_hidden_total_into_a_small_count() -> None:
    """8 inputs, every one naming objective 6; groups of 2, 2 and 4, themes of 4 and 4, all
    hidden. Objective 6's "8" would say the hidden total is 8 at least, and two themes of 4 at
    most make it 8: 4 and 4. Declared as a part of the total, objective 6 is hidden too."""
    publication = Publication()
    publication.add_breakdown("total", {("group", 0): 2, ("group", 1): 2, ("group", 2): 4})
    publication.add_breakdown("total", {("theme", 0): 4, ("theme", 1): 4})
    publication.add_count(("objective", 6), 8)
    publication.add_subset(("objective", 6), "total")
    disclosure = disclose(publication)
    assert disclosure[("objective", 6)].text == HIDDEN_SYMBOL
    assert_protected(publication, disclosure)


def test_all_but_a_few_is_a_small_count_too() -> None:
    """30 inputs, 28 naming objective 6: the 2 that did not would be given away."""
    publication = Publication()
    publication.add_breakdown("total", {("group", "a"): 20, ("group", "b"): 10})
    publication.add_count(("objective", 6), 28)
    publication.add_subset(("objective", 6), "total")
    disclosure = disclose(publication)
    assert disclosure["total"].text == "30" and disclosure[("objective", 6)].text == HIDDEN_SYMBOL
    assert disclosure.footnotes() == (HIDDEN_NOTE,)
    assert_protected(publication, disclosure)


def test_a_row_total_no_longer_gives_back_the_one_small_cell_of_its_row() -> None:
    """The probe: a row of 3, 10, 12 with its total 25 showed "<5", 10, 12 and 25."""
    publication = Publication()
    table = {
        "migrant": {"web": 3, "telegram": 10, "slack": 12},
        "youth": {"web": 8, "telegram": 9, "slack": 30},
    }
    publication.add_crosstab(
        "group×channel",
        table,
        rows=table,
        columns=["web", "telegram", "slack"],
        row_totals="group",
        column_totals="channel",
        total="inputs",
    )
    disclosure = disclose(publication)
    row = [disclosure[("group×channel", "migrant", c)] for c in ("web", "telegram", "slack")]
    assert row[0].text == SMALL_SYMBOL
    assert sum(s.hidden for s in row) >= 2 or disclosure[("group", "migrant")].hidden
    assert_protected(publication, disclosure)


def test_two_small_counts_left_a_sum_of_two_are_both_hidden_by_more() -> None:
    """1 and 1 beside a shown 30 and total 32: "<5" twice with 2 left over means 1 and 1."""
    publication = Publication()
    publication.add_breakdown("total", {"a": 1, "b": 1, "c": 30})
    disclosure = disclose(publication)
    assert [disclosure[k].text for k in ("a", "b", "c", "total")] == ["<5", "<5", "x", "32"]
    assert_protected(publication, disclosure)


def test_a_complement_that_leaves_no_doubt_is_not_enough() -> None:
    """1 and 5 hidden in a total of 26 with 20 shown: "<5" plus "5 or more" make 6, so 1 and 5."""
    publication = Publication()
    publication.add_breakdown("total", {"a": 1, "b": 5, "c": 20})
    disclosure = disclose(publication)
    assert [disclosure[k].text for k in ("a", "b", "c", "total")] == ["<5", "x", "x", "26"]
    assert_protected(publication, disclosure)


def test_what_the_choice_of_complements_tells_a_reader_is_taken_into_account() -> None:
    """4, 5, 5 in a total of 14. Picking the smallest count exactly would tell a reader that the
    hidden 5 is at most the shown 5, so the hidden pair (9) is 4 + 5. Picking by size band only
    tells them it is 9 at most: the "<5" can be anything from 1 to 4."""
    publication = Publication()
    publication.add_breakdown("total", {"a": 4, "b": 5, "c": 5})
    disclosure = disclose(publication)
    assert [disclosure[k].text for k in ("a", "b", "c", "total")] == ["<5", "x", "5", "14"]
    assert [(c.smaller, c.larger, c.strict) for c in disclosure.implied] == [("b", "c", False)]
    shown, hidden, comparisons = public_view(disclosure)
    assert integer_ranges(publication.sums, shown, hidden, comparisons) == {
        "a": (1, 4),
        "b": (5, 8),
    }
    assert_protected(publication, disclosure)


def test_a_group_whose_breakdowns_are_all_small_shows_none_of_them() -> None:
    """A group of 8: eight "<5" by age and two "<5" by gender would say 8 ones and 4 + 4."""
    publication = Publication()
    publication.add_breakdown("inputs", {("group", "youth"): 8, ("group", "migrant"): 60})
    ages = {
        "youth": dict(enumerate([1, 1, 1, 1, 0, 1, 1, 1, 1])),
        "migrant": dict(enumerate([20, 30, 10, 0, 0, 0, 0, 0, 0])),
    }
    genders = {"youth": dict(enumerate([4, 4, 0])), "migrant": dict(enumerate([30, 25, 5]))}
    for name, table, width in (("age", ages, 9), ("gender", genders, 3)):
        publication.add_crosstab(
            name,
            table,
            rows=["youth", "migrant"],
            columns=range(width),
            row_totals="group",
            column_totals=None,
            total="inputs",
        )
    disclosure = disclose(publication)
    youth = [
        disclosure[(name, "youth", i)]
        for name, width in (("age", 9), ("gender", 3))
        for i in range(width)
    ]
    assert {(s.text, s.reason) for s in youth} == {(HIDDEN_SYMBOL, Reason.SMALL_BREAKDOWN)}
    assert_protected(publication, disclosure)


def test_a_tiny_table_that_its_symbols_give_away_is_withheld() -> None:
    """8 inputs: 4 + 4 by language says 8 at most; a group "x" (a complement, 5 or more) beside a
    "<5" in its row says 6 at least, and two more groups of "<5" say 8 = 6 + 1 + 1. Nothing left
    to hide, so every count tied to them shows "x" (1 or more), zeros still 0."""
    publication = Publication()
    publication.add_breakdown("inputs", {("group", 0): 6, ("group", 1): 1, ("group", 2): 1})
    publication.add_breakdown(
        ("group", 0), {("channel", 0, 0): 0, ("channel", 0, 1): 1, ("channel", 0, 2): 5}
    )
    publication.add_breakdown("inputs", {("language", 0): 4, ("language", 1): 4})
    disclosure = disclose(publication)
    assert {disclosure[k].text for k in publication.counts if publication.counts[k]} == {
        HIDDEN_SYMBOL
    }
    assert {disclosure[k].reason for k in publication.counts if publication.counts[k]} == {
        Reason.WITHHELD
    }
    assert disclosure[("channel", 0, 0)].text == "0"
    assert_protected(publication, disclosure)


def test_the_breakdown_of_a_small_count_is_hidden_whole() -> None:
    """A group of 4 split 1, 1, 1, 1 (and 0) across ages: "<5" four times would say 1 each."""
    publication = Publication()
    publication.add_breakdown(
        ("group", "youth"),
        {
            ("age", a): n
            for a, n in {"13_15": 1, "16_17": 1, "18_24": 1, "25_34": 1, "35_49": 0}.items()
        },
    )
    disclosure = disclose(publication)
    assert disclosure[("group", "youth")].text == SMALL_SYMBOL
    assert {disclosure[k].text for k in publication.counts if k != ("group", "youth")} == {
        HIDDEN_SYMBOL
    }
    assert {disclosure[k].reason for k in publication.counts if k != ("group", "youth")} == {
        Reason.SMALL_BREAKDOWN
    }
    assert_protected(publication, disclosure)


def test_a_count_hidden_in_one_table_is_hidden_in_the_tables_that_share_it() -> None:
    """The report's group counts head three cross-tables and a bar chart: one key, one answer."""
    groups = {"migrant": 40, "youth": 3, "academia": 9}
    publication = Publication()
    by_age = {
        "migrant": {"18_24": 30, "25_34": 10},
        "youth": {"18_24": 3},
        "academia": {"25_34": 9},
    }
    by_gender = {
        "migrant": {"woman": 22, "man": 18},
        "youth": {"woman": 2, "man": 1},
        "academia": {"woman": 9},
    }
    publication.add_breakdown("inputs", {("group", g): n for g, n in groups.items()})
    publication.add_crosstab(
        "age",
        by_age,
        rows=groups,
        columns=["18_24", "25_34"],
        row_totals="group",
        column_totals=None,
        total="inputs",
    )
    publication.add_crosstab(
        "gender",
        by_gender,
        rows=groups,
        columns=["woman", "man"],
        row_totals="group",
        column_totals=None,
        total="inputs",
    )
    disclosure = disclose(publication)
    assert disclosure[("group", "youth")].text == SMALL_SYMBOL
    # 52 inputs minus migrant's 40 would give youth + academia = 12: academia's 9 goes too.
    assert disclosure[("group", "academia")].hidden
    assert_protected(publication, disclosure)


def test_a_zero_a_reader_can_tell_is_zero_stays_0() -> None:
    """Columns of 0 and 1, 0 and 4 are small breakdowns, hidden whole; but the first row adds up
    to a shown 0, so its two zeros are zeros for any reader and are shown as such."""
    publication = Publication()
    table = {0: {0: 0, 1: 0}, 1: {0: 1, 1: 4}}
    publication.add_crosstab(
        "cell",
        table,
        rows=[0, 1],
        columns=[0, 1],
        row_totals="row",
        column_totals="column",
        total="total",
    )
    disclosure = disclose(publication)
    assert [disclosure[("cell", 0, c)].text for c in (0, 1)] == ["0", "0"]
    assert [disclosure[("cell", 1, c)].text for c in (0, 1)] == ["x", "x"]
    assert_protected(publication, disclosure)


def test_a_breakdown_of_categories_that_only_exist_when_counted_can_be_one_line() -> None:
    publication = Publication()
    publication.add_breakdown("inputs", {("country", "KE"): 2, ("country", "UG"): 1})
    disclosure = disclose(publication)
    assert disclosure.all_small([("country", "KE"), ("country", "UG")])
    assert disclosure["inputs"].text == SMALL_SYMBOL


def test_counts_outside_any_sum_only_lose_their_small_values() -> None:
    """GCM objectives: an input names several, so their counts add up to nothing."""
    publication = Publication()
    for objective, n in {1: 0, 2: 3, 3: 17}.items():
        publication.add_count(("objective", objective), n)
    disclosure = disclose(publication)
    assert [disclosure[("objective", o)].text for o in (1, 2, 3)] == ["0", "<5", "17"]


def test_lists_are_ordered_without_ranking_hidden_counts() -> None:
    """Sorting rows by their true counts would tell which "<5" is the larger one."""
    publication = Publication()
    publication.add_breakdown("inputs", {"fr": 30, "de": 12, "it": 1, "es": 2, "pt": 0, "nl": 20})
    disclosure = disclose(publication)
    order = [key for key, _ in disclosure.ordered(["it", "es", "fr", "de", "pt", "nl"])]
    hidden = [key for key in ["it", "es", "fr", "de", "pt", "nl"] if disclosure[key].hidden]
    assert order[-len(hidden) :] == hidden  # hidden last, in the order given
    assert [disclosure[k].number for k in order[: -len(hidden)]] == sorted(
        (disclosure[k].number for k in order[: -len(hidden)]), reverse=True
    )
    assert "pt" not in [key for key, _ in disclosure.ordered(["it", "pt"], drop_zeros=True)]


def test_a_report_sized_publication_is_protected() -> None:
    """About the report: 19 groups by 9 ages, 4 genders and 5 channels, with the channel,
    language, country and theme tables; suppression ends, and nothing can be worked out."""
    import random

    rng = random.Random(14)
    groups, channels = [f"g{i}" for i in range(19)], [f"c{j}" for j in range(5)]
    skewed = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 20, 45, 90]
    by_channel = {g: {c: rng.choice(skewed) for c in channels} for g in groups}
    group_totals = {g: sum(row.values()) for g, row in by_channel.items()}

    def cut(n: int, parts: int) -> list[int]:
        bounds = [0, *sorted(rng.randint(0, n) for _ in range(parts - 1)), n]
        return [bounds[i + 1] - bounds[i] for i in range(parts)]

    publication = Publication()
    publication.add_crosstab(
        "channel",
        by_channel,
        rows=groups,
        columns=channels,
        row_totals="group",
        column_totals="by_channel",
        total="inputs",
    )
    for name, width in (("age", 9), ("gender", 4)):
        table = {g: dict(enumerate(cut(group_totals[g], width))) for g in groups}
        publication.add_crosstab(
            name,
            table,
            rows=groups,
            columns=range(width),
            row_totals="group",
            column_totals=None,
            total="inputs",
        )
    everyone = sum(group_totals.values())
    for name, width in (("language", 7), ("country", 25), ("theme", 5)):
        publication.add_breakdown(
            "inputs", {(name, i): n for i, n in enumerate(cut(everyone, width))}
        )
    disclosure = disclose(publication)
    assert sum(s.reason is Reason.SMALL for s in disclosure.values()) > 50
    assert_protected(publication, disclosure)


def test_shown_counts_have_one_json_shape() -> None:
    publication = Publication()
    publication.add_breakdown("total", {"a": 2, "b": 7, "c": 9})
    disclosure = disclose(publication)
    assert disclosure["a"].as_json() == {"count": None, "shown": "<5", "suppressed": "small"}
    assert disclosure["b"].as_json() == {"count": None, "shown": "x", "suppressed": "complement"}
    assert disclosure["total"].as_json() == {"count": 18, "shown": "18", "suppressed": None}


def test_footnotes_explain_the_symbols_in_use() -> None:
    publication = Publication()
    publication.add_breakdown("total", {"a": 2, "b": 7, "c": 9})
    assert disclose(publication).footnotes() == (SMALL_NOTE, HIDDEN_NOTE)
    quiet = Publication()
    quiet.add_breakdown("total", {"a": 12, "b": 7})
    assert disclose(quiet).footnotes() == ()


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda p: p.add_count("a", -1), "whole number"),
        (lambda p: p.add_count("a", True), "whole number"),
        (lambda p: (p.add_count("a", 1), p.add_count("a", 2)), "declared as 1 and as 2"),
        (
            lambda p: (p.add_count("t", 5), p.add_count("a", 2), p.add_sum("t", ["a"])),
            "count them from the same rows",
        ),
        (lambda p: p.add_sum("t", ["a"]), "undeclared"),
        (lambda p: (p.add_count("t", 0), p.add_sum("t", [])), "distinct parts"),
    ],
)
def test_inconsistent_counts_are_refused(declare, message: str) -> None:  # type: ignore[no-untyped-def]
    """Counts taken by separate queries while inputs arrive may disagree: suppressing them
    as if they added up would protect nothing, so the output must count from one set of rows."""
    with pytest.raises(ValueError, match=message):
        declare(Publication())


def test_the_attacker_finds_what_primary_suppression_alone_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attack works: with complements switched off, the probe's row is recovered."""
    import intake_api.policies.disclosure as disclosure_module

    monkeypatch.setattr(
        disclosure_module._Suppression, "_has_second_value", lambda self, cell: True
    )
    publication = Publication()
    publication.add_breakdown("total", {"a": 3, "b": 10, "c": 12})
    disclosure = disclose(publication)
    shown, hidden, comparisons = public_view(disclosure)
    assert integer_ranges(publication.sums, shown, hidden, comparisons)["a"] == (3, 3)
    assert enumerated_ranges(publication.sums, shown, hidden, comparisons)["a"] == (3, 3)
