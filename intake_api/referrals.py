"""Where to get help, told to a contributor whose input discloses a protection risk.

Each review's organisers set referral texts per country (``*`` for anywhere);
without one the contributor still gets a translated pointer to help nearby.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from intake_api.i18n import gettext
from intake_api.notices import HELP_DEFAULT, HELP_TITLE
from models import crud
from models.db import read_session, write_session
from models.review import RegionalReview
from models.submission import Submission


def help_message(
    engine: Engine, *, review_slug: str | None, country: str | None, locale: str
) -> list[str]:
    """The lines to send: a translated opening, then the review's referral or a default."""
    referral = None
    if review_slug:
        with read_session(engine) as session:
            review = session.get(RegionalReview, review_slug)
            referrals = review.referrals if review else {}
        referral = referrals.get(country or "") or referrals.get("*")
    return [gettext(locale, HELP_TITLE), referral or gettext(locale, HELP_DEFAULT)]


def help_after(engine: Engine, *, receipt: str, locale: str) -> list[str] | None:
    """The help message for the author of an urgent input; None for any other receipt."""
    with read_session(engine) as session:
        row = session.exec(
            select(Submission.urgent_category, Submission.review_slug, Submission.country).where(
                Submission.receipt == receipt
            )
        ).first()
    if row is None or row[0] is None:
        return None
    return help_message(engine, review_slug=row[1], country=row[2], locale=locale)


def set_referral(engine: Engine, *, review_slug: str, country: str, text: str, actor: str) -> None:
    """Set (or, with empty text, remove) the referral of a review for a country or ``*``."""
    with write_session(engine) as session:
        review = session.get_one(RegionalReview, review_slug)
        referrals = dict(review.referrals)
        if text.strip():
            referrals[country] = text.strip()
        else:
            referrals.pop(country, None)
        review.referrals = referrals
        crud.write_audit(
            session,
            actor=actor,
            action="review.referral_set",
            subject_type="review",
            subject_id=None,
            detail={"review": review_slug, "country": country},
        )
