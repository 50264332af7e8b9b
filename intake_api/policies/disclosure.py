"""Disclosure control: which counts an output may show, and what it shows instead.

An output (the summary report, a digest, the Slack App Home, the API's stats) shows
counts that are tied together: a table's rows add up to its total, a stakeholder
group's count heads its row in three cross-tables and is a bar in a chart. Hiding
each small count on its own is not enough: a reader subtracts the shown counts from
a shown total and has the hidden one back. So an output declares every count it
shows and every sum that ties them (``Publication``), and ``disclose`` decides for
all of them at once what a reader sees (``Shown``):

- a count from 1 to 4 shows "<5" (primary suppression); zero stays 0;
- a breakdown whose counts are all below 5 (the breakdown of a "<5" always is) shows
  none of them, zeros included: "x". Four "<5" under a "<5" total would be 1 each;
- more counts, each 5 or more, are hidden as "x" (complementary suppression) until
  no hidden count can be worked out: from the sum most likely to give the hidden one
  away, cells inside a table before totals, the lowest size band first (5-9, 10-19,
  20-39, ...), then the first declared.

"Cannot be worked out" is proven, not hoped for. The reader is assumed to know every
shown number, every sum, what each hidden count's label says ("small" is 1 to 4, a
"small_breakdown" 0 to 4, a "complement" 5 or more: the API names them, tables show
"<5" or "x", which says less), and how complements are chosen, so also each
comparison that choice made ("this x was picked before that 7, so its band is 5-9":
``Disclosure.implied``; by exact size it would say "7 at most", and beside a few 5s
that pins counts). For every hidden count ``disclose`` finds a second table of whole
numbers that agrees with all of that and differs in that count. Where no such table
turns up within a fixed search effort, the count gets another complement, so the
search's limits can only hide more, never reveal; and hiding more than this never
reveals either: every table that agrees with this output agrees with one that hides
more. A zero that a reader can tell is zero anyway is shown as 0. If nothing is left
to hide and a count can still be worked out from the labels alone (tiny tables: 8
inputs split "<5" and "<5" beside a group that must be 6 or more), every count tied
to it is "withheld": "x", 1 or more.

Some counts count a part of another without a table that says so: the inputs naming a GCM
objective are some of all inputs, today's some of this week's. A reader knows the part is
at most the whole, and with it a hidden whole can be bounded from below (8 inputs naming
objective 6 beside a hidden total split into two themes of "x", 0 to 4 each: 4 and 4).
``Publication.add_subset`` declares it as a sum of the part and a count no output shows
(``Reason.UNPUBLISHED``: 0 or more to any reader). That count is protected as any other
when it is from 1 to 4 ("all but 2 named objective 6" gives those 2 away), never shown.

Not covered: a reader comparing outputs built at different times (yesterday's total
and today's) or declared as separate publications, and a reader who replays the choice
of complements on every table they can imagine (and learns something from the fact
that a second complement was needed). Outputs that reach the same readers at the same
time should be one publication.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from intake_api.i18n import gettext, plural
from models.markers import NC_, NP_, Plural

SMALL_COUNT = 5
# The API's symbols, the same in every language: ``Shown.text``.
SMALL_SYMBOL = f"<{SMALL_COUNT}"
HIDDEN_SYMBOL = "x"

# The symbols as a reader sees them: ``Shown.in_language`` and the footnotes both use these, so
# a translated table and its footnote always show the same marker.
SMALL_MARKER = NC_("count below the threshold", "<%(small)s")
HIDDEN_MARKER = NC_("hidden count", "x")

# What the footnotes say: render them with ``footnote``, which fills in the markers.
SMALL_NOTE = NP_(
    'Counts below %(small)s are shown as "%(marker)s" so that no one can be singled out.',
    'Counts below %(small)s are shown as "%(marker)s" so that no one can be singled out.',
)
HIDDEN_NOTE = NP_(
    'Counts marked "%(symbol)s" are hidden too, so that no count below %(small)s can be worked out from the totals, other tables or charts.',
    'Counts marked "%(symbol)s" are hidden too, so that no count below %(small)s can be worked out from the totals, other tables or charts.',
)


def marker(locale: str, reason: Reason) -> str:
    """What a hidden count shows in ``locale``: "<5" for a small one, "x" for the others.

    The one place that decides the marker; the disclosure policy itself is unchanged.
    """
    if reason is Reason.SMALL:
        return gettext(locale, SMALL_MARKER, small=SMALL_COUNT)
    return gettext(locale, HIDDEN_MARKER)


def markers(locale: str) -> dict[str, str]:
    """The placeholders every disclosure note takes: ``small``, ``marker`` and ``symbol``."""
    return {
        "small": str(SMALL_COUNT),
        "marker": marker(locale, Reason.SMALL),
        "symbol": marker(locale, Reason.COMPLEMENT),
    }


def footnote(locale: str, note: Plural) -> str:
    """A disclosure note in ``locale``, counted by the threshold, with the reader's markers."""
    return plural(locale, note, SMALL_COUNT, **markers(locale))


