"""Digests and reports: counts by written language, campaigns as one entry with a count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake_api.digests import digest_for
from intake_api.moderation import Moderation
from intake_api.reports import build_report, render_report
from intake_api.staff import add_staff
from tests.factories import input_answers
from tests.intake_api.language.test_near_duplicates import (
    CAMPAIGN,
    PARAPHRASED,
    REORDERED,
    SIMILAR_POLICY,
)


def _send(service, engine):  # type: ignore[no-untyped-def]
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    texts = [
        CAMPAIGN,
        PARAPHRASED,
        REORDERED,
        SIMILAR_POLICY[0],
        "Los trabajadores migrantes pagan comisiones de contratación demasiado altas.",
    ]
    for n, text in enumerate(texts):
        receipt = service.submit_input(
            input_answers(text=text), channel="web", message_id=f"i{n}", locale="en"
        ).code
        Moderation(engine).moderate(receipt=receipt, action="include", actor=admin)


def test_report_counts_written_languages_and_shows_a_campaign_once(service, engine):
    _send(service, engine)
    report = build_report(engine, review_slug="escwa")
    assert report.categories["language"] == (
        "en",
        "es",
    )  # counted as written, the form was in English
    # Four in English and one in Spanish: small counts, so one line that names no language.
    assert report.all_small("language")
    assert [(code, shown.text) for code, shown in report.listed("locale")] == [
        ("en", "5")
    ]  # the interface language
    assert [shown.text for _words, shown in report.repeated()] == [
        "<5"
    ]  # the campaign's three inputs
    quoted = [text for quotes in report.quotes.values() for _, text in quotes]
    assert len(quoted) == 3  # the campaign once, the policy statement, the Spanish input
    markdown = render_report(report, "md", "fr").decode()
    assert "espagnol" not in markdown and "Sign our petition" not in markdown.split("|")[0]


def test_digest_counts_written_languages_and_campaigns(service, engine):
    _send(service, engine)
    now = datetime.now(UTC)
    digest = digest_for(
        engine, review_slug="escwa", since=now - timedelta(days=1), until=now + timedelta(minutes=1)
    )
    assert digest.categories["language"] == ("en", "es") and digest.all_small("language")
    assert [shown.text for _words, shown in digest.repeated()][:1] == [
        "<5"
    ]  # the campaign's three inputs
    assert len({text[:20] for _, text in digest.quotes}) == len(digest.quotes)
