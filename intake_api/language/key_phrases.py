"""The terms and phrases that set one review (theme, language) apart from the others.

Plain TF-IDF: each review's inputs in one language make one document, the
other reviews' inputs in that language are the background, and a term scores
by how often it occurs here times how rare it is elsewhere. Words and two-word
phrases, without stop words; in Chinese, two-character words. Deterministic:
ties are broken alphabetically.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache

from stop_words import get_stop_words

from intake_api.language.normalise import words

_STOP_LANGUAGES = {"en": "english", "fr": "french", "es": "spanish", "ar": "arabic", "ru": "russian",
                   "zh": "chinese", "pt": "portuguese"}  # fmt: skip
MIN_COUNT = 2  # a term said once is an anecdote, not a key phrase


@cache
def _stop_words(language: str) -> frozenset[str]:
    name = _STOP_LANGUAGES.get(language)
    return frozenset(w.casefold() for w in get_stop_words(name)) if name else frozenset()


def terms(text: str, language: str) -> list[str]:
    """Candidate terms of a text: content words and two-word phrases (Chinese: character pairs)."""
    stop = _stop_words(language)
    if language == "zh":
        han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        return [a + b for a, b in zip(han, han[1:], strict=False) if a not in stop and b not in stop]
    content = [w for w in words(text) if len(w) > 2 and w not in stop]
    return content + [f"{a} {b}" for a, b in zip(content, content[1:], strict=False)]


def key_phrases(
    documents: Mapping[str, Iterable[str]], language: str, *, top: int = 10
) -> dict[str, list[tuple[str, float]]]:
    """For each document key (e.g. a review), its ``top`` distinctive terms with their scores."""
    counts = {key: Counter(t for text in texts for t in set(terms(text, language))) for key, texts in documents.items()}
    n = len(counts)
    document_frequency = Counter(t for c in counts.values() for t in c)
    result: dict[str, list[tuple[str, float]]] = {}
    for key, counter in counts.items():
        scored = [
            (term, round(count * math.log((1 + n) / (1 + document_frequency[term])) + count * 1e-3, 4))
            for term, count in counter.items() if count >= MIN_COUNT
        ]
        scored.sort(key=lambda item: (-item[1], -item[0].count(" "), item[0]))  # phrases first at ties
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
