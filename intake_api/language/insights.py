"""What the analysis adds to digests and reports, computed from the store with aggregate queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from intake_api.language.key_phrases import key_phrases
from intake_api.stats import opening_words
from models.submission import ObjectiveSuggestion, Submission

KEY_PHRASE_LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh", "pt")
KEY_PHRASES = 8
CAMPAIGNS = 10


def written_language(session: Session, where: Sequence[ColumnElement[bool]]) -> list[tuple[str, int]]:
    """Inputs by the language they are written in (the interface locale where not analysed)."""
    language = func.coalesce(col(Submission.language), col(Submission.locale))
    rows = session.exec(
        select(language, func.count()).where(*where).group_by(language).order_by(func.count().desc(), language)
    ).all()
    return [(code, n) for code, n in rows]


def campaigns(session: Session, where: Sequence[ColumnElement[bool]], limit: int = CAMPAIGNS) -> list[tuple[str, int]]:
    """Groups of near-identical inputs: the first one's opening words and how many there are."""
    rows = session.exec(
        select(Submission.duplicate_group, func.count())
        .where(*where, col(Submission.duplicate_group).is_not(None))
        .group_by(col(Submission.duplicate_group))
        .order_by(func.count().desc(), col(Submission.duplicate_group))
        .limit(limit)
    ).all()
    if not rows:
        return []
    firsts = dict(session.exec(select(Submission.id, Submission.text).where(
        col(Submission.id).in_([g for g, _ in rows]))).all())  # fmt: skip
    return [(opening_words(firsts.get(group, ""), 160), n) for group, n in rows if n > 1]


def one_per_group(rows: Sequence[tuple[Any, ...]], group_of: dict[str, int | None]) -> list[tuple[Any, ...]]:
    """Keep the first row of each near-duplicate group (rows start with a receipt)."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        group = group_of.get(row[0])
        if group is not None:
            if group in seen:
                continue
            seen.add(group)
        kept.append(row)
    return kept


def acceptance(session: Session, where: Sequence[ColumnElement[bool]]) -> tuple[int, int]:
    """Objective suggestions staff accepted, out of those they decided on."""
    rows = session.exec(
        select(ObjectiveSuggestion.decision, func.count())
        .join(Submission, col(Submission.id) == col(ObjectiveSuggestion.submission_id))
        .where(*where, col(ObjectiveSuggestion.decision).is_not(None))
        .group_by(col(ObjectiveSuggestion.decision))
    ).all()
    counts = dict(rows)
    return counts.get("accepted", 0), counts.get("accepted", 0) + counts.get("rejected", 0)


def distinctive_phrases(
    session: Session, review_slug: str, where: Sequence[ColumnElement[bool]] = (), top: int = KEY_PHRASES
) -> dict[str, list[str]]:
    """Per written language, the review's terms that other reviews use least (TF-IDF)."""
    language = func.coalesce(col(Submission.language), col(Submission.locale))
    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for slug, code, text in session.exec(select(Submission.review_slug, language, Submission.text).where(*where)):
        if code in KEY_PHRASE_LANGUAGES:
            texts[code][slug].append(text)
    result: dict[str, list[str]] = {}
    for code in sorted(texts):
        if review_slug not in texts[code]:
            continue
        phrases = key_phrases(texts[code], code, top=top)[review_slug]
        if phrases:
            result[code] = [term for term, _score in phrases]
    return result
