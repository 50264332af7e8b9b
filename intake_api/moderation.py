"""Moderating inputs: statuses, staff tags, and the queue of inputs to show to moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, case, cast, delete, exists, literal, update
from sqlmodel import Session, col, select

from intake_api.i18n import DEFAULT_LOCALE, LOCALES
from intake_api.policies.authorization import Action, NotAllowed, audit_actor, authorize
from intake_api.policies.delivery import Kind
from intake_api.redaction import redact
from models import crud
from models.base import utcnow
from models.db import read_session, write_session
from models.delivery import OutboundFailure
from models.outbox import SlackRemoval
from models.reference import OBJECTIVE_NUMBERS, THEMES
from models.review import RegionalReview
from models.staff import StaffMember
from models.submission import Submission, SubmissionObjective


class InvalidObjectives(ValueError):
    """A tag that is not one of the 23 GCM objectives; nothing was changed."""


class InvalidTheme(ValueError):
    """A theme that is not one of the framework note's four; nothing was changed."""


# What a moderator can do, and the status it leads to.
ACTIONS = {"reviewed": "reviewed", "flag": "flagged", "include": "included"}
_POSTING = "posting"


@dataclass(frozen=True)
class InputView:
    """An input as moderators see it: personal data in the text masked."""

    id: int
    receipt: str
    review_slug: str
    channel: str
    locale: str
    stakeholder_group: str | None
    country: str | None
    theme: str | None
    objectives: list[int]
    text: str
    consent_quote: bool
    status: str
    created_at: datetime
    slack_channel: str | None
    slack_ts: str | None
    urgent_category: str | None = None
    # Objectives the text analysis suggests, not yet decided: (number, score, trigger words).
    suggestions: tuple[tuple[int, float, tuple[str, ...]], ...] = ()
    # The theme the text analysis suggests, while no theme is set (contributors may skip it).
    suggested_theme: str | None = None


def view_of(s: Submission) -> InputView:
    """The input as moderators, the staff API and exports see it."""
    return InputView(
        s.id or 0,
        s.receipt,
        s.review_slug,
        s.channel,
        s.locale,
        s.stakeholder_group,
        s.country,
        s.theme,
        s.objectives,
        redact(s.text),
        s.consent_quote,
        s.status,
        s.created_at,
        s.slack_channel,
        s.slack_ts,
        s.urgent_category,
        tuple(
            (g.objective_number, g.score, tuple(g.triggers))
            for g in s.suggestions
            if g.decision is None and g.objective_number not in s.objectives
        ),
        s.suggested_theme if s.theme is None else None,
    )


