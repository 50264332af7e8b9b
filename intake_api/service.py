"""The intake service: every rule about storing what people send, for every channel.

Channels (web form, Telegram, Slack, partner API) call these functions with the
raw answers, the channel name, the channel's own message or request id and the
reader's locale. The service validates against the questionnaire, refuses to
store anything without storage consent, pseudonymises the sender, encrypts
contact details and stores the record in one transaction, exactly once per
channel message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from intake_api.consent import input_consent
from intake_api.crypto import KeyRing
from intake_api.i18n import DEFAULT_LOCALE, LOCALES, gettext
from intake_api.language.analysis import Analysis, analyse
from intake_api.language.grouping import wait_for_group
from intake_api.language.grouping_worker import Grouping, InlineGrouping
from intake_api.notices import CONTACT_NEEDS_AGE, minor_contact_refused
from intake_api.notifier import NoNotifier, StaffNotifier
from intake_api.policies.authorization import Action, authorize
from intake_api.questionnaire import (
    CONSENT_NOTICE_VERSION,
    INPUT,
    STAFF_VARIANTS,
    AnswerError,
    Part,
    Questionnaire,
)
from intake_api.receipts import new_receipt
from intake_api.record_kinds import FieldsBuilder, kind_named
from intake_api.redaction import redact
from models import crud
from models.base import utcnow
from models.commissions import review_for_country
from models.db import read_session, write_session
from models.intake_record import IntakeRecord
from models.reference import CHANNELS, minor_age_groups
from models.review import RegionalReview
from models.staff import StaffMember
from models.submission import Submission

MAX_MESSAGE_ID_LENGTH = 128
# Channels where only staff record intakes: a call without the acting staff member is refused.
STAFF_CHANNELS = frozenset({"slack", "api"})
_STORE_ATTEMPTS = 5


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str  # already in the contributor's language


class IdempotencyConflict(Exception):
    """The channel's message id was used before with other answers; nothing was stored.

    A redelivery carries the same answers and gets the first receipt; a different input
    under a reused id (a partner's Idempotency-Key, a form's submission key) is refused
    instead of being silently answered with someone else's receipt.
    """

    def __init__(self, kind: str, receipt: str) -> None:
        super().__init__(f"message id already used for {kind} with other answers")
        self.kind, self.receipt = kind, receipt


class InvalidAnswers(Exception):
    """Answers a person can correct; nothing was stored."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {error.field: error.message for error in self.errors}


@dataclass(frozen=True)
class Receipt:
    kind: str
    code: str
    duplicate: bool  # True when this message had been stored before: nothing new was stored
    urgent: str | None = None  # the protection risk the text disclosed, if any
    review_slug: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class _Form:
    """What ``submit`` needs of a kind; a staff capture form makes an input, a pledge or a
    practice, asked in staff's words (the input's with more questions)."""

    kind: str
    questionnaire: Questionnaire
    model: type[IntakeRecord]
    fields: FieldsBuilder
    stored_as: str = ""  # the kind of record it makes, when several forms make the same

    @property
    def record_kind(self) -> str:
        return self.stored_as or self.kind


def _form(kind: str) -> _Form:
    for stored_as, questionnaire in STAFF_VARIANTS.items():
        if questionnaire.name == kind:  # a staff capture form makes the record it words for staff
            declared = kind_named(stored_as)
            return _Form(kind, questionnaire, declared.model, declared.fields, stored_as=stored_as)
    declared = kind_named(kind)
    return _Form(kind, declared.questionnaire, declared.model, declared.fields)


