"""The public forms, rendered from the questionnaire and posted into the intake service.

One view per form shows it (GET and HEAD), takes it in (POST: validate, store,
redirect to the receipt) and re-renders with every answer kept when the service
refuses. Sending is guarded by the method policy (``policies.methods``): rate limit,
then CSRF token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue, RouteCallable
from werkzeug.datastructures import MultiDict

from intake_api.notices import PRIVACY_NOTICE, PRIVACY_NOTICE_TITLE, minors_notice
from intake_api.policies.availability import store_unavailable
from intake_api.policies.methods import changes_state
from intake_api.questionnaire import Kind, Part, Question, Questionnaire, help_text
from intake_api.receipts import new_receipt, normalise_receipt
from intake_api.record_kinds import KINDS, FormPage, RecordKind, kind_named
from intake_api.referrals import help_after
from intake_api.runtime import runtime_of
from intake_api.service import IdempotencyConflict, InvalidAnswers
from intake_api.web.security import guard_state_changes, limiter, no_store
from models.reference import MEETING_FORMATS, N_, REVIEW_SLUGS
from models.review import RegionalReview

bp = Blueprint("forms", __name__)

HONEYPOT = "website"
IDEMPOTENCY_FIELD = "submission_key"
RESENT_WITH_CHANGES = N_(
    "This form was already sent once. Your changed answers are kept below: please check them and send them again as a new input."
)
# The profile part of a form (``Part.PROFILE``): optional, about the person, after the input.
PROFILE_TITLE = N_("Tell us more about you (optional)")
PROFILE_WHY = N_(
    "This helps the review hear from young people and migrants, not only from organisations."
)
OFFICIAL_TITLE = N_("Official title")
POST_LIMIT = "20 per minute; 200 per hour"
# Receipt pages, all four kinds together, per client: a person sees theirs a few times;
# nobody needs to try receipt codes one after another.
RECEIPT_LIMIT = "30 per minute; 300 per hour"
receipt_pages_limit = limiter.shared_limit(RECEIPT_LIMIT, scope="receipt-pages")
SENT_KEY = "sent"  # receipts sent from this browser session: only they show their access code
SESSION_SECRET_KEY = "form_secret"  # noqa: S105 - the session field binding submission keys to it
SENT_REMEMBERED = 10


@dataclass(frozen=True)
class FormView:
    """A kind's form as the views use it: its declaration's page, questions and receipt endpoint."""

    kind: str
    questionnaire: Questionnaire
    page: FormPage

    @property
    def title(self) -> str:
        return self.page.title

    @property
    def intro(self) -> str:
        return self.page.intro

    @property
    def hidden(self) -> tuple[str, ...]:
        return self.page.hidden

    @property
    def notice(self) -> tuple[str, ...]:
        return self.page.notice

    @property
    def receipt_endpoint(self) -> str:
        return f"{bp.name}.{self.page.receipt_endpoint}"

    @property
    def plain(self) -> bool:
        return self.page.plain


def form_of(kind: RecordKind) -> FormView:
    assert kind.page is not None
    return FormView(kind.name, kind.questionnaire, kind.page)


def page_of(endpoint: str) -> FormView | None:
    """The form an endpoint shows, if it is one of the kinds' forms."""
    kind = next(
        (k for k in KINDS.values() if k.page and f"{bp.name}.{k.page.endpoint}" == endpoint), None
    )
    return form_of(kind) if kind is not None else None


@bp.record
def _kind_routes(state: BlueprintSetupState) -> None:
    """A form and a receipt page for every declared kind that has a web form."""
    for kind in KINDS.values():
        if kind.page is None:
            continue
        show, receipt = _views(kind.name, kind.page.endpoint, kind.page.receipt_endpoint)
        state.add_url_rule(kind.page.path, kind.page.endpoint, show, methods=["GET", "POST"])
        state.add_url_rule(
            kind.page.receipt_path, kind.page.receipt_endpoint, receipt, methods=["GET"]
        )


