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
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache

from stop_words import get_stop_words

from intake_api.language.normalise import words
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

# A text and who wrote it (``publication.author_key``): a term counts once per author.
Authored = tuple[str, str]


@cache
def _stop_words(language: str) -> frozenset[str]:
    name = _STOP_LANGUAGES.get(language)
    return frozenset(w.casefold() for w in get_stop_words(name)) if name else frozenset()


def terms(text: str, language: str) -> list[str]:
    """Candidate terms of a text: content words and two-word phrases (Chinese: character pairs)."""
    stop = _stop_words(language)
    if language == "zh":
        han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        return [
            a + b for a, b in zip(han, han[1:], strict=False) if a not in stop and b not in stop
        ]
    content = [w for w in words(text) if len(w) > 2 and w not in stop]
    return content + [f"{a} {b}" for a, b in zip(content, content[1:], strict=False)]


def key_phrases(
    documents: Mapping[str, Iterable[Authored]], language: str, *, top: int = 10
) -> dict[str, list[tuple[str, float]]]:
    """For each document key (e.g. a review), its ``top`` distinctive terms with their scores.

    A document is its (author, text) pairs; a term's count is the number of different
    authors who used it, and terms used by fewer than ``MIN_CONTRIBUTORS`` are left out.
    """
    authors: dict[str, dict[str, set[str]]] = {}
    for key, texts in documents.items():
        used = authors[key] = {}
        for author, text in texts:
            for term in set(terms(text, language)):
                used.setdefault(term, set()).add(author)
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
        result[key] = _without_parts(scored)[:top]
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
