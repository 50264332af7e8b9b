"""Spot protection disclosures in free text so that they reach Network staff at once.

A contributor (a migrant, a young person, sometimes a child) may use an open question to say
that they are in danger right now: held, sold, beaten, working without pay and unable to leave,
alone at 14, or thinking of ending their life. Such an input must not wait in the moderation
queue with the policy comments, so ``assess`` flags it and ``service`` routes it to the review's
safeguarding channel.

The phrases live as data, one file per language under ``data/safeguarding``, so that staff who
speak the language can review and extend them without touching code (see docs/safeguarding.md).
They are written for first-person, present situations ("my employer took my passport", "we are
held in a detention centre") rather than topic words, because most inputs are policy language
about the very same subjects ("alternatives to immigration detention") and a flag that fires on
every such comment would soon be ignored.

Every language's phrases are tried on every text: people often write in a language other than
the one the interface is shown in. When several categories match, the first in ``CATEGORIES``
wins: self-harm first, as the most time-critical, then the situations where someone is held by
others, then violence, then a child on their own.

This is a keyword net, not a classifier: it misses indirect or misspelt disclosures, so staff
still read every input.
"""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATEGORIES = ("self_harm", "trafficking", "forced_labour", "detention", "violence", "child_alone")
LOCALES = ("en", "fr", "es", "ar", "ru", "zh", "pt")
DATA_DIR = Path(__file__).parent / "data" / "safeguarding"

_FLAGS = re.IGNORECASE | re.UNICODE
_SPELLINGS = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "ё": "е",
    "Ё": "Е",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
}


def _fold_table() -> dict[int, str]:
    """One character for one character, so that a match's offsets hold in the original text.

    Contributors often type without accents ("detencion", "nao") or with other digits (١٥),
    so patterns and texts are both folded the same way.
    """
    table = {ord(k): v for k, v in _SPELLINGS.items()}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = base
    for zero in (0x660, 0x6F0, 0xFF10):
        table.update({zero + n: str(n) for n in range(10)})
    return table


_FOLD = _fold_table()


@dataclass(frozen=True)
class Disclosure:
    category: str
    locale: str
    matched: str


def fold(text: str) -> str:
    return text.translate(_FOLD)


def load_lexicon(locale: str) -> dict[str, list[str]]:
    data = json.loads((DATA_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    if data.get("locale") != locale:
        raise ValueError(f"{locale}.json declares locale {data.get('locale')!r}")
    categories: dict[str, dict[str, list[str]]] = data["categories"]
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"{locale}.json has unknown categories: {sorted(unknown)}")
    return {name: list(entry.get("patterns", [])) for name, entry in categories.items()}


_MAX_CUES = 64
_sre_parser: Any = importlib.import_module("re._parser")


def _exact(op: Any, av: Any) -> set[str] | None:
    """The finite set of strings a regex item can match, when it is small and known."""
    name = str(op)
    if name == "LITERAL":
        return {chr(av)}
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return {""}
    if name == "IN" and len(av) <= 4 and all(str(o) == "LITERAL" for o, _ in av):
        return {chr(v) for _, v in av}
    if name == "SUBPATTERN":
        return _exact_sequence(av[-1])
    if name == "BRANCH":
        branches = [_exact_sequence(b) for b in av[1]]
        if any(b is None for b in branches):
            return None
        union = set().union(*(b for b in branches if b is not None))
        return union if len(union) <= _MAX_CUES else None
    if name in ("MAX_REPEAT", "MIN_REPEAT") and av[1] <= 1:
        inner = _exact_sequence(av[2])
        return None if inner is None else inner | ({""} if av[0] == 0 else set())
    return None


def _exact_sequence(items: Any) -> set[str] | None:
    strings = {""}
    for op, av in items:
        part = _exact(op, av)
        if part is None or len(strings) * len(part) > _MAX_CUES:
            return None
        strings = {a + b for a in strings for b in part}
    return strings


def _required(op: Any, av: Any) -> set[str] | None:
    name = str(op)
    if name == "SUBPATTERN":
        return _required_sequence(av[-1])
    if name == "ATOMIC_GROUP":
        return _required_sequence(av)
    if name == "BRANCH":
        branches = [_required_sequence(b) for b in av[1]]
        if any(b is None for b in branches):
            return None
        return set().union(*(b for b in branches if b is not None))
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
        return _required_sequence(av[2])
    return None


def _required_sequence(items: Any) -> set[str] | None:
    """Strings one of which any match must contain, as few and as long as we can find."""
    candidates: list[set[str]] = []
    run = {""}
    for op, av in items:
        part = _exact(op, av)
        if part is not None and len(run) * len(part) <= _MAX_CUES:
            run = {a + b for a in run for b in part}
            continue
        candidates.append(run)
        run = part if part is not None else {""}
        if part is None:
            candidates.append(_required(op, av) or {""})
    candidates.append(run)
    usable = [c for c in candidates if min(len(s) for s in c) >= 2]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def cues(pattern: str) -> frozenset[str] | None:
    """Lower-case strings at least one of which every match of ``pattern`` contains.

    A cheap ``in`` test on them lets ``assess`` skip most regexes; None means always run it.
    """
    try:
        found = _required_sequence(_sre_parser.parse(pattern, _FLAGS))
    except Exception:  # noqa: BLE001  (a private parser: when in doubt, run the regex)
        return None
    return None if found is None else frozenset(s.lower() for s in found)


@dataclass(frozen=True)
class _Rule:
    category: str
    locale: str
    pattern: re.Pattern[str]
    cues: frozenset[str] | None


@dataclass(frozen=True)
class _Net:
    """Every rule in priority order, and one automaton over all their cues.

    One pass of the automaton over a text finds every cue it contains (Aho-Corasick, in C);
    only the rules with a cue found, and those without cues, run their regex. Checking the
    two thousand cues one by one cost a millisecond a text, at every intake.
    """

    rules: tuple[_Rule, ...]
    always: tuple[int, ...]  # rules whose matches share no cue: tried on every text
    automaton: Any  # ahocorasick.Automaton: cue -> the indexes of the rules it opens

    def candidates(self, lowered: str) -> list[int]:
        found = set(self.always)
        for _end, opened in self.automaton.iter(lowered):
            found.update(opened)
        return sorted(found)


@cache
def _net() -> _Net:
    """Every pattern, in priority order, compiled once per process."""
    import ahocorasick

    lexicons = {locale: load_lexicon(locale) for locale in LOCALES}
    rules = []
    for category in CATEGORIES:
        for locale in LOCALES:
            for raw in lexicons[locale].get(category, []):
                pattern = fold(raw)
                rules.append(_Rule(category, locale, re.compile(pattern, _FLAGS), cues(pattern)))
    opened_by: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        for cue in rule.cues or ():
            opened_by.setdefault(cue, []).append(index)
    automaton = ahocorasick.Automaton()
    for cue, indexes in opened_by.items():
        automaton.add_word(cue, tuple(indexes))
    automaton.make_automaton()
    always = tuple(i for i, rule in enumerate(rules) if rule.cues is None)
    return _Net(tuple(rules), always, automaton)


def _matches(text: str) -> Iterator[Disclosure]:
    folded = fold(text)
    net = _net()
    for index in net.candidates(folded.lower()):
        rule = net.rules[index]
        found = rule.pattern.search(folded)
        if found:
            yield Disclosure(rule.category, rule.locale, text[found.start() : found.end()].strip())


def assess(text: str) -> Disclosure | None:
    """The most urgent disclosure in ``text`` whatever its language, or None."""
    if not text or not text.strip():
        return None
    return next(_matches(text), None)