@functools.cache
def _views(name: str, endpoint: str, receipt_endpoint: str) -> tuple[RouteCallable, RouteCallable]:
    """The kind's two views, made once: the rate limits are registered by the views' names."""

    def show(slug: str | None = None, **_url: Any) -> ResponseReturnValue:
        form = form_of(kind_named(name))
        page = form.page
        if slug is not None and slug not in REVIEW_SLUGS:
            abort(404)
        fixed = {"review": slug} if slug is not None else {}
        preset = (
            {}
            if changes_state(request.method)
            else {k: request.args.get(k, "") for k in page.preset}
        )
        return _form_view(form, preset=preset, fixed=fixed)

    def receipt(receipt: str, **_url: Any) -> ResponseReturnValue:
        return _receipt_view(name, receipt)

    show.__name__ = show.__qualname__ = endpoint
    receipt.__name__ = receipt.__qualname__ = receipt_endpoint
    show.__doc__ = f"The public {name} form, and what it sends."
    return guard_state_changes(POST_LIMIT)(show), receipt_pages_limit(receipt)


def _form_view(
    page: FormView, *, preset: dict[str, str] | None = None, fixed: dict[str, str] | None = None
) -> ResponseReturnValue:
    fixed = fixed or {}
    if not changes_state(request.method):
        return render_form(page, answers={**(preset or {}), **fixed}, status=200)
    answers = {**form_answers(page.questionnaire, request.form), **fixed}
    if request.form.get(HONEYPOT):
        # A bot filled the invisible field: answer as if all went well, store nothing.
        fake = new_receipt(page.kind)
        return no_store(
            render_template(
                "receipt.html",
                page=page,
                receipt=fake,
                access_code=runtime_of(current_app).keys.access_code(fake),
            )
        )
    try:
        receipt = runtime_of(current_app).service.submit(
            page.kind, answers, channel="web", message_id=_submission_key(), locale=g.locale
        )
    except InvalidAnswers as refused:
        return render_form(page, answers=answers, errors=refused.by_field(), status=422)
    except IdempotencyConflict:
        # This form was sent before with other answers (the back button, then an edit): those
        # answers are kept for a new submission, never answered with the first receipt.
        return render_form(
            page, answers=answers, form_error=RESENT_WITH_CHANGES, status=409, new_key=True
        )
    _remember_sent(receipt.code)
    return redirect(
        url_for(page.receipt_endpoint, receipt=receipt.code, **fixed_url_args(fixed)), 303
    )


def render_form(
    page: FormView,
    *,
    answers: dict[str, Any],
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int,
    new_key: bool = False,
) -> ResponseReturnValue:
    """The form with the answers given so far and one message per refused answer."""
    review = _review_of(page, answers)
    key = (None if new_key else request.form.get(IDEMPOTENCY_FIELD)) or uuid.uuid4().hex
    _session_secret()  # in the cookie before the form is sent: two racing clicks share it
    body = render_template(
        "form.html",
        page=page,
        questions=_visible(page),
        parts=_parts(page),
        Part=Part,
        choices=_choices,
        label_of=functools.partial(_label_of, plain=page.plain),
        profile_title=PROFILE_TITLE,
        profile_why=PROFILE_WHY,
        official_title=OFFICIAL_TITLE,
        answers=answers,
        errors=errors or {},
        form_error=form_error,
        submission_key=key,
        hidden={k: answers.get(k) for k in page.hidden},
        help_text=help_text,
        Kind=Kind,
        privacy_notice=page.notice,
        minors_notice_shown=page.notice is PRIVACY_NOTICE,
        privacy_notice_title=PRIVACY_NOTICE_TITLE,
        review=review,
        meeting_formats=MEETING_FORMATS,
        minors_notice=minors_notice(g.locale, runtime_of(current_app).service.digital_consent_age),
    )
    return no_store((body, status))


