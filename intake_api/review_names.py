"""A regional review as a reader names it: never its slug.

Slugs ("escwa") are URL and command syntax; in a sentence a review is its
commission's acronym in the reader's language (الإسكوا, CESPAO, ЭСКЗА) or its
region.  Every channel names reviews through these functions.
"""

from __future__ import annotations

from intake_api.i18n import gettext
from models.reference import REGIONAL_REVIEWS, RegionalReview

_BY_SLUG = {review.slug: review for review in REGIONAL_REVIEWS}


def review_of(slug: str) -> RegionalReview | None:
    return _BY_SLUG.get(slug)


def review_acronym(locale: str, slug: str) -> str:
    """The commission's acronym in the reader's language; an unknown slug as typed."""
    review = _BY_SLUG.get(slug)
    return gettext(locale, review.acronym) if review else slug


def review_region(locale: str, slug: str) -> str:
    review = _BY_SLUG.get(slug)
    return gettext(locale, review.region) if review else slug


def review_title(locale: str, slug: str) -> str:
    """ "Arab region (ESCWA)": the region, with the acronym staff and organisers know."""
    review = _BY_SLUG.get(slug)
    if review is None:
        return slug
    return gettext(
        locale,
        "%(region)s (%(acronym)s)",
        region=gettext(locale, review.region),
        acronym=gettext(locale, review.acronym),
    )


def venue(locale: str, slug: str) -> str:
    review = _BY_SLUG.get(slug)
    return gettext(locale, review.venue) if review else ""