class Moderation:
    """What moderators do to inputs, and the Slack feed's claims on them, bound to the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def moderate(self, *, receipt: str, action: str, actor: StaffMember) -> InputView:
        """Set an input's status; refused with ``NotAllowed`` outside the actor's reviews."""
        return self.update_input(receipt=receipt, status=ACTIONS[action], actor=actor)

    def tag_objectives(
        self,
        *,
        receipt: str,
        objectives: list[int],
        actor: StaffMember,
        accepted: list[int] | None = None,
        rejected: list[int] | None = None,
    ) -> InputView:
        """Add the objectives staff recognise in an input to those the contributor chose.

        ``accepted`` and ``rejected`` are staff's decisions on the suggested objectives:
        accepted ones are added too; both are kept, for the acceptance rate.
        """
        return self.update_input(
            receipt=receipt,
            objectives=objectives,
            accepted=accepted or [],
            rejected=rejected or [],
            actor=actor,
        )

    def set_theme(self, *, receipt: str, theme: str | None, actor: StaffMember) -> InputView:
        """Confirm the suggested theme of an input (``theme=None``), or set another: contributors
        may skip the theme, and the text analysis only suggests one. Audited, for staff who may
        moderate; ``InvalidTheme`` when there is no suggestion to confirm."""
        if theme is None:
            with read_session(self.engine) as session:
                found = _find(session, receipt, actor)
                theme = found.suggested_theme or found.theme
            if theme is None:
                raise InvalidTheme("no theme suggested for this input")
        return self.update_input(receipt=receipt, theme=theme, actor=actor)

    def update_input(
        self,
        *,
        receipt: str,
        actor: StaffMember,
        status: str | None = None,
        objectives: list[int] | None = None,
        accepted: list[int] | None = None,
        rejected: list[int] | None = None,
        theme: str | None = None,
    ) -> InputView:
        """Change an input's status, its objective tags and/or its theme, with their audit entries,
        in ONE transaction.

        The caller validates the whole request first; here either every change is stored
        with its audit entry, or (on ``NotAllowed`` or any error) none is. ``status`` is one of
        the statuses in ``ACTIONS``; ``objectives`` are tags added to those the contributor chose;
        ``theme`` replaces the input's theme (``InvalidTheme`` if not one of ``THEMES``).
        """
        if status is not None and status not in ACTIONS.values():
            raise ValueError(f"unknown status {status!r}")
        numbers = [*(objectives or []), *(accepted or []), *(rejected or [])]
        if any(type(n) is not int or n not in OBJECTIVE_NUMBERS for n in numbers):
            raise InvalidObjectives("objectives are the numbers 1 to 23")
        if theme is not None and theme not in THEMES:
            raise InvalidTheme("themes are those of the framework note")
        with write_session(self.engine) as session:
            submission = _find(session, receipt, actor)
            if status is not None:
                _set_status(session, submission, status, actor)
            if theme is not None:
                _set_theme(session, submission, theme, actor)
            if objectives is not None or accepted or rejected:
                _add_tags(
                    session, submission, objectives or [], accepted or [], rejected or [], actor
                )
            session.flush()
            return view_of(submission)

    def set_review_channel(
        self,
        *,
        review_slug: str,
        channel_id: str,
        actor: StaffMember,
        safeguarding: bool = False,
        locale: str | None = None,
    ) -> None:
        """Where a review's new inputs are moderated, or (``safeguarding``) where urgent ones go.

        ``locale`` is the language the channel's posts are in: staff of a region read their
        feed in their language, and the audit says who chose it.
        """
        authorize(actor, Action.CONFIGURE_REVIEW, review_slug)
        if locale is not None and locale not in LOCALES:  # every channel that sets one is refused
            raise ValueError(f"not a shipped locale: {locale!r}")
        with write_session(self.engine) as session:
            review = session.get(RegionalReview, review_slug)
            if review is None:
                raise NotAllowed(review_slug)
            if safeguarding:
                review.safeguarding_channel, review.safeguarding_locale = channel_id, locale
            else:
                review.slack_channel, review.slack_locale = channel_id, locale
            crud.write_audit(
                session,
                actor=audit_actor(actor),
                action="review.safeguarding_channel_set" if safeguarding else "review.channel_set",
                subject_type="review",
                subject_id=None,
                detail={"review": review_slug, "locale": locale},
            )

    def channel_locale(self, view: InputView, channel_id: str) -> str:
        """The language of an input's message in a review's channel: the one set for the channel.

        The feed's post and its updates after a moderation action read it, so a message
        keeps one language. An urgent input is in the safeguarding channel when the review
        has one, even if that channel moderates the review's other inputs too. A channel
        set before channels had languages posts in English.
        """
        with read_session(self.engine) as session:
            review = session.get(RegionalReview, view.review_slug)
            if review is None:
                locale = None
            elif view.urgent_category and channel_id == review.safeguarding_channel:
                locale = review.safeguarding_locale
            elif channel_id == review.slack_channel:
                locale = review.slack_locale
            elif channel_id == review.safeguarding_channel:
                locale = review.safeguarding_locale
            else:
                locale = None
        return locale or DEFAULT_LOCALE

    def claim_unposted(self, *, limit: int = 50, now: datetime | None = None) -> list[InputView]:
        """Inputs not yet shown in Slack, urgent ones first, claimed by this process.

        An urgent input goes to the review's safeguarding channel when it has one.
        The claim (``slack_ts = 'posting'``) keeps two workers from posting the same input.
        An input whose post failed waits for its next try (``delivery_failures``); one given
        up on is left to staff (``gcm-intake failures``).
        """
        now = now or utcnow()
        waiting = exists().where(
            col(OutboundFailure.kind) == Kind.MODERATION.value,
            col(OutboundFailure.ref)
            == literal("submission:").concat(cast(col(Submission.id), String)),
            col(OutboundFailure.failed_at).is_not(None) | (col(OutboundFailure.next_try_at) > now),
        )
        urgent = col(Submission.urgent_category).is_not(None)
        target = case(
            (
                urgent & col(RegionalReview.safeguarding_channel).is_not(None),
                RegionalReview.safeguarding_channel,
            ),
            else_=RegionalReview.slack_channel,
        )
        with read_session(self.engine) as session:
            rows = session.exec(
                select(Submission.id, target)
                .join(RegionalReview, col(RegionalReview.slug) == col(Submission.review_slug))
                .where(col(Submission.slack_ts).is_(None), target.is_not(None), ~waiting)
                .order_by(urgent.desc(), col(Submission.id))
                .limit(limit)
            ).all()
        claimed: list[InputView] = []
        for submission_id, channel_id in rows:
            with write_session(self.engine) as session:
                result = session.execute(
                    update(Submission)
                    .where(col(Submission.id) == submission_id, col(Submission.slack_ts).is_(None))
                    .values(slack_ts=_POSTING, slack_channel=channel_id)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(view_of(session.get_one(Submission, submission_id)))
        return claimed

    def mark_posted(self, *, submission_id: int, channel_id: str, ts: str | None) -> None:
        """Record the moderation message, or release the claim (``ts=None``) to try again later.

        An input erased while its message was being posted has its message removed too.
        """
        with write_session(self.engine) as session:
            submission = session.get(Submission, submission_id)
            if submission is None:
                if ts:
                    session.add(SlackRemoval(channel=channel_id, ts=ts))
                return
            submission.slack_ts, submission.slack_channel = ts, channel_id if ts else None

    def pending_removals(self, *, limit: int = 50) -> list[SlackRemoval]:
        """Slack messages of erased inputs still to delete, oldest first."""
        with read_session(self.engine) as session:
            return list(
                session.exec(select(SlackRemoval).order_by(col(SlackRemoval.id)).limit(limit))
            )

    def removal_done(self, *, removal_id: int) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(SlackRemoval).where(col(SlackRemoval.id) == removal_id))

    def find_input(self, *, receipt: str) -> InputView | None:
        with read_session(self.engine) as session:
            submission = session.exec(
                select(Submission).where(Submission.receipt == receipt)
            ).first()
            return view_of(submission) if submission else None

    def list_inputs(
        self,
        *,
        reviews: list[str],
        after_id: int,
        limit: int,
        status: str | None = None,
        since: datetime | None = None,
    ) -> list[InputView]:
        """A page of inputs of ``reviews`` with ids above ``after_id``, oldest first (keyset pagination).

        Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL), so a page
        boundary stays where it was while inputs arrive or are erased. An ``after_id`` beyond
        the largest id the column can hold (PostgreSQL's integer) simply ends the list.
        """
        if after_id >= _LARGEST_ID.get(self.engine.dialect.name, 2**63 - 1):
            return []
        statement = select(Submission).where(
            col(Submission.review_slug).in_(reviews), col(Submission.id) > after_id
        )
        if status is not None:
            statement = statement.where(col(Submission.status) == status)
        if since is not None:
            statement = statement.where(col(Submission.created_at) >= since)
        with read_session(self.engine) as session:
            rows = session.exec(statement.order_by(col(Submission.id)).limit(limit)).all()
            return [view_of(row) for row in rows]


def _set_status(session: Session, submission: Submission, status: str, actor: StaffMember) -> None:
    submission.status, submission.updated_at = status, utcnow()
    crud.write_audit(
        session,
        actor=audit_actor(actor),
        action=f"input.{status}",
        subject_type="input",
        subject_id=submission.id,
    )


def _set_theme(session: Session, submission: Submission, theme: str, actor: StaffMember) -> None:
    """The audit says whether staff confirmed the text analysis's suggestion or chose another."""
    before = submission.theme
    submission.theme, submission.updated_at = theme, utcnow()
    crud.write_audit(
        session,
        actor=audit_actor(actor),
        action="input.theme_set",
        subject_type="input",
        subject_id=submission.id,
        detail={
            "theme": theme,
            "before": before,
            "suggested": submission.suggested_theme,
            "confirmed": theme == submission.suggested_theme,
        },
    )


def _add_tags(
    session: Session,
    submission: Submission,
    objectives: list[int],
    accepted: list[int],
    rejected: list[int],
    actor: StaffMember,
) -> None:
    for suggestion in submission.suggestions:
        if suggestion.decision is None and suggestion.objective_number in {*accepted, *rejected}:
            suggestion.decision = (
                "accepted" if suggestion.objective_number in accepted else "rejected"
            )
            suggestion.decided_at = utcnow()
    added = sorted((set(objectives) | set(accepted)) - set(submission.objectives))
    submission.objective_links.extend(SubmissionObjective(objective_number=n) for n in added)
    submission.updated_at = utcnow()
    crud.write_audit(
        session,
        actor=audit_actor(actor),
        action="input.tagged",
        subject_type="input",
        subject_id=submission.id,
        detail={"objectives": added},
    )


def _find(session: Session, receipt: str, actor: StaffMember) -> Submission:
    """The input, if ``actor`` may moderate in its review; ``NotAllowed`` (not found) otherwise."""
    submission = session.exec(select(Submission).where(Submission.receipt == receipt)).first()
    if submission is None:
        raise NotAllowed(receipt)
    authorize(actor, Action.MODERATE, submission.review_slug)
    return submission


def post_ref(submission_id: int) -> str:
    """How the failure record names an input's moderation post: by id, nothing it says."""
    return f"submission:{submission_id}"


_LARGEST_ID = {
    "postgresql": 2**31 - 1
}  # the id column's type there; SQLite's integers have 64 bits