# Nodes one search for a second table may visit; past it, the count gets another complement.
SEARCH_EFFORT = 4000
SEARCH_DEPTHS = (3, 7, 15, 40)  # steps per try, shortest differences first
MAX_MOVE = 2 * SMALL_COUNT  # how far the search moves one count from its true value

Key = Hashable


class Reason(StrEnum):
    """Why a count is shown as it is; the value is what the API calls it."""

    SHOWN = "shown"
    SMALL = "small"  # 1 to 4: "<5"
    SMALL_BREAKDOWN = (
        "small_breakdown"  # in a breakdown whose counts are all below 5, zeros too: "x", 0 to 4
    )
    COMPLEMENT = "complement"  # 5 or more, hidden so that no small count can be worked out: "x"
    WITHHELD = "withheld"  # tied to counts that even their symbols would give away: "x", 1 or more
    UNPUBLISHED = (
        "unpublished"  # what a part leaves of its whole (``add_subset``): never shown, 0 or more
    )


@dataclass(frozen=True)
class Shown:
    """One count as readers see it: ``text`` for tables and lists, ``number`` for charts.

    ``number`` is None when the count is hidden, so a chart has no bar length and no
    label to draw for it: a renderer that only ever draws ``number`` cannot leak.
    """

    text: str
    number: int | None
    reason: Reason

    @property
    def hidden(self) -> bool:
        return self.number is None

    def __str__(self) -> str:
        return self.text

    @property
    def counts_as(self) -> int:
        """The number a counted message about this count takes its plural form from.

        A hidden count has no number: "<5" reads "fewer than 5", so it takes the
        threshold's form ("<5 сообщений"); "x" takes the same, as it may be anything.
        """
        return SMALL_COUNT if self.number is None else self.number

    def in_language(self, locale: str) -> str:
        """``text`` for a reader of ``locale``: the number, or the translated marker."""
        return self.text if self.number is not None else marker(locale, self.reason)

    def as_json(self) -> dict[str, int | str | None]:
        """The API's shape for a count: ``{"count": 12, "shown": "12", "suppressed": null}``."""
        return {
            "count": self.number,
            "shown": self.text,
            "suppressed": None if self.reason is Reason.SHOWN else self.reason.value,
        }


