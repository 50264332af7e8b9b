"""Every kind of record people send, declared once: input, pledge, practice, registration.

A declaration says what the kind asks (its questionnaire), where it is kept (its model),
how its receipts begin, how answers become columns, what of it may leave the store and
how, and how the web form and the staff API show it. The web views, the API's endpoints
and OpenAPI entries, erasure and exports are generated from ``KINDS``, so a new kind is
one ``RecordKind`` here plus its questionnaire and its model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from intake_api.answer_schema import answers_schema
from intake_api.crypto import KeyRing
from intake_api.moderation import InputView, view_of
from intake_api.notices import PRIVACY_NOTICE, REGISTRATION_NOTICE
from intake_api.policies.authorization import Action
from intake_api.questionnaire import INPUT, PLEDGE, PRACTICE, REGISTRATION, Questionnaire
from intake_api.redaction import redact
from intake_api.safeguarding import assess
from models.broadcast import ChatContact
from models.intake_record import IntakeRecord
from models.outbox import SlackRemoval
from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord
from models.reference import N_
from models.registration import Registration
from models.submission import Submission

# The record's own columns from the answers as shown (free text redacted) and as written.
# Runs before the write transaction: redaction, the safeguarding scan and encryption are
# CPU work that must not hold SQLite's write lock (or a PostgreSQL transaction) open.
FieldsBuilder = Callable[[dict[str, Any], dict[str, Any], KeyRing], dict[str, Any]]
# A stored record as it may leave the store (API listings, exports): masked, decrypted for staff.
Serialiser = Callable[[Any, KeyRing], dict[str, Any]]
# What else goes when a record is erased, in the erasure's transaction (its consents always go).
Traces = Callable[[Session, Any], None]


@dataclass(frozen=True)
class FormPage:
    """The public web form of a kind: its words, the answers its URL fixes, its two routes.

    A ``<slug>`` in ``path`` fixes the review (an unknown slug is 404), and the receipt page
    then carries the slug too. Endpoints are named in the ``forms`` blueprint.
    """

    title: str
    intro: str
    path: str
    endpoint: str
    receipt_path: str
    receipt_endpoint: str
    hidden: tuple[str, ...] = ()  # answers fixed by the URL, not asked
    preset: tuple[str, ...] = ()  # answers a link may preselect with the query string
    # The contributors' notice says no name is asked: true of every form but registration.
    notice: tuple[str, ...] = PRIVACY_NOTICE
    # Questions and choices in the plain words written for a general public (the official
    # titles one tap away): the input form, for migrants and young people.
    plain: bool = False


@dataclass(frozen=True)
class ApiCollection:
    """The kind's collection in the staff API: a listing, and creation when ``new_schema`` is set.

    ``item_schema`` is the JSON Schema of one item; left out, the API's own schemas name it
    (``schema_name``), for the kinds whose schemas share the API's patterns.
    """

    path: str
    endpoint: str
    operation_id: str
    summary: str
    schema_name: str
    listed: str  # what the listing answers, in a word: "Pledges"
    read: Action = Action.READ_INPUTS
    unassigned: bool = True  # an administrator also sees records of no review
    audit: str | None = None  # the audit action of a listing, where reading it must be logged
    item_schema: Mapping[str, Any] | None = None
    new_schema: Mapping[str, Any] | None = None
    create_operation_id: str | None = None
    # Staff publish and unpublish an item (``PATCH {path}/{receipt}``): pledges and practices.
    update_operation_id: str | None = None


@dataclass(frozen=True)
class RecordKind:
    """One kind of record. ``serialise`` is the one statement of its public fields: staff
    listings and exports give out what it returns, nothing more."""

    name: str
    questionnaire: Questionnaire
    model: type[IntakeRecord]
    receipt_prefix: str  # two letters of Crockford's alphabet
    fields: FieldsBuilder
    serialise: Serialiser
    page: FormPage | None = None
    api: ApiCollection | None = None
    traces: Traces | None = None  # erased with the record; see ``privacy``


def timestamp(moment: datetime) -> str:
    """RFC 3339 with its offset (SQLite hands back UTC wall times without one)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def masked(text: str | None) -> str | None:
    """Free text as it leaves the store: personal data masked by today's rules, even in older rows."""
    return redact(text) if text else text


def _input_fields(
    answers: dict[str, Any], written_answers: dict[str, Any], keys: KeyRing
) -> dict[str, Any]:
    """The words as written are sealed when redaction changed them (for their author, and an
    administrator when the law requires); the risk scan reads them as written."""
    written, shown = written_answers["text"], answers["text"]
    disclosure = assess(written)
    return dict(
        review_slug=answers["review"],
        stakeholder_group=answers["stakeholder_group"],
        age_group=answers["age_group"],
        gender=answers["gender"],
        country=answers["country"],
        theme=answers["theme"],
        text=shown,
        text_original=keys.encrypt(written, context="input.text") if shown != written else None,
        urgent_category=disclosure.category if disclosure else None,
        consent_quote=answers["consent_quote"],
        source=answers.get("source"),
        objectives=[int(n) for n in answers["objectives"]],
    )