class IntakeService:
    """Validates and stores intakes; knows nothing of Telegram, Slack or HTTP."""

    def __init__(
        self, engine: Engine, keys: KeyRing, *, digital_consent_age: int = 16, analysis: bool = True
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.digital_consent_age = digital_consent_age
        # Language, objective suggestions and near-duplicate groups at intake (off: the
        # benchmark's bare path, or a bulk import followed by `gcm-intake dedupe`).
        self.analysis = analysis
        self.notifier: StaffNotifier = NoNotifier()  # the composition root installs a channel's
        # Who joins new inputs to their near-duplicates once stored: a serving process
        # installs its own thread (``BackgroundGrouping``).
        self.grouping: Grouping = InlineGrouping(engine)

    def is_minor(self, age_group: str | None) -> bool:
        return age_group in minor_age_groups(self.digital_consent_age)

    def may_contact_or_quote(self, age_group: str | None) -> bool:
        """Only an adult by the age group given: an unknown age counts as a minor's."""
        return age_group is not None and not self.is_minor(age_group)

    def _protect_minors(
        self, questionnaire: Questionnaire, answers: dict[str, Any], locale: str
    ) -> dict[str, Any]:
        """Under the age of digital consent, or of an age not given: no contact kept, never quoted.

        Only where the questionnaire asks the age (an input): pledges, practices and
        registrations come from organisations and adults.
        """
        if "age_group" not in questionnaire.keys:
            return answers
        age_group = answers.get("age_group")
        if self.may_contact_or_quote(age_group):
            return answers
        if answers.get("contact_email"):
            raise InvalidAnswers([self.contact_refused(age_group, locale)])
        return {**answers, "consent_quote": False} if "consent_quote" in answers else answers

    def contact_refused(self, age_group: str | None, locale: str) -> FieldError:
        """Why no e-mail address is kept with this age group (one not adult, or none), in ``locale``."""
        if age_group is None:
            return FieldError("contact_email", "age_needed", gettext(locale, CONTACT_NEEDS_AGE))
        message = minor_contact_refused(locale, self.digital_consent_age)
        return FieldError("contact_email", "minor_contact", message)

    def submit_input(self, answers: Mapping[str, Any], **where: Any) -> Receipt:
        """Store an input to a regional review. See ``submit`` for the arguments."""
        return self.submit("input", answers, **where)

    def submit_pledge(self, answers: Mapping[str, Any], **where: Any) -> Receipt:
        return self.submit("pledge", answers, **where)

    def submit_practice(self, answers: Mapping[str, Any], **where: Any) -> Receipt:
        return self.submit("practice", answers, **where)

    def register(self, answers: Mapping[str, Any], **where: Any) -> Receipt:
        """Register a participant for a regional multi-stakeholder consultation."""
        return self.submit("registration", answers, **where)

    def submit(
        self,
        kind: str,
        answers: Mapping[str, Any],
        *,
        channel: str,
        message_id: str,
        locale: str,
        platform_user_id: str | int | None = None,
        received_at: datetime | None = None,
        staff: StaffMember | None = None,
    ) -> Receipt:
        """Validate and store one intake of ``kind``, exactly once per channel message.

        ``message_id`` is the channel's own id of what was sent (Telegram update,
        Slack view submission, the web form's idempotency key): a second call
        with it returns the first receipt with ``duplicate=True`` and stores
        nothing, also when both calls race. ``platform_user_id`` is the raw
        Telegram or Slack user id; only its keyed pseudonym is stored.
        ``received_at`` keeps a partner system's or an import's original time.
        ``staff``: the staff member recording it on someone's behalf (Slack capture,
        partner API); the review of the *validated* answers must be one they may
        capture for, so no shape of the raw answers can aim at another review.

        Every answer the questionnaire marks as free text (``Question.redact``) is stored
        with personal data masked, for every kind of record; only an input's text keeps
        its words as written, sealed (see ``redacted``).

        Raises ``InvalidAnswers`` (messages in ``locale``) when an answer is
        refused, including a missing storage consent, ``NotAllowed`` when
        ``staff`` may not capture for the review, and ``IdempotencyConflict`` when
        ``message_id`` was stored before with other answers; nothing is stored then.
        """
        form = _form(kind)
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
            raise ValueError("message_id must be 1 to 128 characters")
        locale = locale if locale in LOCALES else DEFAULT_LOCALE
        clean = self._protect_minors(
            form.questionnaire, self.validate(form.questionnaire, answers, locale), locale
        )
        if channel in STAFF_CHANNELS or staff is not None:
            authorize(staff, Action.CAPTURE, clean.get("review"))
        pseudonym = (
            self.keys.pseudonym(channel, platform_user_id) if platform_user_id is not None else None
        )
        fingerprint = self.keys.fingerprint(_canonical(form.record_kind, clean))
        fields = form.fields(redacted(form.questionnaire, clean), clean, self.keys)
        fields["answers_fingerprint"] = fingerprint
        analysis = (
            analyse(fields["text"], locale) if form.model is Submission and self.analysis else None
        )
        for _attempt in range(_STORE_ATTEMPTS):
            try:
                receipt = self._store(
                    form,
                    clean,
                    fields,
                    analysis,
                    channel,
                    message_id,
                    locale,
                    pseudonym,
                    received_at,
                )
            except IntegrityError:
                # A concurrent delivery of the same message won, or the receipt
                # code collided: the next attempt finds the winner or draws anew.
                continue
            self._tell_staff(receipt)
            if analysis is not None and not receipt.duplicate:
                self.grouping.input_stored()
            return receipt
        raise RuntimeError("could not store the intake after several attempts")

    def _tell_staff(self, receipt: Receipt) -> None:
        """The one rule for telling staff now: an urgent input, new, committed.

        Every other input is shown at the scheduler's next tick. Called once the intake
        is committed, so staff never see an input a rollback took back, and only for a
        new one, so a channel's retry tells nobody twice.
        """
        if receipt.urgent and not receipt.duplicate:
            self.notifier.urgent_input(receipt.code)

    @staticmethod
    def validate(
        questionnaire: Questionnaire, answers: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        """Clean answers, or raise ``InvalidAnswers`` with one translated message per field."""
        clean, errors = questionnaire.validate(answers)
        if errors:
            raise InvalidAnswers([_field_error(key, err, locale) for key, err in errors.items()])
        return clean

    def _store(
        self,
        form: _Form,
        answers: dict[str, Any],
        fields: dict[str, Any],
        analysis: Analysis | None,
        channel: str,
        message_id: str,
        locale: str,
        pseudonym: str | None,
        received_at: datetime | None,
    ) -> Receipt:
        with write_session(self.engine) as session:
            provenance = self._provenance(
                session, form.record_kind, answers, channel, message_id, locale, pseudonym
            )
            if received_at is not None:
                provenance["created_at"] = received_at
            values = {**fields, **provenance}
            objectives = values.pop("objectives") if form.model is Submission else None
            if analysis is not None:
                values |= _analysis_columns(analysis)
            consents = _consents(
                form.record_kind, answers, provenance.get("contributor_id"), channel, locale
            )
            record_id = crud.add_intake(
                session,
                model=form.model,
                values=values,
                objectives=objectives,
                consents=consents,
                actor=f"channel:{channel}",
                kind=form.record_kind,
            )
            if record_id is None:  # stored before: the first receipt, and nothing new
                existing = crud.find_by_message(
                    session, form.model, channel=channel, message_id=message_id
                )
                # pragma: no cover - the conflict that skipped the insert is visible
                if existing is None:
                    raise RuntimeError("a conflicting intake vanished")
                if existing.answers_fingerprint not in (None, fields["answers_fingerprint"]):
                    raise IdempotencyConflict(form.record_kind, existing.receipt)
                return _receipt(form.record_kind, existing.model_dump(), duplicate=True)
            if analysis is not None:
                crud.add_suggestions(
                    session,
                    submission_id=record_id,
                    suggestions=[
                        (int(s.key), s.score, list(s.triggers)) for s in analysis.objectives
                    ],
                )
                wait_for_group(session, record_id)
            return _receipt(form.record_kind, values, duplicate=False)

    def _provenance(
        self,
        session: Session,
        kind: str,
        answers: dict[str, Any],
        channel: str,
        message_id: str,
        locale: str,
        pseudonym: str | None,
    ) -> dict[str, Any]:
        """Where a record came from, its receipt, its consent and its sealed contact details."""
        provenance: dict[str, Any] = {
            "receipt": new_receipt(kind),
            "channel": channel,
            "channel_message_id": message_id,
            "locale": locale,
            "consent_store": True,
            "consent_version": CONSENT_NOTICE_VERSION,
        }
        if answers.get("contact_email"):
            provenance["contact_email"] = self.keys.encrypt(
                answers["contact_email"], context=f"{kind}.contact_email"
            )
        if pseudonym is not None:
            contributor = crud.ensure_contributor(
                session, pseudonym=pseudonym, channel=channel, locale=locale
            )
            crud.update_profile(contributor, answers=answers)
            provenance["contributor_id"] = contributor.id
        return provenance

    def add_profile(
        self,
        receipt: str,
        answers: Mapping[str, Any],
        *,
        channel: str,
        platform_user_id: str | int,
        locale: str,
    ) -> dict[str, Any]:
        """Attach profile answers given after the receipt to the input already stored.

        Only the contributor who sent the input may (the same channel pseudonym); only
        the profile questions, each optional, answered one or several at a time. A quote
        consent counts only once an adult age group is on the input. Returns the cleaned
        answers attached; raises ``InvalidAnswers`` for a refused answer, ``LookupError``
        for an input that is not this contributor's.
        """
        questions = {q.key: q for q in INPUT.part(Part.PROFILE) if q.key != "contact_email"}
        clean: dict[str, Any] = {}
        errors: list[FieldError] = []
        for key, raw in answers.items():
            if key not in questions:
                raise ValueError(f"not a profile question: {key!r}")
            try:
                clean[key] = questions[key].clean(raw)
            except AnswerError as error:
                errors.append(_field_error(key, error, locale))
        if errors:
            raise InvalidAnswers(errors)
        pseudonym = self.keys.pseudonym(channel, platform_user_id)
        with write_session(self.engine) as session:
            record = crud.find_by_receipt(session, Submission, receipt=receipt)
            contributor = crud.find_contributor(session, pseudonym=pseudonym)
            if (
                record is None
                or record.id is None
                or contributor is None
                or contributor.id is None
                or record.contributor_id != contributor.id
            ):
                raise LookupError(receipt)
            for key, value in clean.items():
                setattr(record, key, value)
            if not self.may_contact_or_quote(record.age_group):
                record.consent_quote = False
            record.updated_at = utcnow()
            crud.update_profile(contributor, answers=clean)
            if "consent_quote" in clean:
                session.add(
                    input_consent(
                        record.id,
                        contributor.id,
                        kind="quote",
                        granted=record.consent_quote,
                        locale=locale,
                        channel=channel,
                    )
                )
            crud.write_audit(
                session,
                actor=f"channel:{channel}",
                action="input.profile_added",
                subject_type="input",
                subject_id=record.id,
                detail={"answered": sorted(clean)},
            )
        return clean

    def likely_review(self, *, channel: str, platform_user_id: str | int) -> str | None:
        """The review to preselect for a contributor: their last input's, asked once and
        remembered; else the one their country's region makes certain (``review_for_country``).

        No language makes a review certain (Arabic is spoken in ECA's and ESCWA's regions,
        and migrants write in their own language wherever they are), so none is inferred.
        """
        with read_session(self.engine) as session:
            contributor = crud.find_contributor(
                session, pseudonym=self.keys.pseudonym(channel, platform_user_id)
            )
            if contributor is None:
                return None
            last = session.exec(
                select(Submission.review_slug)
                .where(Submission.contributor_id == contributor.id)
                .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
            ).first()
            if last is not None:
                return last
            return review_for_country(contributor.country) if contributor.country else None

    def receipt_exists(self, kind: str, receipt: str) -> bool:
        with read_session(self.engine) as session:
            return (
                crud.find_by_receipt(session, kind_named(kind).model, receipt=receipt) is not None
            )

    def reviews(self) -> list[RegionalReview]:
        with read_session(self.engine) as session:
            return crud.list_reviews(session)


def redacted(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with personal data masked in every free-text answer the questionnaire marks.

    One rule for every kind of record: an input's text, a pledge's title and text, a
    practice's title, description, organisation and partners, a registration's
    organisation, needs and reason for travel support.
    """
    marked = questionnaire.redacted_keys
    return {
        key: redact(value) if key in marked and isinstance(value, str) else value
        for key, value in answers.items()
    }


def _canonical(kind: str, answers: dict[str, Any]) -> bytes:
    """The clean answers in one byte form, so equal answers always give the same fingerprint."""
    return json.dumps([kind, answers], sort_keys=True, ensure_ascii=False, default=str).encode()


def _analysis_columns(analysis: Analysis) -> dict[str, Any]:
    """What the analysis found, stored next to, never instead of, the contributor's answers.

    The objective suggestions go in as rows once the input has its id (``crud.add_suggestions``).
    """
    return {
        "language": analysis.language.code,
        "language_confidence": analysis.language.confidence,
        "suggested_theme": analysis.theme.key if analysis.theme else None,
        "minhash": analysis.signature,
    }


def _receipt(kind: str, record: Mapping[str, Any], *, duplicate: bool) -> Receipt:
    return Receipt(
        kind,
        record["receipt"],
        duplicate,
        urgent=record.get("urgent_category"),
        review_slug=record.get("review_slug"),
        country=record.get("country"),
    )


def _field_error(key: str, error: AnswerError, locale: str) -> FieldError:
    return FieldError(field=key, code=error.code, message=error.translated(locale))


def _consents(
    kind: str, answers: dict[str, Any], contributor_id: int | None, channel: str, locale: str
) -> list[dict[str, Any]]:
    """One record per consent asked: storing always; quoting, publishing and contact where offered."""
    given = {"store": True}
    if "consent_quote" in answers:
        given["quote"] = bool(answers["consent_quote"])
    if "consent_publish" in answers:
        given["publish"] = bool(answers["consent_publish"])
    if answers.get("contact_email"):
        given["contact"] = True
    return [
        {
            "contributor_id": contributor_id,
            "subject_type": kind,
            "kind": name,
            "granted": granted,
            "notice_version": CONSENT_NOTICE_VERSION,
            "locale": locale,
            "channel": channel,
        }
        for name, granted in given.items()
    ]
