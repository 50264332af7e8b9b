"""Digests: content, Slack and e-mail rendering, and each period sent exactly once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlmodel import Session, select

from bots.slack.blocks import digest_blocks
from intake_api.app import default_senders
from intake_api.digest_email import render_digest_email
from intake_api.digests import digest_for
from intake_api.i18n import gettext
from intake_api.policies.disclosure import Reason
from intake_api.reports import build_report
from intake_api.review_names import review_acronym
from intake_api.scheduler import (
    DigestSenders,
    Leadership,
    due_periods,
    send_due_digests,
    tick,
)
from intake_api.subscriptions import cadence_to_cron, subscribe
from models import DigestDelivery, DigestSubscription
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.fakes.smtp import SmtpServer

MONDAY_8_BEIRUT = cadence_to_cron("weekly", "08:00", "mon")


def _inputs(service, n: int = 3, **overrides) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        service.submit_input(
            input_answers(**overrides), channel="web", message_id=f"d{i}-{overrides}", locale="en"
        )


def _window():  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(minutes=1)


def test_digest_counts_and_gaps(service, engine):
    _inputs(service, 2)
    _inputs(
        service,
        1,
        stakeholder_group="migrant",
        consent_quote="",
        theme="cooperation",
        objectives=["20"],
    )
    service.submit_input(
        input_answers(review="eca"), channel="web", message_id="other", locale="en"
    )
    since, until = _window()
    digest = digest_for(engine, review_slug="escwa", since=since, until=until)
    # Three new inputs (2 youth, 1 migrant, all by web form): every count is small; the groups
    # are "x" (1 or more: two "<5" under a total of "<5" would be 2 and 1 or 1 and 2, told apart
    # by the age and gender tables beside them in the report).
    assert digest.counts["inputs"].text == "<5"
    assert {g: s.text for g, s in digest.listed("group")} == {"migrant": "x", "youth": "x"}
    assert digest.all_small("channel") and digest.all_small("theme")
    assert [(o, s.text) for o, s in digest.listed("objective")] == [
        (3, "<5"),
        (5, "<5"),
        (20, "<5"),
    ]
    assert (
        len(digest.quotes) == 1
    )  # the three inputs are one text: quoted once (the migrant did not consent)
    assert [(words, shown.text) for words, shown in digest.repeated()] == [
        (digest.quotes[0][1], "<5")
    ]
    assert {g.group for g in digest.gaps} == {
        "diaspora",
        "civil_society",
        "trade_union",
        "local_authority",
    }
    blocks = str(digest_blocks(digest, "en"))
    assert (
        "*New inputs*: &lt;5" in blocks and "• Each channel: x" in blocks and "• Youth: x" in blocks
    )
    assert "Youth: 2" not in blocks and "Web form" not in blocks


def _sixteen(service) -> None:  # type: ignore[no-untyped-def]
    """7 youth, 6 diaspora, 2 migrants and 1 academic; themes 8, 6 and 2."""
    _inputs(service, 7)
    _inputs(service, 2, stakeholder_group="migrant", theme="cooperation")
    _inputs(service, 6, stakeholder_group="diaspora", age_group="25_34", theme="governance")
    _inputs(service, 1, stakeholder_group="academia", gender="man")


def test_digest_shows_counts_of_five_and_more_and_hides_what_would_give_a_small_one_away(
    service, engine
):
    _sixteen(service)
    since, until = _window()
    digest = digest_for(engine, review_slug="escwa", since=since, until=until)
    assert digest.counts["inputs"].text == "16"
    assert {g: s.text for g, s in digest.listed("group")} == {
        "youth": "7",
        "diaspora": "6",
        "migrant": "<5",
        "academia": "<5",
    }
    # 16 minus governance's 6 and priorities' 8 would give cooperation's 2: priorities is hidden too.
    assert {t: s.text for t, s in digest.listed("theme")} == {
        "governance": "6",
        "priorities_gaps": "x",
        "cooperation": "<5",
    }
    subject, text, html = render_digest_email([digest], "en")
    assert "New inputs: 16" in text and "Migrant or migrant-led organisation: <5" in text
    assert 'Migrant or migrant-led organisation: <bdi dir="ltr">&lt;5</bdi>' in html
    assert not re.search(r": [1-4]$", text, re.MULTILINE) and "implementing the GCM: 8" not in text


def test_a_digest_of_every_input_hides_what_the_report_hides(service, engine):
    """A digest whose period holds every input of the review counts the report's tables: a
    reader of both cannot compare them to find what either hides."""
    _sixteen(service)
    since, until = _window()
    digest = digest_for(engine, review_slug="escwa", since=since, until=until)
    report = build_report(engine, review_slug="escwa")
    listed = [
        "inputs",
        *(("group", g) for g in digest.categories["group"]),
        *(("by_channel", c) for c in digest.categories["channel"]),
        *(("language", c) for c in digest.categories["language"]),
        *(("theme", c) for c in digest.categories["theme"]),
        *(("objective", n) for n in range(1, 24)),
    ]
    assert {k: digest.counts[k] for k in listed} == {k: report.counts[k] for k in listed}
    assert {digest.counts[k].reason for k in listed} >= {
        Reason.SHOWN,
        Reason.SMALL,
        Reason.COMPLEMENT,
    }


@pytest.mark.parametrize("locale", ["en", "es", "ar"])
def test_slack_and_email_renderings_are_translated(service, engine, locale):
    _inputs(service, 6)  # six youth: a count a digest shows, so its label is there to translate
    since, until = _window()
    digest = digest_for(engine, review_slug="escwa", since=since, until=until)
    blocks = str(digest_blocks(digest, locale))
    assert (
        gettext(locale, "New inputs") in blocks and gettext(locale, "Participation gaps") in blocks
    )
    subject, text, html = render_digest_email([digest], locale)
    escwa = review_acronym(locale, "escwa")  # الإسكوا, CESPAO: the reader's name, not the slug
    assert escwa in subject and gettext(locale, "By stakeholder group") in text
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in html
    assert gettext(locale, "Youth") in html
    # An Arabic reader's mail client is asked for a font that has Arabic letters first,
    # and the counts are isolated so that "<5" does not turn into "5>".
    assert ("Noto Naskh Arabic" in html) is (locale == "ar")
    assert f'{gettext(locale, "Youth")}: <bdi dir="ltr">6</bdi>' in html


def _subscription(engine, *, created: datetime, **kwargs) -> DigestSubscription:  # type: ignore[no-untyped-def]
    options = {
        "reviews": ["escwa"],
        "cron": MONDAY_8_BEIRUT,
        "timezone": "Asia/Beirut",
        "locale": "ar",
        "slack_channel": "CDIGEST",
        "emails": [],
        "actor": "test",
    } | kwargs
    subscription = subscribe(engine, **options)
    with Session(engine) as session:
        row = session.get_one(DigestSubscription, subscription.id)
        row.created_at = created
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


class Recorder(DigestSenders):
    def __init__(self) -> None:
        self.sent: list[tuple[str, list, str]] = []
        super().__init__(
            slack=lambda channel, digests, locale: self.sent.append((channel, digests, locale))
        )


def test_period_goes_out_once_and_downtime_is_coalesced(engine):
    created = datetime(2026, 11, 2, 12, tzinfo=UTC)  # a Monday, after 08:00 in Beirut
    _subscription(engine, created=created)
    recorder = Recorder()

    assert (
        send_due_digests(engine, recorder, now=datetime(2026, 11, 8, tzinfo=UTC)) == 0
    )  # before the first Monday
    # Down from the 8th to the 25th: two Mondays passed; one digest covers both.
    assert send_due_digests(engine, recorder, now=datetime(2026, 11, 25, tzinfo=UTC)) == 1
    assert send_due_digests(engine, recorder, now=datetime(2026, 11, 25, 1, tzinfo=UTC)) == 0
    (channel, digests, locale) = recorder.sent[0]
    assert (channel, locale) == ("CDIGEST", "ar")
    assert digests[0].since.date().isoformat() == "2026-11-02"
    assert digests[0].until == datetime(2026, 11, 23, 6, tzinfo=UTC)  # 08:00 in Beirut
    assert send_due_digests(engine, recorder, now=datetime(2026, 12, 1, tzinfo=UTC)) == 1
    assert recorder.sent[1][1][0].since == datetime(2026, 11, 23, 6, tzinfo=UTC)


def test_a_failed_send_is_retried_on_the_next_tick(engine):
    _subscription(engine, created=datetime(2026, 11, 2, 12, tzinfo=UTC))
    failing = DigestSenders(slack=lambda *a: (_ for _ in ()).throw(ConnectionError("slack down")))
    now = datetime(2026, 11, 10, tzinfo=UTC)
    assert send_due_digests(engine, failing, now=now) == 0
    assert count_rows(engine, "digest_delivery") == 1  # claimed, retrying
    recorder = Recorder()
    assert (
        send_due_digests(engine, recorder, now=now + timedelta(minutes=2)) == 1
    )  # after the first delay
    assert len(recorder.sent) == 1
    assert count_rows(engine, "outbound_failure") == 0  # nothing left retrying


def test_two_schedulers_send_each_period_once(runtime, engine):
    _subscription(engine, created=datetime(2026, 11, 2, 12, tzinfo=UTC))
    first, second = Leadership(engine, "host-a"), Leadership(engine, "host-b")
    recorder = Recorder()
    now = datetime(2026, 11, 10, tzinfo=UTC)
    try:
        sent = [tick(runtime, first, recorder, now=now), tick(runtime, second, recorder, now=now)]
        assert sorted(sent) == [0, 1] and len(recorder.sent) == 1
        assert second.acquire(now=now) is False  # stands by while the first leads
        first.release()
        later = now + timedelta(minutes=5 if engine.dialect.name == "postgresql" else 3)
        assert second.acquire(now=later) is True  # takes over once the leader is gone
    finally:
        first.release()
        second.release()


def test_claims_are_unique_even_without_leadership(engine):
    """Two schedulers that both think they lead still send a period once."""
    _subscription(engine, created=datetime(2026, 11, 2, 12, tzinfo=UTC))
    recorder = Recorder()
    now = datetime(2026, 11, 10, tzinfo=UTC)
    (period,) = due_periods(engine, now=now)
    assert (
        send_due_digests(engine, recorder, now=now) + send_due_digests(engine, recorder, now=now)
        == 1
    )
    with Session(engine) as session:
        assert (
            session.exec(select(DigestDelivery.period_end)).one().replace(tzinfo=UTC) == period.end
        )


def test_email_digest_through_a_real_smtp_server(runtime, engine, service):
    _inputs(service, 2)
    with SmtpServer() as smtp:
        runtime.settings.smtp_url = smtp.url
        _subscription(
            engine,
            created=datetime.now(UTC) - timedelta(days=8),
            cron="0 * * * *",
            timezone="UTC",
            slack_channel=None,
            emails=["organiser@un.example"],
            locale="ar",
        )
        assert send_due_digests(engine, default_senders(runtime), now=datetime.now(UTC)) == 1
        (message,) = smtp.messages
    assert message["To"] == "organiser@un.example" and message["From"] == "digests@gcm.example"
    escwa = review_acronym("ar", "escwa")
    subject = str(make_header(decode_header(message["Subject"])))
    assert escwa in subject
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    }
    assert gettext("ar", "New inputs") in parts["text/plain"]
    assert 'dir="rtl"' in parts["text/html"]


def test_subscription_validation(engine):
    with pytest.raises(ValueError, match="reviews"):
        subscribe(
            engine,
            reviews=["mars"],
            cron="0 8 * * *",
            timezone="UTC",
            locale="en",
            slack_channel="C",
            emails=[],
            actor="t",
        )
    with pytest.raises(ValueError, match="time zone"):
        subscribe(
            engine,
            reviews=["eca"],
            cron="0 8 * * *",
            timezone="Mars/Olympus",
            locale="en",
            slack_channel="C",
            emails=[],
            actor="t",
        )
    with pytest.raises(ValueError):
        cadence_to_cron("every full moon")
    assert cadence_to_cron("daily", "07:30") == "30 7 * * *"


def test_escwa_organiser_gets_one_weekly_digest_in_slack_and_by_email(runtime, engine, service):
    """The issue's promise end to end: Arabic, weekly, both channels, exactly once."""
    from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi

    _inputs(service, 3)
    slack_api = FakeSlackApi().start()
    try:
        with SmtpServer() as smtp:
            runtime.settings.smtp_url = smtp.url
            runtime.settings.slack_bot_token, runtime.settings.slack_signing_secret = BOT_TOKEN, "s"
            runtime.settings.slack_api_url = slack_api.base_url
            runtime.settings.__dict__.pop("slack_enabled", None)
            _subscription(
                engine,
                created=datetime.now(UTC) - timedelta(days=8),
                emails=["organiser@un.example"],
            )
            leader = Leadership(engine, "only")
            now = datetime.now(UTC)
            assert tick(runtime, leader, default_senders(runtime), now=now) == 1
            assert (
                tick(runtime, leader, default_senders(runtime), now=now + timedelta(minutes=1)) == 0
            )
            leader.release()
            (message,) = smtp.messages
        posts = [p for p in slack_api.sent("chat.postMessage") if p.get("channel") == "CDIGEST"]
        assert len(posts) == 1
        assert gettext("ar", "New inputs") in str(posts[0]["blocks"])
        assert message["To"] == "organiser@un.example"
    finally:
        slack_api.stop()


