"""Digests as e-mail: one message per subscription, text and HTML, in its locale.

The HTML part is autoescaped by Jinja (the HTML encoding of ``policies.encoding``); the
words in a digest have already passed the publication policy in ``digests``, and its
counts the disclosure policy: the templates print ``Digest.counts`` and ``Digest.listed``
only, with the footnotes their symbols need.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from babel.dates import format_datetime
from jinja2 import Environment, PackageLoader, select_autoescape

from intake_api.digests import Digest
from intake_api.i18n import (
    gettext,
    jinja_callables,
    join_list,
    language_label,
    text_direction,
    translations,
)
from intake_api.notices import SAFEGUARDING_LABELS
from intake_api.participation import EVERY, category_label
from intake_api.policies.disclosure import Reason, marker
from intake_api.policies.publication import TEXT_NOT_SHOWN
from intake_api.review_names import review_acronym, review_title
from models.reference import CHANNELS, OBJECTIVES, STAKEHOLDER_GROUPS, THEMES


@cache
def _environment(locale: str) -> Environment:
    """One Jinja environment per locale, so concurrent renders never mix languages."""
    env = Environment(
        loader=PackageLoader("intake_api", "templates/email"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(jinja_callables(lambda: locale))
    env.filters["tr"] = lambda message: gettext(locale, message) if message else ""
    env.filters["when"] = lambda moment: format_datetime(moment, "medium", locale=locale)
    env.filters["language"] = lambda code: language_label(code, locale)
    env.filters["review_title"] = lambda slug: review_title(locale, slug)
    env.globals["rows"] = _rows(locale)
    return env


def _rows(locale: str) -> Callable[[Digest, str], list[tuple[str, str]]]:
    """A breakdown's lines as (label, count as shown) in ``locale``: one line when all are small."""
    t = lambda message: gettext(locale, message)  # noqa: E731
    objectives = {o.number: o.short for o in OBJECTIVES}

    def labelled_as(dimension: str, key: Any) -> str:
        if dimension == "objective":
            return f"{key}. {t(objectives[key])}"
        return category_label(locale, dimension, key)

    def rows(digest: Digest, dimension: str) -> list[tuple[str, str]]:
        if dimension in EVERY and digest.all_small(dimension):
            return [(t(EVERY[dimension]), marker(locale, Reason.SMALL_BREAKDOWN))]
        return [
            (labelled_as(dimension, key), shown.in_language(locale))
            for key, shown in digest.listed(dimension)
        ]

    return rows


def render_digest_email(digests: list[Digest], locale: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a digest covering one or more reviews."""
    names = join_list(locale, (review_acronym(locale, d.review_slug) for d in digests))
    subject = gettext(locale, "GCM regional review digest: %(reviews)s", reviews=names)
    context = {
        "digests": digests,
        "locale": locale,
        "dir": text_direction(locale),
        "subject": subject,
        "groups": STAKEHOLDER_GROUPS,
        "channels": CHANNELS,
        "themes": THEMES,
        "objectives": {o.number: o.short for o in OBJECTIVES},
        "urgent_labels": SAFEGUARDING_LABELS,
        "text_not_shown": TEXT_NOT_SHOWN,
    }
    env = _environment(locale)
    text = env.get_template("digest.txt").render(context)
    html = env.get_template("digest.html").render(context)
    return subject, text, html


def email_sender(
    smtp_url: str, *, timeout: float = 30
) -> Callable[[list[str], list[Digest], str], None]:
    """The scheduler's e-mail digest sender (``DigestSenders.email``); ``timeout``: seconds per message."""
    from intake_api.mailer import send_email

    def to_email(addresses: list[str], digests: list[Digest], locale: str) -> None:
        subject, body_text, body_html = render_digest_email(digests, locale)
        send_email(
            smtp_url, to=addresses, subject=subject, text=body_text, html=body_html, timeout=timeout
        )

    return to_email
