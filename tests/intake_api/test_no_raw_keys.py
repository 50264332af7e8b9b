"""No raw key in what a person reads, in any of the seven languages.

Slugs ("escwa"), consent and cadence keys, locale codes, English city names and
unfilled ``%(placeholders)s`` are syntax: they belong in URLs, commands and
``<code>``, never in a sentence.  One checker, ``raw_keys_in``, reads every
output (web pages and forms, receipts, "my input", the e-mail digest, the
report, Slack blocks and Telegram replies) as its reader sees it.

The truth for names is the catalog: a review's acronym and its city are allowed
exactly as the reader's catalog spells them (Santiago is Santiago in Spanish).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations
from hypothesis import given
from hypothesis import strategies as st

from intake_api import i18n
from intake_api.app import create_app
from intake_api.digest_email import render_digest_email
from intake_api.digests import digest_for
from intake_api.i18n import LOCALES
from intake_api.reports import build_report, render_report
from intake_api.review_names import review_acronym, venue
from intake_api.runtime import Runtime, build_runtime
from intake_api.settings import Settings
from locales import DOMAIN, LOCALES_DIR
from models.migrate import upgrade
from models.reference import REGIONAL_REVIEWS, REVIEW_SLUGS
from tests.factories import input_answers, text_for
from tests.web_helpers import hidden_fields, submit_form

# --- the checker -------------------------------------------------------------------------------

# A key is a Latin word: its edges are any character but a Latin letter, digit, "_" or "-", so
# that "escwa" glued to Chinese or Arabic letters is found, and "Beyrouth" is not "Beirut".
_LATIN = r"A-Za-z0-9_\u00c0-\u024f-"
_BEFORE, _AFTER = rf"(?<![{_LATIN}])", rf"(?![{_LATIN}])"
_SLUG = re.compile(rf"{_BEFORE}({'|'.join(REVIEW_SLUGS)}){_AFTER}", re.IGNORECASE)
_CONSENT_PIPES = re.compile(r"\b(?:quote|contact|message)(?:\s*\|\s*(?:quote|contact|message))+\b")
_CONSENT_KEY = re.compile(r"\b(?:consent|may)_(?:store|quote|contact|message)\b")
_CADENCE = re.compile(rf"{_BEFORE}(?:daily|weekly){_AFTER}", re.IGNORECASE)
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")  # a date not in the reader's format
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]")
_ENGLISH_VENUES = {str(review.venue): review.slug for review in REGIONAL_REVIEWS}
_VENUE = re.compile(rf"{_BEFORE}({'|'.join(map(re.escape, _ENGLISH_VENUES))}){_AFTER}")
_LOCALE_CODE = re.compile(rf"(?<![{_LATIN}/.#=])({'|'.join(LOCALES)})(?![{_LATIN}/.])")
# Consent keys that are not also a word of the reader's language ("message" is French).
_CONSENT_WORDS = {
    "fr": ("quote",),
    "es": ("quote", "contact", "message"),
    "pt": ("quote", "contact", "message"),
}
# Locale codes that are also words of the language: Spanish "es", "en", French "en", Portuguese
# "ar" (air).
_CODE_WORDS = {"fr": {"en"}, "es": {"es", "en"}, "pt": {"ar"}}


def raw_keys_in(text: str, locale: str) -> list[str]:
    """What in ``text``, shown to a reader of ``locale``, is a key rather than a word.

    ``text`` is only what a person reads: the callers leave out markup, attributes,
    ``<code>`` and Slack's `backticks`.  Each finding says what it is, for the failure.
    """
    found: list[str] = []
    for match in _SLUG.finditer(text):
        if match.group(0) != review_acronym(locale, match.group(0).lower()):
            found.append(f"review slug {match.group(0)!r}")
    found += [f"consent keys {m.group(0)!r}" for m in _CONSENT_PIPES.finditer(text)]
    found += [f"consent key {m.group(0)!r}" for m in _CONSENT_KEY.finditer(text)]
    found += [f"placeholder {m.group(0)!r}" for m in _PLACEHOLDER.finditer(text)]
    if locale == "en":
        return found
    found += [f"cadence key {m.group(0)!r}" for m in _CADENCE.finditer(text)]
    found += [f"ISO date {m.group(0)!r}" for m in _ISO_DATE.finditer(text)]
    words = _CONSENT_WORDS.get(locale, ("quote", "contact", "message"))
    found += [
        f"consent key {m.group(0)!r}"
        for m in re.finditer(rf"{_BEFORE}(?:{'|'.join(words)}){_AFTER}", text, re.IGNORECASE)
    ]
    for match in _VENUE.finditer(text):
        if match.group(0) != venue(locale, _ENGLISH_VENUES[match.group(0)]):
            found.append(f"English venue {match.group(0)!r}")
    found += [
        f"locale code {m.group(0)!r}"
        for m in _LOCALE_CODE.finditer(text)
        if m.group(0) not in _CODE_WORDS.get(locale, set())
    ]
    if locale in ("ar", "zh"):
        found += [f"Latin list separator in {m.group(0)!r}" for m in re.finditer(r"\S+, \S+", text)]
    return found


# --- what a person reads -----------------------------------------------------------------------


class _Visible(HTMLParser):
    """Text nodes outside ``<code>``, ``<kbd>``, scripts and styles (attributes are never read)."""

    HIDDEN = frozenset({"code", "kbd", "script", "style", "textarea", "pre", "samp"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.texts.append(data.strip())


def html_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.texts


def markdown_text(markdown: str) -> list[str]:
    """Markdown lines without `code` spans, HTML comments or link targets."""
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.DOTALL)
    markdown = re.sub(r"\]\([^)]*\)", "]", markdown)
    return [line for line in (_without_code(line) for line in markdown.splitlines()) if line]


def _without_code(text: str) -> str:
    return re.sub(r"`[^`]*`", " ", text).strip()


def slack_text(blocks: Any) -> list[str]:
    """Every text of a Slack payload (mrkdwn and plain_text), without its `code` spans."""
    texts: list[str] = []
    if isinstance(blocks, dict):
        if isinstance(blocks.get("text"), str) and blocks.get("type") in (
            "mrkdwn",
            "plain_text",
        ):
            texts.append(_without_code(blocks["text"]))
        for key, value in blocks.items():
            if key not in (
                "action_id",
                "block_id",
                "value",
                "callback_id",
                "url",
                "private_metadata",
            ):
                texts += slack_text(value)
    elif isinstance(blocks, list):
        for item in blocks:
            texts += slack_text(item)
    return [text for text in texts if text]


def assert_no_raw_keys(outputs: Iterable[tuple[str, list[str]]], locale: str) -> None:
    problems = [
        f"{where}: {finding} in {text!r}"
        for where, texts in outputs
        for text in texts
        for finding in raw_keys_in(text, locale)
    ]
    assert not problems, "\n".join(problems[:20])


# --- the checker finds what it should ------------------------------------------------------------

_SENTENCES = {
    "en": "Thank you, your input to the regional review was received.",
    "fr": "Merci, votre contribution à l'examen régional a bien été reçue.",
    "es": "Gracias, se recibió su aportación al examen regional.",
    "ar": "شكرا، تم استلام مساهمتك في الاستعراض الإقليمي.",
    "ru": "Спасибо, ваше сообщение для регионального обзора получено.",
    "zh": "谢谢，已收到您对区域审查的意见。",
    "pt": "Obrigado, o seu contributo para a revisão regional foi recebido.",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_clean_sentences_and_translated_names_pass(locale):
    for review in REGIONAL_REVIEWS:
        sentence = f"{_SENTENCES[locale]} {review_acronym(locale, review.slug)} · {venue(locale, review.slug)}"
        assert raw_keys_in(sentence, locale) == []


_EDGES = ["", " ", "\u00a0", "(", ")", "«", "»", "“", "”", ":", "：", ",", "،", "、", "·", "*"]


def _latin(character: str) -> bool:
    return bool(re.fullmatch(rf"[{_LATIN}]", character))


@given(
    locale=st.sampled_from(LOCALES),
    slug=st.sampled_from(REVIEW_SLUGS),
    upper=st.lists(st.booleans(), min_size=5, max_size=5),
    at=st.integers(min_value=0, max_value=200),
    left=st.sampled_from(_EDGES),
    right=st.sampled_from(_EDGES),
)
def test_a_slug_planted_anywhere_in_a_sentence_is_found(locale, slug, upper, at, left, right):
    written = "".join(c.upper() if up else c for c, up in zip(slug, upper, strict=False))
    if written == review_acronym(locale, slug):
        written = slug  # the reader's own acronym is a name, not a key: plant the slug as typed
    sentence = _SENTENCES[locale]
    before, after = sentence[: min(at, len(sentence))], sentence[min(at, len(sentence)) :]
    # Glued to a Latin letter the slug would be part of another word; glued to 的 or ال it is not.
    if not left and before and _latin(before[-1]):
        left = " "
    if not right and after and _latin(after[0]):
        right = " "
    planted = f"{before}{left}{written}{right}{after}"
    assert any(slug in finding.lower() for finding in raw_keys_in(planted, locale)), planted


@pytest.mark.parametrize(
    ("locale", "text", "kind"),
    [
        ("fr", "Consentement retiré : quote|contact|message", "consent keys"),
        ("es", "Consentimiento retirado para IN-1234-5678: quote.", "consent key"),
        ("ru", "Дайджест: weekly", "cadence key"),
        ("ar", "اللغة: fr", "locale code"),
        ("zh", "渠道：网页 · fr", "locale code"),
        ("ru", "Консультация: 10 марта 2027 г. · Geneva", "English venue"),
        ("zh", "关键词：移民, 工作", "Latin list separator"),
        ("ar", "العبارات: هجرة, عمل", "Latin list separator"),
        ("en", "Inputs received: %(count)s", "placeholder"),
        ("pt", "Revisão regional: escwa", "review slug"),
        ("es", "IN-1234-5678 (2026-12-04)", "ISO date"),
    ],
)
def test_each_kind_of_raw_key_is_found(locale, text, kind, monkeypatch):
    # The catalogs may not name the cities yet: the reader's "Женева" stands in for them here.
    monkeypatch.setattr(sys.modules[__name__], "venue", lambda _locale, _slug: "Женева")
    assert any(finding.startswith(kind) for finding in raw_keys_in(text, locale)), raw_keys_in(
        text, locale
    )


def test_words_that_look_like_keys_are_left_alone():
    assert raw_keys_in("Envoyez un message en français à votre contact.", "fr") == []
    assert raw_keys_in("Esto es lo que recibimos en marzo.", "es") == []
    assert raw_keys_in("A qualidade do ar nas cidades.", "pt") == []
    assert raw_keys_in("Send a message daily or weekly.", "en") == []


# --- a seeded store, and every output in every language ---------------------------------------


_WINDOW: dict[str, datetime] = {}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """Inputs in two reviews: three per language in ESCWA's (five in English), enough for a
    digest to show counts, repeated texts and key phrases.  Digests cover these only
    (``_WINDOW``), whatever the tests add to the store later."""
    path: Path = tmp_path_factory.mktemp("no_raw_keys")
    runtime = build_runtime(
        Settings(
            database_url=f"sqlite:///{path / 'store.db'}",
            instance_path=path / "instance",
            secret_key="test-secret-key-not-for-production",
        )
    )
    upgrade(runtime.engine)
    _WINDOW["since"] = datetime.now(UTC) - timedelta(seconds=1)
    for i, locale in enumerate([*LOCALES * 3, "en", "en"]):  # five in English: key phrases
        runtime.service.submit_input(
            input_answers(locale), channel="web", message_id=f"seed-{i}", locale=locale
        )
    runtime.service.submit_input(
        input_answers(review="eca", stakeholder_group="migrant"),
        channel="web",
        message_id="seed-eca",
        locale="en",
    )
    _WINDOW["until"] = datetime.now(UTC) + timedelta(milliseconds=1)
    _publish_on_the_hub(runtime)
    yield runtime
    runtime.engine.dispose()


_PUBLISHED: dict[str, int] = {}


def _publish_on_the_hub(runtime: Runtime) -> None:
    """A published pledge and practice of ESCWA's, and its summary report, for the Hub's pages."""
    from sqlmodel import select

    from models.db import write_session
    from models.pledge import Pledge
    from models.practice import Practice
    from models.review import RegionalReview

    answers = {
        "pledge": {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "country": "JO",
            "review": "escwa",
            "title": "Information centres for migrants",
            "text": "We pledge to open information centres for migrants in every governorate by 2027.",
            "objectives": ["3", "16"],
            "consent_store": "on",
            "consent_publish": "on",
        },
        "practice": {
            "title": "Mobile birth registration",
            "description": "Mobile teams register births in border communities so that "
            "children get a legal identity.",
            "objectives": ["4"],
            "countries": ["LB"],
            "organisation": "Civil registry",
            "review": "escwa",
            "consent_store": "on",
            "consent_publish": "on",
        },
    }
    for kind, model in (("pledge", Pledge), ("practice", Practice)):
        receipt = runtime.service.submit(
            kind, answers[kind], channel="web", message_id=f"hub-{kind}", locale="en"
        ).code
        with write_session(runtime.engine) as session:
            item = session.exec(select(model).where(model.receipt == receipt)).one()
            item.published_at = datetime.now(UTC)
            session.add(item)
            session.flush()
            _PUBLISHED[kind] = int(item.id)  # type: ignore[arg-type]
    with write_session(runtime.engine) as session:
        review = session.get_one(RegionalReview, "escwa")
        review.report_published_at = datetime.now(UTC)
        session.add(review)


def _sent(client: Any, url: str, answers: dict[str, Any]) -> str:
    response = submit_form(client, url, answers)
    assert response.status_code == 303, (url, response.status_code)
    return str(response.headers["Location"])


def _receipt_pages(client: Any, locale: str) -> dict[str, str]:
    """The receipt page of each kind, sent from this browser (so it shows the access code)."""
    return {
        "forms.input_receipt": _sent(client, f"/{locale}/inputs/new", input_answers(locale)),
        "forms.pledge_receipt": _sent(
            client,
            f"/{locale}/pledges/new",
            {
                "organisation": "Câmara Municipal",
                "stakeholder_group": "local_authority",
                "title": "Cidades acolhedoras",
                "text": "Comprometemo-nos a abrir centros de informação para migrantes até 2027.",
                "objectives": ["3", "16"],
                "consent_store": "on",
            },
        ),
        "forms.practice_receipt": _sent(
            client,
            f"/{locale}/practices/new",
            {
                "title": "Mobile birth registration",
                "objectives": ["4"],
                "countries": ["NE", "TD"],
                "description": "Mobile teams register births in border communities so that "
                "children get a legal identity.",
                "consent_store": "on",
            },
        ),
        "forms.registration_receipt": _sent(
            client,
            f"/{locale}/reviews/escwa/register",
            {
                "name": "Tendai Moyo",
                "stakeholder_group": "youth",
                "country": "MW",
                "contact_email": "tendai@example.org",
                "attendance_mode": "in_person",
                "consent_store": "on",
            },
        ),
    }


def _html_pages(app: Any, locale: str) -> Iterator[tuple[str, str]]:
    """(url, page) for every GET route that renders HTML, with its arguments filled."""
    client = app.test_client()
    receipts = _receipt_pages(client, locale)
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/static/", "/api/")):
            continue  # files, and the staff API's JSON
        if "receipt" in rule.arguments:
            urls = [receipts[rule.endpoint]]
        elif "item_id" in rule.arguments:  # a published pledge or practice of the Hub
            kind = rule.endpoint.rsplit(".", 1)[1]
            urls = [
                rule.rule.replace("<locale>", locale).replace(
                    "<int:item_id>", str(_PUBLISHED[kind])
                )
            ]
        elif rule.endpoint == "hub.open_data":
            continue  # CSV and JSON
        else:
            urls = [rule.rule.replace("<locale>", locale).replace("<slug>", "escwa")]
        if rule.endpoint == "forms.new_input":
            urls.append(f"/{locale}/inputs/new?review=escwa")
        for url in urls:
            response = client.get(url)
            if response.mimetype == "text/html":
                assert response.status_code == 200, (url, response.status_code)
                yield url, response.get_data(as_text=True)
    # A refused form, with its error summary; then "my input", opened with both codes.
    refused = client.post(f"/{locale}/inputs/new", data={})
    yield f"POST /{locale}/inputs/new (refused)", refused.get_data(as_text=True)
    receipt_page = client.get(receipts["forms.input_receipt"]).get_data(as_text=True)
    code = re.search(r'class="access-code">([A-Z2-7-]+)<', receipt_page)
    assert code, "the receipt page shows the access code to the browser that sent"
    form = client.get(f"/{locale}/my-input").get_data(as_text=True)
    opened = client.post(
        f"/{locale}/my-input",
        data={
            **hidden_fields(form),
            "receipt": receipts["forms.input_receipt"].rsplit("/", 1)[1],
            "access_code": code.group(1),
            "action": "open",
        },
    )
    assert opened.status_code == 200
    yield f"POST /{locale}/my-input (opened)", opened.get_data(as_text=True)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_raw_key_on_any_web_page(seeded, locale):
    app = create_app(runtime=seeded)
    app.config.update(TESTING=True)
    pages = list(_html_pages(app, locale))
    urls = [url for url, _page in pages]
    assert f"/{locale}/" in urls and any("/my-input" in url for url in urls)
    assert len(pages) >= 12, urls
    assert_no_raw_keys(((url, html_text(page)) for url, page in pages), locale)


def _digests(seeded: Runtime) -> list[Any]:
    """The digests of the seeded inputs: key phrases and repeated texts included."""
    digests = [
        digest_for(seeded.engine, review_slug=slug, since=_WINDOW["since"], until=_WINDOW["until"])
        for slug in ("escwa", "eca")
    ]
    assert digests[0].key_phrases and digests[0].campaigns
    return digests


@pytest.mark.parametrize("locale", LOCALES)
def test_no_raw_key_in_the_email_digest(seeded, locale):
    subject, text, html = render_digest_email(_digests(seeded), locale)
    assert_no_raw_keys(
        [
            ("subject", [subject]),
            ("text part", [line.strip() for line in text.splitlines() if line.strip()]),
            ("HTML part", html_text(html)),
        ],
        locale,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_raw_key_in_the_report(seeded, locale):
    data = build_report(seeded.engine, review_slug="escwa")
    html = render_report(data, "html", locale).decode()
    markdown = render_report(data, "md", locale).decode()
    assert_no_raw_keys(
        [
            ("report HTML", html_text(html)),
            ("report Markdown", markdown_text(markdown)),
        ],
        locale,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_raw_key_in_slack_blocks(seeded, locale):
    from sqlmodel import Session, select

    from bots.slack.blocks import (
        CAPTURE_FORMS,
        capture_modal,
        digest_blocks,
        home_view,
        item_message,
        moderation_message,
    )
    from intake_api.moderation import view_of
    from intake_api.stats import review_stats
    from models import Submission

    with Session(seeded.engine) as session:
        submission = session.exec(select(Submission).where(Submission.locale == "fr")).first()
        assert submission is not None
        view = view_of(submission)
    pledge, practice = _items(seeded)
    outputs = [
        ("home tab", slack_text(home_view(review_stats(seeded.engine), locale, undelivered=2))),
        ("moderation message", slack_text(moderation_message(view, locale))),
        ("pledge post", slack_text(item_message(pledge, locale, last_action="—"))),
        ("published practice post", slack_text(item_message(practice, locale))),
        *(
            (
                f"{form.callback_id} modal",
                slack_text(
                    capture_modal(
                        locale,
                        metadata={},
                        reviews=list(REVIEW_SLUGS),
                        form=form,
                        any_review=True,
                    )
                ),
            )
            for form in CAPTURE_FORMS
        ),
        *(
            (f"digest {d.review_slug}", slack_text(digest_blocks(d, locale)))
            for d in _digests(seeded)
        ),
    ]
    assert_no_raw_keys(outputs, locale)


def _items(runtime: Runtime) -> tuple[Any, Any]:
    """A pledge and a published practice of ESCWA as their moderation posts show them
    (stored once: submitting again with the same message id returns the same receipt)."""
    from intake_api.policies.authorization import OPERATOR

    service = runtime.service
    pledge = service.submit_pledge(
        {
            "organisation": "Ministère du Travail",
            "stakeholder_group": "government",
            "country": "JO",
            "review": "escwa",
            "title": "Recrutement équitable",
            "text": "Nous nous engageons à supprimer les frais de recrutement d'ici 2027.",
            "objectives": ["6", "22"],
            "consent_store": "on",
        },
        channel="web",
        message_id="seed-pledge",
        locale="fr",
    ).code
    practice = service.submit_practice(
        {
            "title": "Clinique juridique",
            "organisation": "Tamkeen",
            "review": "escwa",
            "description": "Une clinique juridique pour les travailleuses domestiques ouverte tous les jours.",
            "objectives": ["6"],
            "countries": ["JO", "LB"],
            "consent_store": "on",
            "consent_publish": "on",
        },
        channel="web",
        message_id="seed-practice",
        locale="fr",
    ).code
    runtime.publishing.publish(receipt=practice, actor=OPERATOR, channel="test")
    return runtime.item_posts.find(receipt=pledge), runtime.item_posts.find(receipt=practice)


@pytest.fixture
def telegram_channel(seeded, tmp_path):  # type: ignore[no-untyped-def]
    from bots.telegram.app import build_telegram_app
    from tests.bots.telegram.conftest import Answered
    from tests.fakes.bot_api import TOKEN, FakeBotApi

    api = FakeBotApi().start()
    # A new Settings, not model_copy: that would copy the cached "Telegram is off" as well.
    settings = Settings(
        database_url=seeded.settings.database_url,
        instance_path=seeded.settings.instance_path,
        secret_key=seeded.settings.secret_key,
        telegram_token=TOKEN,
        telegram_api_url=api.base_url,
        telegram_webhook_secret="webhook-secret-for-tests",
        telegram_reply_rate=1000.0,
    )
    runtime = build_runtime(settings)
    channel = build_telegram_app(runtime)
    assert channel is not None
    yield Answered(channel), api
    channel.close()
    runtime.engine.dispose()
    api.stop()


@pytest.mark.parametrize("locale", LOCALES)
def test_no_raw_key_in_telegram_replies(telegram_channel, locale):
    from tests.bots.telegram.conftest import TelegramUser
    from tests.bots.telegram.test_conversation import converse, send_with_details

    channel, api = telegram_channel
    user = TelegramUser(71_000 + LOCALES.index(locale), language_code=locale)
    converse(channel, user, locale, text_for(locale))
    # stored, with every detail after the receipt: /mydata and /consent name its review and date
    send_with_details(channel, user, may_write=True)
    channel.handle(user.media("voice"))
    for command in ("/mydata", "/consent", "/help", "/language", "/delete"):
        channel.handle(user.text(command))
    texts = [("reply", html_text(text)) for text in api.texts()]
    keyboards = [
        (call.get("reply_markup") or {}).get("inline_keyboard", [])
        for call in (*api.sent("sendMessage"), *api.sent("editMessageText"))
    ]
    buttons = [("button", [b["text"] for row in rows for b in row]) for rows in keyboards]
    assert_no_raw_keys([*texts, *buttons], locale)


# --- names as the glossary gives them ------------------------------------------------------------

# The commissions' and cities' UN names, as the glossary will put them in the catalogs: with them,
# the outputs above must show these and not the English (until then the catalogs repeat the
# English, which the checker then accepts as the reader's name).
_GLOSSARY_NAMES = {
    "fr": {
        ("regional commission acronym", "ESCWA"): "CESAO",
        ("regional commission acronym", "ECA"): "CEA",
        ("city", "Beirut"): "Beyrouth",
        ("city", "Addis Ababa"): "Addis-Abeba",
        ("city", "Geneva"): "Genève",
    },
    "ru": {
        ("regional commission acronym", "ESCWA"): "ЭСКЗА",
        ("regional commission acronym", "ECA"): "ЭКА",
        ("regional commission acronym", "ECLAC"): "ЭКЛАК",
        ("regional commission acronym", "ESCAP"): "ЭСКАТО",
        ("regional commission acronym", "UNECE"): "ЕЭК ООН",
        ("city", "Beirut"): "Бейрут",
        ("city", "Addis Ababa"): "Аддис-Абеба",
        ("city", "Santiago"): "Сантьяго",
        ("city", "Bangkok"): "Бангкок",
        ("city", "Geneva"): "Женева",
    },
}


def _with_names(locale: str) -> NullTranslations:
    """The shipped catalog of ``locale`` with the glossary's names on top."""
    catalog = Catalog(locale=locale)
    for (context, english), name in _GLOSSARY_NAMES.get(locale, {}).items():
        catalog.add(english, name, context=context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    names = Translations(buffer, domain=DOMAIN)
    shipped = Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
    if isinstance(shipped, Translations):
        names.add_fallback(shipped)
    return names


@pytest.mark.parametrize("locale", ["fr", "ru"])
def test_reviews_are_named_in_the_readers_language(seeded, locale, monkeypatch):
    monkeypatch.setattr(i18n, "translations", _with_names)
    app = create_app(runtime=seeded)
    app.config.update(TESTING=True)
    pages = dict(_html_pages(app, locale))
    beirut, escwa = _GLOSSARY_NAMES[locale][("city", "Beirut")], review_acronym(locale, "escwa")
    assert beirut in pages[f"/{locale}/"] and escwa in pages[f"POST /{locale}/my-input (opened)"]
    subject, text, html = render_digest_email(_digests(seeded), locale)
    assert escwa in subject and escwa in text
    report = render_report(build_report(seeded.engine, review_slug="escwa"), "html", locale)
    assert beirut in report.decode()
    assert_no_raw_keys(
        [
            *((url, html_text(page)) for url, page in pages.items()),
            ("digest subject", [subject]),
            ("digest text", text.splitlines()),
            ("digest HTML", html_text(html)),
            ("report HTML", html_text(report.decode())),
        ],
        locale,
    )