def input_json(view: InputView) -> dict[str, Any]:
    """An input as it leaves the store for staff: the API's answers and the kind's serialiser."""
    return {
        "receipt": view.receipt,
        "review": view.review_slug,
        "channel": view.channel,
        "locale": view.locale,
        "stakeholder_group": view.stakeholder_group,
        "country": view.country,
        "theme": view.theme,
        "suggested_theme": view.suggested_theme,
        "objectives": view.objectives,
        "text": view.text,
        "may_quote": view.consent_quote,
        "urgent": view.urgent_category,
        "suggested_objectives": [
            {"objective": n, "score": score, "triggers": list(words)}
            for n, score, words in view.suggestions
        ],
        "status": view.status,
        "created_at": timestamp(view.created_at),
    }


def _input_json(record: Submission, _keys: KeyRing) -> dict[str, Any]:
    return input_json(view_of(record))


def _pledge_fields(
    answers: dict[str, Any], _written: dict[str, Any], _keys: KeyRing
) -> dict[str, Any]:
    return dict(
        review_slug=answers["review"],
        organisation=answers["organisation"],
        stakeholder_group=answers["stakeholder_group"],
        country=answers["country"],
        title=answers["title"],
        text=answers["text"],
        objectives=[int(n) for n in answers["objectives"]],
        consent_publish=answers["consent_publish"],
    )


def _pledge_json(record: Pledge, _keys: KeyRing) -> dict[str, Any]:
    return {
        "receipt": record.receipt,
        "review": record.review_slug,
        "organisation": masked(record.organisation),
        "stakeholder_group": record.stakeholder_group,
        "country": record.country,
        "title": masked(record.title),
        "text": masked(record.text),
        "objectives": record.objectives,
        **_publication_json(record),
        "created_at": timestamp(record.created_at),
    }


def _publication_json(record: PublishableRecord) -> dict[str, Any]:
    """Whether the author agreed to publication, and when staff published (None: not public)."""
    return {
        "may_publish": record.consent_publish,
        "published_at": timestamp(record.published_at) if record.published_at else None,
    }


def _practice_fields(
    answers: dict[str, Any], _written: dict[str, Any], _keys: KeyRing
) -> dict[str, Any]:
    return dict(
        review_slug=answers["review"],
        title=answers["title"],
        description=answers["description"],
        objectives=[int(n) for n in answers["objectives"]],
        countries=answers["countries"],
        organisation=answers["organisation"],
        partners=answers["partners"],
        link=answers["link"],
        consent_publish=answers["consent_publish"],
    )


def _practice_json(record: Practice, _keys: KeyRing) -> dict[str, Any]:
    return {
        "receipt": record.receipt,
        "review": record.review_slug,
        "title": masked(record.title),
        "description": masked(record.description),
        "objectives": record.objectives,
        "countries": record.countries,
        "organisation": masked(record.organisation),
        "partners": masked(record.partners),
        "link": record.link,
        **_publication_json(record),
        "created_at": timestamp(record.created_at),
    }


def _registration_fields(
    answers: dict[str, Any], _written: dict[str, Any], keys: KeyRing
) -> dict[str, Any]:
    needs = answers["accessibility_needs"]
    return dict(
        review_slug=answers["review"],
        name=keys.encrypt(answers["name"], context="registration.name"),
        organisation=answers["organisation"],
        stakeholder_group=answers["stakeholder_group"],
        country=answers["country"],
        attendance_mode=answers["attendance_mode"],
        accessibility_needs=keys.encrypt(needs, context="registration.accessibility_needs")
        if needs
        else None,
        travel_support=answers["travel_support"],
        travel_reason=answers["travel_reason"] if answers["travel_support"] else None,
    )


def _registration_json(record: Registration, keys: KeyRing) -> dict[str, Any]:
    """Names and needs decrypted: only organisers of the review read registrations."""
    needs = record.accessibility_needs
    return {
        "receipt": record.receipt,
        "review": record.review_slug,
        "name": keys.decrypt(record.name, context="registration.name"),
        "organisation": masked(record.organisation),
        "stakeholder_group": record.stakeholder_group,
        "country": record.country,
        "attendance_mode": record.attendance_mode,
        "travel_support": record.travel_support,
        "travel_reason": masked(record.travel_reason),
        "accessibility_needs": masked(
            keys.decrypt(needs, context="registration.accessibility_needs")
        )
        if needs
        else None,
        "created_at": timestamp(record.created_at),
    }