def form_answers(questionnaire: Questionnaire, form: MultiDict[str, str]) -> dict[str, Any]:
    """Answers as typed: lists for multiple choices, single strings otherwise."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.kind in (Kind.MULTIPLE, Kind.COUNTRIES):
            answers[question.key] = form.getlist(question.key)
        else:
            answers[question.key] = form.get(question.key, "")
    return answers


def fixed_url_args(fixed: dict[str, str]) -> dict[str, Any]:
    return {"slug": fixed["review"]} if "review" in fixed else {}


def _review_of(page: FormView, answers: dict[str, Any]) -> RegionalReview | None:
    """The review a registration is for, to show its consultation date and place."""
    if "review" not in page.hidden:
        return None
    slug = answers.get("review")
    try:
        reviews = runtime_of(current_app).service.reviews()
    except Exception as error:
        if store_unavailable(error):
            return None  # the form is re-shown without the consultation's date, not lost
        raise
    return next((r for r in reviews if r.slug == slug), None)


def _visible(page: FormView) -> list[Any]:
    return [q for q in page.questionnaire.questions if q.key not in page.hidden]


def _parts(page: FormView) -> list[tuple[Part, list[Question]]]:
    """The visible questions by part, in the questionnaire's order: core first, then profile."""
    visible = {q.key for q in _visible(page)}
    parts = (
        (part, [q for q in page.questionnaire.part(part) if q.key in visible]) for part in Part
    )
    return [(part, questions) for part, questions in parts if questions]


def _label_of(question: Question, *, plain: bool) -> str:
    """The msgid of a question's label as this form's readers see it."""
    return question.shown_label(plain=plain)


@dataclass(frozen=True)
class ShownChoice:
    value: str
    label: str
    detail: str | None  # shown with the label
    official: str | None  # the official title, behind a disclosure


def _choices(question: Question, locale: str, *, plain: bool) -> list[ShownChoice]:
    """A question's choices as the form shows them: a choice with a plain label keeps its
    official title one tap away; any other detail is shown with the label."""
    has_plain = {c.value for c in question.choices if c.plain} if plain else set()
    return [
        ShownChoice(value, label, None, detail)
        if value in has_plain
        else ShownChoice(value, label, detail, None)
        for value, label, detail in question.options(locale, plain=plain)
    ]


def _submission_key() -> str:
    """The message id of a sent form: its key, bound to this browser session.

    A double-click sends the same key from the same session and stores once. The same
    key from another session is another submission: a key planted into someone's form
    by a page of an attacker's cannot lead the attacker to that person's receipt.
    """
    key = request.form.get(IDEMPOTENCY_FIELD, "")
    if not (len(key) == 32 and all(ch in "0123456789abcdef" for ch in key)):
        key = secrets.token_hex(16)
    bound = hmac.new(_session_secret().encode(), key.encode(), hashlib.sha256).hexdigest()[:32]
    return f"form:{bound}"


def _session_secret() -> str:
    """A random secret of this browser session, kept in its signed cookie."""
    secret = session.get(SESSION_SECRET_KEY)
    if not (isinstance(secret, str) and len(secret) == 32):
        secret = session[SESSION_SECRET_KEY] = secrets.token_hex(16)
    return secret


def _receipt_view(kind: str, typed: str) -> ResponseReturnValue:
    receipt = normalise_receipt(typed)
    declared = kind_named(kind)
    if not receipt.startswith(declared.receipt_prefix) or not runtime_of(
        current_app
    ).service.receipt_exists(kind, receipt):
        abort(404)
    page = form_of(declared)
    runtime = runtime_of(current_app)
    mine = receipt in session.get(SENT_KEY, [])
    return no_store(
        render_template(
            "receipt.html",
            page=page,
            receipt=receipt,
            access_code=runtime.keys.access_code(receipt) if mine else None,
            help_lines=help_after(runtime.engine, receipt=receipt, locale=g.locale)
            if mine
            else None,
        )
    )


def _remember_sent(receipt: str) -> None:
    """Let this browser session, and no other, see the receipt's access code and any help."""
    sent = [r for r in session.get(SENT_KEY, []) if r != receipt]
    session[SENT_KEY] = [*sent, receipt][-SENT_REMEMBERED:]
