"""Counted sentences of the summary report and the symbols' notes, as a reader sees them."""

from __future__ import annotations

from html import unescape

from intake_api.i18n import ngettext
from intake_api.policies.disclosure import (
    HIDDEN_NOTE,
    SMALL_NOTE,
    Reason,
    Shown,
    footnote,
)
from intake_api.reports import build_report, render_report
from tests.intake_api.test_reports import filled  # noqa: F401 - the fixture


def test_russian_report_counts_contributors_and_suggestions(filled, engine):  # noqa: F811
    data = build_report(engine, review_slug="escwa")
    html = unescape(render_report(data, "html", "ru").decode())
    assert "которые использовали не менее 5 разных человек" in html
    assert "Значения меньше 5 показаны как «<5»" in html
    assert "Персонал принял 0 из 0 предложений по целям." in html
    markdown = render_report(data, "md", "ru").decode()
    assert "предложений по целям" in markdown


def test_a_hidden_count_takes_the_thresholds_form():
    """ "<5 сообщений", "x مساهمات": a hidden count reads as "fewer than 5"."""
    small, hidden = Shown("<5", None, Reason.SMALL), Shown("x", None, Reason.COMPLEMENT)
    for shown, locale, expected in (
        (small, "ru", "<5 сообщений"),
        (hidden, "ar", "x مساهمات"),
        (Shown("21", 21, Reason.SHOWN), "ru", "21 сообщение"),
    ):
        text = ngettext(
            locale,
            "%(count)s input",
            "%(count)s inputs",
            shown.counts_as,
            count=shown.in_language(locale),
        )
        assert text == expected


def test_notes_show_the_marker_the_tables_show():
    for locale in ("en", "fr", "ar", "zh"):
        marker = Shown("<5", None, Reason.SMALL).in_language(locale)
        assert marker in footnote(locale, SMALL_NOTE)
        assert Shown("x", None, Reason.COMPLEMENT).in_language(locale) in footnote(
            locale, HIDDEN_NOTE
        )