def size_band(count: int) -> int:
    """The band complements are chosen by: 0 for 5 to 9, 1 for 10 to 19, 2 for 20 to 39, ..."""
    return (count // SMALL_COUNT).bit_length() - 1


def band_range(band: int) -> tuple[int, int]:
    """The smallest and largest count in ``band``."""
    return SMALL_COUNT << band, (SMALL_COUNT << (band + 1)) - 1


@dataclass(frozen=True)
class Comparison:
    """What choosing a complement tells a reader who knows the rule.

    ``smaller`` was picked before ``larger`` (same kind of cell: smallest size band
    first, then in declaration order), so ``size_band(smaller) <= size_band(larger)``,
    and ``<`` when ``strict`` (``larger`` came first in the declaration and still lost).
    """

    smaller: Key
    larger: Key
    strict: bool


@dataclass(frozen=True)
class Rest:
    """The key of what ``part`` leaves of ``whole`` (``Publication.add_subset``)."""

    whole: Key
    part: Key


class Publication:
    """The counts one output shows together, and the sums that tie them.

    Declare every count the output shows (zeros too: a breakdown lists all its
    categories) and every sum a reader can check; then call ``disclose``. A count
    shown in two places (a group's total in three cross-tables and a chart) is one
    key, declared once.
    """

    def __init__(self) -> None:
        self._counts: dict[Key, int] = {}
        self._sums: list[tuple[Key, tuple[Key, ...]]] = []
        self._seen_sums: set[tuple[Key, frozenset[Key]]] = set()
        self._unpublished: set[Key] = set()

    @property
    def counts(self) -> Mapping[Key, int]:
        """Every declared count, in declaration order (the true values: never publish these)."""
        return dict(self._counts)

    @property
    def unpublished(self) -> frozenset[Key]:
        """The counts no output shows (``add_subset``'s rests)."""
        return frozenset(self._unpublished)

    @property
    def sums(self) -> tuple[tuple[Key, tuple[Key, ...]], ...]:
        """Every (total, parts) declared: what a reader can add up."""
        return tuple(self._sums)

    def add_count(self, key: Key, count: int) -> None:
        """A count the output shows; declaring a key again with another count is an error."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{key!r}: a count is a whole number from 0, not {count!r}")
        if self._counts.setdefault(key, count) != count:
            raise ValueError(f"{key!r} is declared as {self._counts[key]} and as {count}")

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        """Declares that ``total`` is the sum of ``parts``, all of them declared counts."""
        parts = tuple(parts)
        missing = [k for k in (total, *parts) if k not in self._counts]
        if missing:
            raise ValueError(f"undeclared counts: {missing!r}")
        if not parts or total in parts or len(set(parts)) != len(parts):
            raise ValueError(f"{total!r}: a sum needs distinct parts other than its total")
        if sum(self._counts[k] for k in parts) != self._counts[total]:
            raise ValueError(
                f"{total!r} is {self._counts[total]}, its parts add up to "
                f"{sum(self._counts[k] for k in parts)}: count them from the same rows"
            )
        signature = (total, frozenset(parts))
        if signature not in self._seen_sums:
            self._seen_sums.add(signature)
            self._sums.append((total, parts))

    def add_subset(self, part: Key, whole: Key) -> None:
        """Declares that ``part`` counts some of what ``whole`` counts (both declared): readers
        know ``part <= whole``. The rest, ``Rest(whole, part)``, is a count no output shows."""
        missing = [k for k in (part, whole) if k not in self._counts]
        if missing:
            raise ValueError(f"undeclared counts: {missing!r}")
        rest = Rest(whole, part)
        self._unpublished.add(rest)
        self.add_count(
            rest, self._counts[whole] - self._counts[part]
        )  # refuses a part larger than its whole
        self.add_sum(whole, [part, rest])

    def add_breakdown(self, total: Key, parts: Mapping[Key, int]) -> None:
        """A one-way table: each part's count, and ``total`` (declared here if new) as their sum."""
        for key, count in parts.items():
            self.add_count(key, count)
        self.add_count(total, sum(parts.values()))
        self.add_sum(total, parts)

    def add_crosstab(
        self,
        name: str,
        counts: Mapping[Hashable, Mapping[Hashable, int]],
        *,
        rows: Iterable[Hashable],
        columns: Iterable[Hashable],
        row_totals: str,
        column_totals: str | None,
        total: Key,
    ) -> None:
        """A two-way table with its margins.

        Cells are keyed ``(name, row, column)`` (absent ones count 0), row totals
        ``(row_totals, row)`` and, when the output shows them anywhere, column totals
        ``(column_totals, column)``; both margins add up to ``total``. Cross-tables that
        share ``row_totals`` share those counts, as the report's group tables do.
        """
        rows, columns = list(rows), list(columns)
        for row in rows:
            cells: dict[Key, int] = {
                (name, row, column): counts.get(row, {}).get(column, 0) for column in columns
            }
            self.add_breakdown((row_totals, row), cells)
        self.add_breakdown(
            total, {(row_totals, row): self._counts[(row_totals, row)] for row in rows}
        )
        if column_totals is not None:
            for column in columns:
                self.add_breakdown(
                    (column_totals, column),
                    {(name, row, column): self._counts[(name, row, column)] for row in rows},
                )
            self.add_breakdown(
                total,
                {
                    (column_totals, column): self._counts[(column_totals, column)]
                    for column in columns
                },
            )


class Disclosure(Mapping[Key, Shown]):
    """What a reader sees of each declared count, and what the choice of complements implies."""

    def __init__(self, shown: dict[Key, Shown], implied: tuple[Comparison, ...]) -> None:
        self._shown = shown
        self.implied = implied

    def __getitem__(self, key: Key) -> Shown:
        return self._shown[key]  # a count not declared has no business in the output

    def __iter__(self) -> Iterator[Key]:
        return iter(self._shown)

    def __len__(self) -> int:
        return len(self._shown)

    def ordered(self, keys: Iterable[Key], *, drop_zeros: bool = False) -> list[tuple[Key, Shown]]:
        """``keys`` in an order that gives nothing hidden away: shown counts largest first, then
        the hidden ones in the order given (sorting by true counts would rank them).

        Lists may be cut after this order (the App Home's top groups): leaving counts out
        hides more, which never reveals. ``drop_zeros`` leaves out counts shown as 0.
        """
        pairs = [(key, self._shown[key]) for key in keys]
        if drop_zeros:
            pairs = [(key, shown) for key, shown in pairs if shown.number != 0]
        shown = sorted((p for p in pairs if not p[1].hidden), key=lambda p: -(p[1].number or 0))
        return shown + [p for p in pairs if p[1].hidden]

    def all_small(self, keys: Iterable[Key]) -> bool:
        """Whether every count of a breakdown is hidden as a small breakdown: a list of categories
        that only exist when counted (countries, languages as written) then prints one line for
        them all, since listing a category would tell that it has an input."""
        return all(self._shown[key].reason is Reason.SMALL_BREAKDOWN for key in keys)

    def footnotes(self) -> tuple[Plural, ...]:
        """The notes that explain this output's symbols (render each with ``footnote``)."""
        reasons = {shown.reason for shown in self._shown.values()} - {Reason.UNPUBLISHED}
        return tuple(
            note
            for note, used in (
                (SMALL_NOTE, Reason.SMALL in reasons),
                (HIDDEN_NOTE, bool(reasons - {Reason.SHOWN, Reason.SMALL})),
            )
            if used
        )


def disclose(publication: Publication) -> Disclosure:
    """What a reader sees of every count of ``publication``: the one place that decides it."""
    counts = publication.counts
    keys = list(counts)
    index = {key: i for i, key in enumerate(keys)}
    values = [counts[key] for key in keys]
    sums = [(index[total], [index[part] for part in parts]) for total, parts in publication.sums]
    suppression = _Suppression(values, sums, {index[key] for key in publication.unpublished})
    suppression.run()
    symbols = {
        Reason.SMALL: SMALL_SYMBOL,
        Reason.SMALL_BREAKDOWN: HIDDEN_SYMBOL,
        Reason.COMPLEMENT: HIDDEN_SYMBOL,
        Reason.WITHHELD: HIDDEN_SYMBOL,
        Reason.UNPUBLISHED: HIDDEN_SYMBOL,
    }
    shown = {}
    for cell, key in enumerate(keys):
        reason = suppression.reason[cell]
        shown[key] = (
            Shown(str(values[cell]), values[cell], reason)
            if reason is Reason.SHOWN
            else Shown(symbols[reason], None, reason)
        )
    implied = tuple(
        Comparison(keys[a], keys[b], strict) for a, b, strict in suppression.comparisons
    )
    return Disclosure(shown, implied)


_UNBOUNDED = 1 << 62


class _Suppression:
    """The algorithm on numbered cells: cell i counts values[i]; a sum is a total and its parts."""

    def __init__(
        self, values: list[int], sums: list[tuple[int, list[int]]], unpublished: set[int]
    ) -> None:
        self.values = values
        # Each sum as signed terms (its total -1, its parts +1) that add up to 0.
        self.terms = [[(total, -1), *((part, 1) for part in parts)] for total, parts in sums]
        self.member_of: list[list[tuple[int, int]]] = [[] for _ in values]
        for k, terms in enumerate(self.terms):
            for cell, sign in terms:
                self.member_of[cell].append((k, sign))
        self.is_total = [False] * len(values)
        for total, _parts in sums:
            self.is_total[total] = True
        self.reason = [Reason.SHOWN] * len(values)
        self.hidden = [False] * len(values)
        self.low, self.high = list(values), list(values)  # what a reader knows of each count
        # What the choice of complements implied: size_band(smaller) <= size_band(larger) - strict.
        self.comparisons: list[tuple[int, int, bool]] = []
        self.band_below: list[list[tuple[int, bool]]] = [
            [] for _ in values
        ]  # cell's band <= other's
        self.band_above: list[list[tuple[int, bool]]] = [
            [] for _ in values
        ]  # cell's band >= other's
        self.linked: list[list[tuple[int, int, bool]]] = [[] for _ in values]  # such, both hidden
        self._effort = 0
        self.withheld_around: set[int] = set()  # every count tied to a withheld one
        for cell in unpublished:
            self._hide(cell, Reason.UNPUBLISHED)

    def _needs_proof(self, cell: int) -> bool:
        """Hidden counts must each have a second value; a count no output shows only when it is
        from 1 to 4 (larger, or 0, it may be worked out: it is never printed)."""
        if self.reason[cell] is Reason.UNPUBLISHED:
            return 0 < self.values[cell] < SMALL_COUNT
        return self.hidden[cell]

    def run(self) -> None:
        self._hide_small()
        queue = [cell for cell in range(len(self.values)) if self._needs_proof(cell)]
        position = 0
        while position < len(queue):
            cell = queue[position]
            while self.hidden[cell] and not self._has_second_value(cell):
                if self.values[cell] == 0:
                    # A zero in a small breakdown that a reader can tell is zero (its row adds up to
                    # 0, say) is shown as 0, which tells nothing new. Proofs found so far may have
                    # moved it, so every hidden count is checked again.
                    self._show_zero(cell)
                    queue = [other for other in range(len(self.values)) if self._needs_proof(other)]
                    position = -1
                    break
                complement = self._choose_complement(cell)
                if complement is None:
                    self._withhold(cell)
                else:
                    queue.append(complement)
            position += 1

    # Primary suppression, and the breakdowns of small counts --------------------------

    def _hide_small(self) -> None:
        """Counts from 1 to 4 show "<5". A breakdown whose counts are all below 5 (a "<5" total's
        always is) shows none of them, zeros included: "<5" four times under a total of 4 would
        say 1 each, and eight "<5" beside "<5" twice under the same total would say 8 = 1 x 8."""
        for cell, value in enumerate(self.values):
            if 0 < value < SMALL_COUNT and self.reason[cell] is not Reason.UNPUBLISHED:
                self._hide(cell, Reason.SMALL)
        for terms in self.terms:
            total = terms[0][0]
            if any(self.reason[cell] is Reason.UNPUBLISHED for cell, _ in terms):
                continue  # a part and its rest: the rest is not printed, so nothing adds up to the total
            if self.values[total] and all(self.values[part] < SMALL_COUNT for part, _ in terms[1:]):
                for part, _ in terms[1:]:
                    self._hide(part, Reason.SMALL_BREAKDOWN)

    def _hide(self, cell: int, reason: Reason) -> None:
        """Hides ``cell``: a reader now knows of it what the reason says, and the counts that
        were compared with it are now compared with a hidden count."""
        self.reason[cell] = reason
        self.hidden[cell] = True
        compared = bool(
            self.band_below[cell] or self.band_above[cell]
        )  # a candidate once: 5 or more
        self.low[cell] = {
            Reason.SMALL: 1,
            Reason.SMALL_BREAKDOWN: 0,
            Reason.COMPLEMENT: SMALL_COUNT,
            Reason.WITHHELD: SMALL_COUNT if compared else 1,
            Reason.UNPUBLISHED: 0,
        }[reason]
        self._bound_above(cell)
        for smaller, strict in self.band_above[cell]:
            self._bound_above(smaller)
            # A search moves counts by MAX_MOVE at most: a comparison it cannot break is left out.
            if (
                size_band(self.values[smaller] + MAX_MOVE)
                > size_band(max(self.values[cell] - MAX_MOVE, SMALL_COUNT)) - strict
            ):
                self.linked[smaller].append((smaller, cell, strict))
                self.linked[cell].append((smaller, cell, strict))

    def _show_zero(self, cell: int) -> None:
        self.reason[cell] = Reason.SHOWN
        self.hidden[cell] = False
        self.low[cell] = self.high[cell] = 0

    def _withhold(self, cell: int) -> None:
        """Nothing is left to hide and ``cell`` can still be worked out: what the symbols say gives
        it away (a total of 8 split "<5" and "<5" beside a group "x" that is 6 or more, say). So
        every count tied to it by sums is withheld: zeros stay 0, every other count, "<5"s
        included, shows "x" and says "1 or more". Only tiny tables come to this: 3 or 4 in 20,000
        random small linked tables, none in 600 random tables the size of a report."""
        seen, frontier = {cell}, [cell]
        while frontier:
            reached = []
            for member in frontier:
                for k, _sign in self.member_of[member]:
                    for other, _ in self.terms[k]:
                        if other not in seen:
                            seen.add(other)
                            reached.append(other)
            frontier = reached
        self.withheld_around |= seen
        for member in sorted(seen):
            if self.reason[member] is Reason.UNPUBLISHED:
                continue  # never shown: a reader knows no more of it than "0 or more"
            if self.values[member]:
                self._hide(member, Reason.WITHHELD)
            else:
                self._show_zero(member)

    def _bound_above(self, cell: int) -> None:
        """The largest count a reader can allow ``cell``: 4 for "<5" and in a small breakdown; for
        a complement, the top of the lowest band among the shown counts it was preferred to."""
        small = self.reason[cell] in (Reason.SMALL, Reason.SMALL_BREAKDOWN)
        high = SMALL_COUNT - 1 if small else _UNBOUNDED
        for other, strict in self.band_below[cell]:
            if not self.hidden[other]:
                high = min(high, band_range(size_band(self.values[other]) - strict)[1])
        self.high[cell] = high

    # Complementary suppression ---------------------------------------------------------

    def _choose_complement(self, cell: int) -> int | None:
        """The shown count (5 or more) to hide next for ``cell``: from the sum with it that has the
        fewest hidden counts (the one most likely to give it away), else from a sum with a hidden
        count tied to it, and so on outwards. One sum's candidates only: each candidate passed
        over is one more comparison a reader learns."""
        seen, frontier = {cell}, [cell]
        while frontier:
            best: tuple[tuple[int, int, int], list[int]] | None = None
            reached: list[int] = []
            for hidden in frontier:
                for k, _sign in self.member_of[hidden]:
                    pool = [
                        other
                        for other, _ in self.terms[k]
                        if not self.hidden[other] and self.values[other] > 0
                    ]
                    for other, _ in self.terms[k]:
                        if self.hidden[other] and other not in seen:
                            seen.add(other)
                            reached.append(other)
                    if pool:
                        rank = (sum(self.hidden[other] for other, _ in self.terms[k]), len(pool), k)
                        if best is None or rank < best[0]:
                            best = (rank, pool)
            if best is not None:
                return self._pick(best[1])
            frontier = reached
        return None

    def _pick(self, pool: list[int]) -> int:
        """Cells inside tables before totals, then the lowest size band, then the first declared;
        a reader who knows this learns how the chosen count's band compares with the others'."""
        chosen = min(
            pool, key=lambda cell: (self.is_total[cell], size_band(self.values[cell]), cell)
        )
        for other in pool:
            if other != chosen and self.is_total[other] == self.is_total[chosen]:
                strict = other < chosen  # it came first and still lost: a higher band
                self.comparisons.append((chosen, other, strict))
                self.band_below[chosen].append((other, strict))
                self.band_above[other].append((chosen, strict))
        self._hide(chosen, Reason.COMPLEMENT)
        return chosen

    # The proof: a second table that agrees with everything a reader knows --------------

    def _has_second_value(self, cell: int) -> bool:
        """Whether some table of whole numbers agrees with every shown count, sum, symbol and
        comparison, and differs from the true one in ``cell``. Short differences are tried
        first (iterative deepening), so a search does not wander far when a near one exists."""
        if cell in self.withheld_around:
            # Every count tied to it is hidden with no upper bound (zeros aside, and rests no
            # output shows): doubling them all keeps every sum, every "1 or more" and every band
            # comparison (each band is twice the one below), so a second table exists.
            return True
        self._effort = 0
        try:
            for depth in SEARCH_DEPTHS:
                for step in (1, -1):
                    if self._may_move(cell, step, {}):
                        moves = {cell: step}
                        unbalanced = {k: sign * step for k, sign in self.member_of[cell]}
                        if self._balance(moves, unbalanced, depth):
                            return True
        except _OutOfEffort:
            pass
        return False

    def _may_move(self, cell: int, step: int, moves: dict[int, int]) -> bool:
        """Whether hidden ``cell`` may move one more ``step``; each count moves one way only."""
        if not self.hidden[cell]:
            return False
        moved = moves.get(cell, 0) + step
        if moved * step <= 0 or moved > MAX_MOVE or moved < -MAX_MOVE:
            return False
        return self.low[cell] <= self.values[cell] + moved <= self.high[cell]

    def _next_moves(
        self, moves: dict[int, int], unbalanced: dict[int, int]
    ) -> list[tuple[int, int]] | None:
        """The moves that would mend the most constrained disagreement (a sum that no longer adds
        up, a comparison between hidden counts that no longer holds); None when all agree."""
        best: list[tuple[int, int]] | None = None
        for k, remainder in unbalanced.items():
            direction = 1 if remainder > 0 else -1
            options = [
                (other, -sign * direction)
                for other, sign in self.terms[k]
                if self._may_move(other, -sign * direction, moves)
            ]
            if len(options) <= 1:
                return options
            if best is None or len(options) < len(best):
                best = options
        for cell, moved in moves.items():
            for smaller, larger, strict in self.linked[cell]:
                if (cell == smaller) == (moved > 0) and size_band(
                    self.values[smaller] + moves.get(smaller, 0)
                ) > (size_band(self.values[larger] + moves.get(larger, 0)) - strict):
                    options = [m for m in ((smaller, -1), (larger, 1)) if self._may_move(*m, moves)]
                    if len(options) <= 1:
                        return options
                    best = options if best is None or len(options) < len(best) else best
        return best

    def _balance(self, moves: dict[int, int], unbalanced: dict[int, int], depth: int) -> bool:
        """Depth-first: move hidden counts one step at a time (at most ``depth`` more steps)
        until everything agrees again."""
        self._effort += 1
        if self._effort > SEARCH_EFFORT:
            raise _OutOfEffort
        options = self._next_moves(moves, unbalanced)
        if options is None:
            return True
        if depth == 0:
            return False

        def closing(option: tuple[int, int]) -> tuple[int, int, int]:
            """Moves that mend other sums too first (they close a cycle), then simple cells."""
            other, step = option
            gain = sum(
                abs(unbalanced.get(k, 0)) - abs(unbalanced.get(k, 0) + sign * step)
                for k, sign in self.member_of[other]
            )
            return (-gain, len(self.member_of[other]), other)

        for other, step in sorted(options, key=closing):
            self._move(other, step, moves, unbalanced)
            if self._balance(moves, unbalanced, depth - 1):
                return True
            self._move(other, -step, moves, unbalanced)
        return False

    def _move(
        self, cell: int, step: int, moves: dict[int, int], unbalanced: dict[int, int]
    ) -> None:
        moved = moves.get(cell, 0) + step
        if moved:
            moves[cell] = moved
        else:
            del moves[cell]
        for k, sign in self.member_of[cell]:
            remainder = unbalanced.get(k, 0) + sign * step
            if remainder:
                unbalanced[k] = remainder
            else:
                del unbalanced[k]


class _OutOfEffort(Exception):
    """The search for a second table took too long: treat the count as not yet protected."""
