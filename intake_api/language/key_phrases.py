"""The terms and phrases that set one review (theme, language) apart from the others.

Plain TF-IDF: each review's inputs in one language make one document, the
other reviews' inputs in that language are the background, and a term scores
by how many people use it here times how rare it is elsewhere. Words and two-word
phrases, without stop words; in Chinese, two-character words. Deterministic:
ties are broken alphabetically.

A term counts once per contributor, and only a term that at least
``MIN_CONTRIBUTORS`` different contributors used is ever shown (the publication
policy): a phrase one child wrote, however often, is an anecdote that points at them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache

from stop_words import get_stop_words

from intake_api.language.normalise import fold, words
from intake_api.policies.publication import MIN_CONTRIBUTORS

_STOP_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ar": "arabic",
    "ru": "russian",
    "zh": "chinese",
    "pt": "portuguese",
}

# A word as written: letters and the marks on them (accents, Arabic harakat), as
# ``normalise.words`` sees words once it has folded the marks away.
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f\u064b-\u065f\u0670])"
_WRITTEN_WORD = re.compile(rf"{_LETTER}+(?:['’-]{_LETTER}+)*")
_SENTENCE_ENDS = ".!?…؟。！？"

# A text and who wrote it (``publication.author_key``): a term counts once per author.
Authored = tuple[str, str]


@cache
def _stop_words(language: str) -> frozenset[str]:
    name = _STOP_LANGUAGES.get(language)
    # Folded as the words they are compared with are ("على" is "علي" once folded).
    return frozenset(fold(w) for w in get_stop_words(name)) if name else frozenset()


def terms(text: str, language: str) -> list[str]:
    """Candidate terms of a text: content words and two-word phrases (Chinese: character pairs)."""
    return [term for term, _written in written_terms(text, language)]


def written_terms(text: str, language: str) -> list[tuple[str, str]]:
    """Each candidate term, folded (what is counted), with the words as the text writes them
    (what a reader is shown: "العربية", not its folded "العربيه")."""
    stop = _stop_words(language)
    if language == "zh":
        han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        return [
            (a + b, a + b)
            for a, b in zip(han, han[1:], strict=False)
            if a not in stop and b not in stop
        ]
    content = [(w, s) for w, s in _written_words(text) if len(w) > 2 and w not in stop]
    return content + [
        (f"{a} {b}", f"{sa} {sb}") for (a, sa), (b, sb) in zip(content, content[1:], strict=False)
    ]


def _written_words(text: str) -> list[tuple[str, str]]:
    """(folded word, word as written) pairs. A word opening a sentence is capitalised for
    that reason only, so it is kept in lower case; a written word that folds into several
    words (rare ligatures) is kept folded."""
    text = unicodedata.normalize("NFC", text)
    pairs = []
    for match in _WRITTEN_WORD.finditer(text):
        written = match.group()
        before = text[: match.start()].rstrip()
        if (not before or before[-1] in _SENTENCE_ENDS) and written[1:] == written[1:].lower():
            written = written[0].lower() + written[1:]
        folded = words(written)
        if len(folded) == 1:
            pairs.append((folded[0], written))
        else:
            pairs.extend((w, w) for w in folded)
    return pairs


def _most_written(forms: Counter[str]) -> str:
    """The form most often written; at a tie, lower case (a word opening a sentence is
    capitalised for that reason only), then the first in code point order."""
    return min(forms, key=lambda form: (-forms[form], form != form.lower(), form))


def key_phrases(
    documents: Mapping[str, Iterable[Authored]], language: str, *, top: int = 10
) -> dict[str, list[tuple[str, float]]]:
    """For each document key (e.g. a review), its ``top`` distinctive terms with their scores.

    A document is its (author, text) pairs; a term's count is the number of different
    authors who used it, and terms used by fewer than ``MIN_CONTRIBUTORS`` are left out.
    Terms are counted folded ("compliquees" and "compliquées" are one term) and returned
    in the form their writers used most.
    """
    authors: dict[str, dict[str, set[str]]] = {}
    written: dict[str, Counter[str]] = {}
    for key, texts in documents.items():
        used = authors[key] = {}
        for author, text in texts:
            for term, form in set(written_terms(text, language)):
                used.setdefault(term, set()).add(author)
                written.setdefault(term, Counter())[form] += 1
    counts = {
        key: Counter({term: len(who) for term, who in used.items()})
        for key, used in authors.items()
    }
    n = len(counts)
    document_frequency = Counter(t for c in counts.values() for t in c)
    result: dict[str, list[tuple[str, float]]] = {}
    for key, counter in counts.items():
        scored = [
            (
                term,
                round(count * math.log((1 + n) / (1 + document_frequency[term])) + count * 1e-3, 4),
            )
            for term, count in counter.items()
            if count >= MIN_CONTRIBUTORS
        ]
        scored.sort(
            key=lambda item: (-item[1], -item[0].count(" "), item[0])
        )  # phrases first at ties
        result[key] = [
            (_most_written(written[term]), score) for term, score in _without_parts(scored)[:top]
        ]
    return result


def _without_parts(scored: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Drop a word already shown inside a better or equal phrase ("domestic" after "domestic workers")."""
    shown: set[str] = set()
    kept = []
    for term, score in scored:
        if " " not in term and term in shown:
            continue
        shown.update(term.split())
        kept.append((term, score))
    return kept
