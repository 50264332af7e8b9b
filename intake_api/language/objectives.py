"""Suggest the GCM objectives and discussion theme an input speaks to, with the words why.

The lexicons (``data/objectives/<locale>.json``) are lists of plain words and
phrases per objective and theme that Network staff can read and extend. A term
matches when its stemmed words occur together in the stemmed text (in Chinese,
as a substring). An objective's score is the number of words of its distinct
matching terms, so a specific phrase ("recruitment fees") weighs more than a
single word. Suggestions are only suggestions: staff accept or reject them, and
they never replace what the contributor chose.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from intake_api.language.normalise import fold, stems

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "objectives"
LOCALES = ("en", "fr", "es", "ar", "ru", "zh", "pt")
TOP = 3
MIN_WORD = 4  # stems shorter than this are too ambiguous to count alone
MAX_SHARED = 2  # a word used by more objectives than this says little about any of them
WORD_WEIGHT = 0.4  # a lone word, against 1 per word of a whole term


@dataclass(frozen=True)
class Suggestion:
    key: str  # objective number as text ("5"), or a theme key
    score: float
    triggers: tuple[str, ...]  # the lexicon terms found, as written in the lexicon


@dataclass(frozen=True)
class _Term:
    key: str
    text: str
    stems: tuple[str, ...]
    weight: int  # words in the term; in Chinese, one per two characters


@dataclass(frozen=True)
class _Lexicon:
    locale: str
    by_first_stem: dict[str, tuple[_Term, ...]]
    han_terms: tuple[_Term, ...]  # Chinese: matched as substrings
    # Each content word of the lexicon's terms, and the keys whose terms use it: a text that
    # says "domiciliation" without the whole phrase still leans towards the right objective.
    by_word: dict[str, tuple[str, ...]] = field(default_factory=dict)


@cache
def _lexicon(locale: str, section: str) -> _Lexicon:
    path = LEXICON_DIR / f"{locale}.json"
    if not path.exists():  # a language without a lexicon yet gets no suggestions, not an error
        return _Lexicon(locale, {}, ())
    data = json.loads(path.read_text(encoding="utf-8"))[section]
    index: dict[str, list[_Term]] = defaultdict(list)
    han: list[_Term] = []
    for key, terms in data.items():
        for text in dict.fromkeys(terms):
            if locale == "zh":
                han.append(_Term(str(key), text, (fold(text),), max(1, len(text) // 2)))
                continue
            term_stems = tuple(stems(text, locale))
            if term_stems:
                index[term_stems[0]].append(_Term(str(key), text, term_stems, len(term_stems)))
    words: dict[str, set[str]] = defaultdict(set)
    stop = _stop_stems(locale)
    for terms in index.values():
        for term in terms:
            for stem in term.stems:
                if len(stem) >= MIN_WORD and stem not in stop:
                    words[stem].add(term.key)
    for term in han:  # Chinese has no spaces: its two-character words play the same part
        for i in range(len(term.text) - 1):
            words[term.text[i : i + 2]].add(term.key)
    return _Lexicon(
        locale,
        {k: tuple(v) for k, v in index.items()},
        tuple(han),
        {w: tuple(sorted(keys)) for w, keys in words.items() if len(keys) <= MAX_SHARED},
    )


@cache
def _stop_stems(locale: str) -> frozenset[str]:
    from stop_words import get_stop_words

    names = {
        "en": "english",
        "fr": "french",
        "es": "spanish",
        "ar": "arabic",
        "ru": "russian",
        "pt": "portuguese",
    }
    if locale not in names:
        return frozenset()
    return frozenset(stems(" ".join(get_stop_words(names[locale])), locale))


@lru_cache(maxsize=8)
def _text_stems(text: str, locale: str) -> tuple[str, ...]:
    """A text's stems, kept for the next lexicon: objectives and themes read the same text."""
    return tuple(stems(text, locale))


def _matches(text: str, lexicon: _Lexicon) -> dict[str, set[_Term]]:
    found: dict[str, set[_Term]] = defaultdict(set)
    if lexicon.han_terms:
        folded = fold(text)
        for term in lexicon.han_terms:
            if term.stems[0] in folded:
                found[term.key].add(term)
        text_stems = [text[i : i + 2] for i in range(len(text) - 1)]
    else:
        text_stems = list(_text_stems(text, lexicon.locale))
    for i, stem in enumerate(text_stems):
        for term in lexicon.by_first_stem.get(stem, ()):  # (empty for Chinese)
            if tuple(text_stems[i : i + len(term.stems)]) == term.stems:
                found[term.key].add(term)
    for stem in set(text_stems):
        keys = lexicon.by_word.get(stem, ())
        for key in keys:  # a lone word counts less, and less again when several objectives use it
            found[key].add(_Term(key, stem, (stem,), 0))
    return found


def suggest(
    text: str, locales: tuple[str, ...], *, section: str = "objectives", top: int = TOP
) -> list[Suggestion]:
    """The ``top`` best-scoring objectives (or themes) for ``text`` read in ``locales``."""
    found: dict[str, set[_Term]] = defaultdict(set)
    for locale in dict.fromkeys(loc for loc in locales if loc in LOCALES):
        for key, terms in _matches(text, _lexicon(locale, section)).items():
            found[key] |= terms
    ranked = [
        Suggestion(
            key,
            round(sum(t.weight or WORD_WEIGHT for t in terms), 2),
            tuple(sorted({t.text for t in terms})),
        )
        for key, terms in found.items()
    ]
    ranked.sort(key=lambda s: (-s.score, _order(s.key)))
    return ranked[:top]


def _order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (0, key)
