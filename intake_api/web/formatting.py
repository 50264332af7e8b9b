"""Jinja filters that format dates and numbers for the reader's locale with Babel."""

from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask

from intake_api.i18n import gettext
from intake_api.review_names import review_title, venue
from intake_api.web.locale import request_locale


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=lambda value, fmt="long": format_date(value, fmt, locale=_locale()),
        number=lambda value: format_decimal(value, locale=_locale()),
        tr=lambda message: gettext(_locale(), message) if message else "",
        # A review named from its slug: the translated city, or "Arab region (ESCWA)".
        venue=lambda slug: venue(_locale(), slug),
        review_title=lambda slug: review_title(_locale(), slug),
    )


def _locale() -> str:
    return request_locale()