def test_digest_commands(runtime, database_url, tmp_path, service):
    import subprocess
    import sys

    from tests.processes import clean_env as _clean_env

    _inputs(service, 2)
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="test-secret-key-not-for-production"
    )

    def gcm(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "intake_api.cli", "digest", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = gcm(
        "subscribe",
        "--review",
        "escwa",
        "--cadence",
        "weekly",
        "--day",
        "mon",
        "--at",
        "08:00",
        "--timezone",
        "Asia/Beirut",
        "--locale",
        "ar",
        "--email",
        "o@un.example",
    )
    assert made.returncode == 0 and "0 8 * * mon" in made.stdout
    assert "escwa\t0 8 * * mon\tAsia/Beirut\tar\to@un.example" in gcm("list").stdout
    shown = gcm("--print", "1").stdout
    assert review_acronym("ar", "escwa") in shown and gettext("ar", "New inputs") in shown
    assert gettext("en", "By stakeholder group") in gcm("--review", "escwa").stdout
    assert (
        gcm(
            "subscribe", "--review", "escwa", "--timezone", "Nowhere/Else", "--email", "x@y.org"
        ).returncode
        != 0
    )
    assert "stopped" in gcm("unsubscribe", "1").stdout
    assert gcm("list").stdout == ""


def _profile_skipped(service, n: int) -> None:  # type: ignore[no-untyped-def]
    """Inputs whose contributors skipped every profile question (a chat asks them after the
    receipt), and the theme: counted as "Not given", never left out."""
    for i in range(n):
        service.submit_input(
            input_answers(stakeholder_group="", age_group="", gender="", country="", theme=""),
            channel="web",
            message_id=f"skipped{i}",
            locale="en",
        )


def _field(blocks: list[dict], title: str) -> list[str]:  # type: ignore[type-arg]
    """The lines of the Slack digest's list titled ``title``, as a reader sees them."""
    texts = [f["text"] for b in blocks for f in b.get("fields", [])]
    (text,) = [t for t in texts if t.startswith(f"*{title}*\n")]
    return text.split("\n")[1:]


def test_a_digest_counts_answers_not_given_by_group_and_age(service, engine):
    _inputs(service, 6)  # six youth aged 18 to 24
    _profile_skipped(service, 7)
    since, until = _window()
    digest = digest_for(engine, review_slug="escwa", since=since, until=until)
    assert digest.counts["inputs"].text == "13"
    assert {g: s.text for g, s in digest.listed("group")} == {"unknown": "7", "youth": "6"}
    assert {a: s.text for a, s in digest.listed("age")} == {"unknown": "7", "18_24": "6"}
    assert {t: s.text for t, s in digest.listed("theme")} == {
        "unknown": "7",
        "priorities_gaps": "6",
    }
    blocks = digest_blocks(digest, "en")
    assert _field(blocks, "By stakeholder group") == ["• Not given: 7", "• Youth: 6"]
    assert _field(blocks, "By age group") == ["• Not given: 7", "• 18 to 24: 6"]
    assert "• Not given: 7" in _field(blocks, "By discussion theme")
    _subject, text, html = render_digest_email([digest], "en")
    assert "By age group:\n  - Not given: 7\n  - 18 to 24: 6\n" in text
    assert "By stakeholder group:\n  - Not given: 7\n  - Youth: 6\n" in text
    assert 'Not given: <bdi dir="ltr">7</bdi>' in html
    # In the reader's language, with the one msgid every output uses.
    ar = str(digest_blocks(digest, "ar")) + render_digest_email([digest], "ar")[1]
    assert gettext("ar", "Not given") in ar and gettext("ar", "By age group") in ar
