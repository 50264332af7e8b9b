"""What the analysis adds to digests and reports, computed from the store with aggregate queries.

Whatever words these summaries show go through the publication policy: a campaign is
shown by a member whose words may be published (or with a note instead), key phrases
come only from texts that may feed summaries and count people, not repetitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from intake_api.language.key_phrases import Authored, key_phrases
from intake_api.policies.publication import (
    Audience,
    author_key,
    feeds_summaries,
    public_line,
    publishable,
)
from models.submission import ObjectiveSuggestion, Submission

KEY_PHRASE_LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh", "pt")
KEY_PHRASES = 8
CAMPAIGNS = 10


def campaigns(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    *,
    audience: Audience,
    consent_age: int | None = None,
    limit: int = CAMPAIGNS,
) -> list[tuple[str | None, int]]:
    """Groups of near-identical inputs: the words of one member that may be published, and how many.

    The words are those of the group's earliest member ``audience`` may read (never
    simply the first text); ``None`` when no member's words may be shown.
    """
    group = col(Submission.duplicate_group)
    rows = session.exec(
        select(group, func.count())
        .where(*where, group.is_not(None))
        .group_by(group)
        .having(func.count() > 1)
        .order_by(func.count().desc(), group)
        .limit(limit)
    ).all()
    if not rows:
        return []
    shown = (
        select(func.min(Submission.id))
        .where(
            *where,
            group.in_([g for g, _ in rows]),
            publishable(audience=audience, consent_age=consent_age),
        )
        .group_by(group)
    )
    texts = dict(
        session.exec(
            select(Submission.duplicate_group, Submission.text).where(col(Submission.id).in_(shown))
        ).all()
    )
    return [(public_line(texts[g], 160) if g in texts else None, n) for g, n in rows]


def one_per_group(
    rows: Sequence[tuple[Any, ...]], group_of: dict[str, int | None]
) -> list[tuple[Any, ...]]:
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
    session: Session,
    review_slug: str,
    where: Sequence[ColumnElement[bool]] = (),
    top: int = KEY_PHRASES,
) -> dict[str, list[str]]:
    """Per written language, the review's terms that other reviews use least (TF-IDF).

    Read only from inputs that may feed summaries (never flagged ones nor disclosures
    of a protection risk), each text counted for its contributor.
    """
    language = func.coalesce(col(Submission.language), col(Submission.locale))
    texts: dict[str, dict[str, list[Authored]]] = defaultdict(lambda: defaultdict(list))
    for slug, code, text, contributor, input_id in session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to four columns
            Submission.review_slug,
            language,
            Submission.text,
            Submission.contributor_id,
            Submission.id,
        ).where(*where, feeds_summaries())
    ):
        if code in KEY_PHRASE_LANGUAGES:
            texts[code][slug].append((author_key(contributor, input_id), text))
    result: dict[str, list[str]] = {}
    for code in sorted(texts):
        if review_slug not in texts[code]:
            continue
        phrases = key_phrases(texts[code], code, top=top)[review_slug]
        if phrases:
            result[code] = [term for term, _score in phrases]
    return result
