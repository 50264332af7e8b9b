"""The public forms, rendered from the questionnaire and posted into the intake service.

One view per form shows it (GET and HEAD), takes it in (POST: validate, store,
redirect to the receipt) and re-renders with every answer kept when the service
refuses. Sending is guarded by the method policy (``policies.methods``): rate limit,
then CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
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
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from intake_api.i18n import gettext
from intake_api.notices import (
    MINORS_NOTICE,
    PRIVACY_NOTICE,
    PRIVACY_NOTICE_TITLE,
    REGISTRATION_NOTICE,
)
from intake_api.policies.availability import store_unavailable
from intake_api.policies.methods import changes_state
from intake_api.questionnaire import (
    INPUT,
    PLEDGE,
    PRACTICE,
    REGISTRATION,
    Kind,
    Questionnaire,
    help_text,
)
from intake_api.receipts import PREFIXES, new_receipt, normalise_receipt
from intake_api.referrals import help_after
from intake_api.runtime import runtime_of
from intake_api.service import IdempotencyConflict, InvalidAnswers
from intake_api.web.security import guard_state_changes, limiter, no_store
from models.reference import MEETING_FORMATS, N_, REVIEW_SLUGS
from models.review import RegionalReview

bp = Blueprint("forms", __name__)

HONEYPOT = "website"
IDEMPOTENCY_FIELD = "submission_key"
RESENT_WITH_CHANGES = N_("This form was already sent once. Your changed answers are kept below: please check them and send them again as a new input.")
POST_LIMIT = "20 per minute; 200 per hour"
# Receipt pages, all four kinds together, per client: a person sees theirs a few times;
# nobody needs to try receipt codes one after another.
RECEIPT_LIMIT = "30 per minute; 300 per hour"
receipt_pages_limit = limiter.shared_limit(RECEIPT_LIMIT, scope="receipt-pages")
SENT_KEY = "sent"  # receipts sent from this browser session: only they show their access code
SESSION_SECRET_KEY = "form_secret"  # noqa: S105 - the session field binding submission keys to it
SENT_REMEMBERED = 10


@dataclass(frozen=True)
class FormPage:
    """What differs between the public forms: their questions, words and receipt page."""

    kind: str
    questionnaire: Questionnaire
    title: str
    intro: str
    receipt_endpoint: str
    hidden: tuple[str, ...] = field(default=())  # answers fixed by the URL, not asked
    # The contributors' notice says no name is asked: true of every form but registration.
    notice: tuple[str, ...] = PRIVACY_NOTICE


INPUT_PAGE = FormPage(
    "input", INPUT, N_("Share your input"),
    N_("Tell the regional review what works, what does not and what should change for migrants in your region."),
    "forms.input_receipt",
)  # fmt: skip
PLEDGE_PAGE = FormPage(
    "pledge", PLEDGE, N_("Make a pledge"),
    N_("Pledges by Member States and stakeholders show commitment to implementing the Global Compact ahead of the 2026 International Migration Review Forum."),
    "forms.pledge_receipt",
)  # fmt: skip
PRACTICE_PAGE = FormPage(
    "practice", PRACTICE, N_("Share a practice"),
    N_("Practices of implementing the Global Compact are showcased on the Migration Network Hub."),
    "forms.practice_receipt",
)  # fmt: skip
REGISTRATION_PAGE = FormPage(
    "registration", REGISTRATION, N_("Register for the consultation"),
    N_("Register for the multi-stakeholder consultation of this regional review."),
    "forms.registration_receipt", hidden=("review",), notice=REGISTRATION_NOTICE,
)  # fmt: skip

PAGES_BY_ENDPOINT: dict[str, FormPage] = {
    "forms.new_input": INPUT_PAGE,
    "forms.new_pledge": PLEDGE_PAGE,
    "forms.new_practice": PRACTICE_PAGE,
    "forms.register": REGISTRATION_PAGE,
}


@bp.route("/<locale>/inputs/new", methods=["GET", "POST"])
@guard_state_changes(POST_LIMIT)
def new_input() -> ResponseReturnValue:
    """The public input form; ``?review=SLUG`` preselects a regional review."""
    preset = {} if changes_state(request.method) else {"review": request.args.get("review", "")}
    return _form_view(INPUT_PAGE, preset=preset)


@bp.route("/<locale>/pledges/new", methods=["GET", "POST"])
@guard_state_changes(POST_LIMIT)
def new_pledge() -> ResponseReturnValue:
    return _form_view(PLEDGE_PAGE)


@bp.route("/<locale>/practices/new", methods=["GET", "POST"])
@guard_state_changes(POST_LIMIT)
def new_practice() -> ResponseReturnValue:
    return _form_view(PRACTICE_PAGE)


@bp.route("/<locale>/reviews/<slug>/register", methods=["GET", "POST"])
@guard_state_changes(POST_LIMIT)
def register(slug: str) -> ResponseReturnValue:
    if slug not in REVIEW_SLUGS:
        abort(404)
    return _form_view(REGISTRATION_PAGE, fixed={"review": slug})


@bp.get("/<locale>/inputs/<receipt>")
@receipt_pages_limit
def input_receipt(receipt: str) -> ResponseReturnValue:
    return _receipt_view("input", receipt)


@bp.get("/<locale>/pledges/<receipt>")
@receipt_pages_limit
def pledge_receipt(receipt: str) -> ResponseReturnValue:
    return _receipt_view("pledge", receipt)


@bp.get("/<locale>/practices/<receipt>")
@receipt_pages_limit
def practice_receipt(receipt: str) -> ResponseReturnValue:
    return _receipt_view("practice", receipt)


@bp.get("/<locale>/reviews/<slug>/registrations/<receipt>")
@receipt_pages_limit
def registration_receipt(slug: str, receipt: str) -> ResponseReturnValue:
    return _receipt_view("registration", receipt)


def _form_view(
    page: FormPage, *, preset: dict[str, str] | None = None, fixed: dict[str, str] | None = None
) -> ResponseReturnValue:
    fixed = fixed or {}
    if not changes_state(request.method):
        return render_form(page, answers={**(preset or {}), **fixed}, status=200)
    answers = {**form_answers(page.questionnaire, request.form), **fixed}
    if request.form.get(HONEYPOT):
        # A bot filled the invisible field: answer as if all went well, store nothing.
        fake = new_receipt(page.kind)
        return no_store(render_template("receipt.html", page=page, receipt=fake,
                                        access_code=runtime_of(current_app).keys.access_code(fake)))
    try:
        receipt = runtime_of(current_app).service.submit(
            page.kind, answers, channel="web", message_id=_submission_key(), locale=g.locale
        )
    except InvalidAnswers as refused:
        return render_form(page, answers=answers, errors=refused.by_field(), status=422)
    except IdempotencyConflict:
        # This form was sent before with other answers (the back button, then an edit): those
        # answers are kept for a new submission, never answered with the first receipt.
        return render_form(page, answers=answers, form_error=RESENT_WITH_CHANGES, status=409, new_key=True)
    _remember_sent(receipt.code)
    return redirect(
        url_for(page.receipt_endpoint, receipt=receipt.code, **fixed_url_args(fixed)), 303
    )


def render_form(
    page: FormPage,
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
        "form.html", page=page, questions=_visible(page), answers=answers, errors=errors or {},
        form_error=form_error, submission_key=key, hidden={k: answers.get(k) for k in page.hidden},
        help_text=help_text, Kind=Kind, privacy_notice=page.notice,
        minors_notice_shown=page.notice is PRIVACY_NOTICE,
        privacy_notice_title=PRIVACY_NOTICE_TITLE, review=review, meeting_formats=MEETING_FORMATS,
        minors_notice=gettext(g.locale, MINORS_NOTICE, age=runtime_of(current_app).service.digital_consent_age),
    )  # fmt: skip
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


def _review_of(page: FormPage, answers: dict[str, Any]) -> RegionalReview | None:
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


def _visible(page: FormPage) -> list[Any]:
    return [q for q in page.questionnaire.questions if q.key not in page.hidden]


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
    if not receipt.startswith(PREFIXES[kind]) or not runtime_of(current_app).service.receipt_exists(
        kind, receipt
    ):
        abort(404)
    page = next(p for p in PAGES_BY_ENDPOINT.values() if p.kind == kind)
    runtime = runtime_of(current_app)
    mine = receipt in session.get(SENT_KEY, [])
    return no_store(render_template(
        "receipt.html", page=page, receipt=receipt,
        access_code=runtime.keys.access_code(receipt) if mine else None,
        help_lines=help_after(runtime.engine, receipt=receipt, locale=g.locale) if mine else None,
    ))  # fmt: skip


def _remember_sent(receipt: str) -> None:
    """Let this browser session, and no other, see the receipt's access code and any help."""
    sent = [r for r in session.get(SENT_KEY, []) if r != receipt]
    session[SENT_KEY] = [*sent, receipt][-SENT_REMEMBERED:]