def _input_traces(session: Session, submission: Submission) -> None:
    """An input leaves a kept chat (to write back about its review) and a Slack moderation
    message behind; erasing the input erases the chat and queues the message's removal."""
    if submission.contributor_id is not None:
        session.execute(
            delete(ChatContact).where(
                col(ChatContact.contributor_id) == submission.contributor_id,
                col(ChatContact.review_slug) == submission.review_slug,
            )
        )
    if submission.slack_channel and submission.slack_ts:
        session.add(SlackRemoval(channel=submission.slack_channel, ts=submission.slack_ts))


def _item_traces(session: Session, item: PublishableRecord) -> None:
    """A pledge or practice leaves its Slack moderation post behind: erasing it queues the post's
    removal (a post still being sent is removed when it is recorded, ``ItemPosts.mark_posted``)."""
    if item.slack_channel and item.slack_ts and item.slack_ts != "posting":
        session.add(SlackRemoval(channel=item.slack_channel, ts=item.slack_ts))


INPUT_KIND = RecordKind(
    "input",
    INPUT,
    Submission,
    "IN",
    _input_fields,
    _input_json,
    page=FormPage(
        N_("Share your input"),
        N_(
            "Tell the regional review what works, what does not and what should change for "
            "migrants in your region."
        ),
        "/<locale>/inputs/new",
        "new_input",
        "/<locale>/inputs/<receipt>",
        "input_receipt",
        preset=("review",),
        plain=True,
    ),
    traces=_input_traces,
)
PLEDGE_KIND = RecordKind(
    "pledge",
    PLEDGE,
    Pledge,
    "PL",
    _pledge_fields,
    _pledge_json,
    page=FormPage(
        N_("Make a pledge"),
        N_(
            "Pledges by Member States and stakeholders show commitment to implementing the "
            "Global Compact ahead of the 2026 International Migration Review Forum."
        ),
        "/<locale>/pledges/new",
        "new_pledge",
        "/<locale>/pledges/<receipt>",
        "pledge_receipt",
    ),
    api=ApiCollection(
        "/pledges",
        "pledges",
        "listPledges",
        "Pledges (an administrator also sees those of no review)",
        "Pledge",
        "Pledges",
        new_schema=answers_schema(PLEDGE),
        create_operation_id="createPledge",
        update_operation_id="updatePledge",
    ),
    traces=_item_traces,
)
PRACTICE_KIND = RecordKind(
    "practice",
    PRACTICE,
    Practice,
    "PR",
    _practice_fields,
    _practice_json,
    page=FormPage(
        N_("Share a practice"),
        N_(
            "Practices of implementing the Global Compact are showcased on the Migration "
            "Network Hub."
        ),
        "/<locale>/practices/new",
        "new_practice",
        "/<locale>/practices/<receipt>",
        "practice_receipt",
    ),
    api=ApiCollection(
        "/practices",
        "practices",
        "listPractices",
        "Practices (an administrator also sees those of no review)",
        "Practice",
        "Practices",
        new_schema=answers_schema(PRACTICE),
        create_operation_id="createPractice",
        update_operation_id="updatePractice",
    ),
    traces=_item_traces,
)
REGISTRATION_KIND = RecordKind(
    "registration",
    REGISTRATION,
    Registration,
    "RG",
    _registration_fields,
    _registration_json,
    page=FormPage(
        N_("Register for the consultation"),
        N_("Register for the multi-stakeholder consultation of this regional review."),
        "/<locale>/reviews/<slug>/register",
        "register",
        "/<locale>/reviews/<slug>/registrations/<receipt>",
        "registration_receipt",
        hidden=("review",),
        notice=REGISTRATION_NOTICE,
    ),
    api=ApiCollection(
        "/registrations",
        "registrations",
        "listRegistrations",
        "Consultation registrations",
        "Registration",
        "Registrations",
        read=Action.READ_REGISTRATIONS,
        unassigned=False,
        audit="registrations.read",
    ),
)

KINDS: dict[str, RecordKind] = {
    kind.name: kind for kind in (INPUT_KIND, PLEDGE_KIND, PRACTICE_KIND, REGISTRATION_KIND)
}


def kind_named(name: str) -> RecordKind:
    """The declaration of ``name``; KeyError for a kind nobody declared."""
    return KINDS[name]


def kind_of_receipt(code: str) -> RecordKind | None:
    """The kind a receipt code belongs to, from its prefix (the code as typed or normalised)."""
    prefix = "".join(ch for ch in code.upper() if ch.isalnum())[:2]
    return next((kind for kind in KINDS.values() if kind.receipt_prefix == prefix), None)


@contextmanager
def registered(kind: RecordKind) -> Iterator[RecordKind]:
    """``kind`` declared for the duration: a test's extra kind, gone again afterwards.

    Routes are generated when an app is created, so create the app inside the block.
    """
    if kind.name in KINDS or kind_of_receipt(kind.receipt_prefix) is not None:
        raise ValueError(f"a kind named {kind.name!r} or with prefix {kind.receipt_prefix} exists")
    KINDS[kind.name] = kind
    try:
        yield kind
    finally:
        del KINDS[kind.name]
