"""The staff JSON API, /api/v1: bearer tokens, review scopes, audited reads of personal data."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue
from sqlmodel import col, select
from werkzeug.exceptions import HTTPException

from intake_api import runtime_of
from intake_api.api.openapi import openapi_document
from intake_api.exports import STREAMS, WRITERS, ExportFilter, iter_rows
from intake_api.i18n import LOCALES
from intake_api.moderation import ACTIONS, InputView, find_input, moderate, tag_objectives
from intake_api.policies.authorization import NotAllowed
from intake_api.privacy import WITHDRAWABLE, erase_for_staff, withdraw_for_staff
from intake_api.reports import FORMATS, build_report, render_report
from intake_api.service import InvalidAnswers
from intake_api.staff import staff_for_token
from intake_api.stats import review_stats
from models import crud
from models.db import read_session, write_session
from models.pledge import Pledge
from models.practice import Practice
from models.reference import OBJECTIVE_NUMBERS, REVIEW_SLUGS
from models.registration import Registration
from models.staff import StaffMember
from models.submission import Submission

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PAGE_DEFAULT, PAGE_MAX = 50, 500
STATUSES = {status: action for action, status in ACTIONS.items()}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> ResponseReturnValue:
    return jsonify(error=error.code, message=error.message, **error.extra), error.status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    return jsonify(error=(error.name or "error").lower().replace(" ", "_"), message=error.description), error.code or 500


def authenticated(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Bearer token required: 401 without one, or with an unknown or revoked one."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        staff = staff_for_token(runtime_of(current_app).engine, token.strip()) if scheme.lower() == "bearer" else None
        if staff is None:
            raise ApiError(401, "unauthorized", "A valid bearer token is required.")
        g.staff = staff
        return view(*args, **kwargs)

    return wrapper


def _staff() -> StaffMember:
    staff: StaffMember = g.staff
    return staff


def _require_review(slug: str) -> str:
    if slug not in REVIEW_SLUGS:
        raise ApiError(404, "not_found", f"No regional review {slug!r}.")
    if not _staff().covers(slug):
        raise ApiError(403, "forbidden", "Your role does not cover this regional review.")
    return slug


def _scope(requested: str | None) -> list[str]:
    """The reviews a request may read: the one asked for, or all the caller's."""
    if requested:
        return [_require_review(requested)]
    return [slug for slug in REVIEW_SLUGS if _staff().covers(slug)]


def _audit(action: str, **detail: Any) -> None:
    with write_session(runtime_of(current_app).engine) as session:
        crud.write_audit(session, actor=f"staff:{_staff().id}", action=action, subject_type="api",
                         subject_id=None, detail=detail)  # fmt: skip


def _input_json(view: InputView) -> dict[str, Any]:
    return {
        "receipt": view.receipt, "review": view.review_slug, "channel": view.channel, "locale": view.locale,
        "stakeholder_group": view.stakeholder_group, "country": view.country, "theme": view.theme,
        "objectives": view.objectives, "text": view.text, "may_quote": view.consent_quote,
        "urgent": view.urgent_category,
        "suggested_objectives": [{"objective": n, "score": score, "triggers": list(words)}
                                 for n, score, words in view.suggestions],
        "status": view.status, "created_at": view.created_at.isoformat(),
    }  # fmt: skip


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())


@bp.get("/submissions")
@authenticated
def list_submissions() -> ResponseReturnValue:
    """Keyset pagination on the id: stable while new inputs arrive."""
    reviews = _scope(request.args.get("review"))
    limit = _int_arg("limit", PAGE_DEFAULT, 1, PAGE_MAX)
    after = _cursor(request.args.get("cursor"))
    statement = select(Submission).where(col(Submission.review_slug).in_(reviews), col(Submission.id) > after)
    if status := request.args.get("status"):
        if status not in ("new", *STATUSES):
            raise ApiError(400, "bad_request", "Unknown status.")
        statement = statement.where(col(Submission.status) == status)
    if since := request.args.get("since"):
        statement = statement.where(col(Submission.created_at) >= _datetime_arg(since))
    with read_session(runtime_of(current_app).engine) as session:
        rows = session.exec(statement.order_by(col(Submission.id)).limit(limit + 1)).all()
        page = [(row.id or 0, find_view(row)) for row in rows[:limit]]
    _audit("inputs.listed", reviews=reviews, count=len(page))
    next_cursor = _encode_cursor(page[-1][0]) if len(rows) > limit and page else None
    return jsonify(items=[_input_json(view) for _, view in page], next_cursor=next_cursor)


def find_view(row: Submission) -> InputView:
    from intake_api.moderation import _view

    return _view(row)


@bp.get("/submissions/<receipt>")
@authenticated
def get_submission(receipt: str) -> ResponseReturnValue:
    view = find_input(runtime_of(current_app).engine, receipt=receipt)
    if view is None or not _staff().covers(view.review_slug):
        raise ApiError(404, "not_found", "No such input, or not in your reviews.")
    _audit("input.read", receipt=receipt)
    return jsonify(_input_json(view))


@bp.patch("/submissions/<receipt>")
@authenticated
def update_submission(receipt: str) -> ResponseReturnValue:
    """Change the status and/or add objective tags."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ({"status", "objectives"} & body.keys()):
        raise ApiError(400, "bad_request", "Send a JSON object with status and/or objectives.")
    engine = runtime_of(current_app).engine
    try:
        view = find_input(engine, receipt=receipt)
        if view is None:
            raise NotAllowed(receipt)
        if "status" in body:
            if body["status"] not in STATUSES:
                raise ApiError(422, "invalid", "status must be reviewed, flagged or included.")
            view = moderate(engine, receipt=receipt, action=STATUSES[body["status"]], actor=_staff())
        if "objectives" in body:
            numbers = body["objectives"]
            if not isinstance(numbers, list) or any(n not in OBJECTIVE_NUMBERS for n in numbers):
                raise ApiError(422, "invalid", "objectives are numbers from 1 to 23.")
            view = tag_objectives(engine, receipt=receipt, objectives=numbers, actor=_staff())
    except NotAllowed:
        raise ApiError(404, "not_found", "No such input, or not in your reviews.") from None
    return jsonify(_input_json(view))


@bp.delete("/submissions/<receipt>")
@authenticated
def erase_submission(receipt: str) -> ResponseReturnValue:
    """Erasure on the author's request, by receipt: administrators only, audited."""
    try:
        erased = erase_for_staff(runtime_of(current_app).engine, receipt=receipt, staff=_staff())
    except NotAllowed:
        raise ApiError(403, "forbidden", "Only administrators can erase records.") from None
    if not erased:
        raise ApiError(404, "not_found", "Nothing is stored under this receipt.")
    return "", 204


@bp.post("/submissions/<receipt>/consents")
@authenticated
def withdraw_submission_consent(receipt: str) -> ResponseReturnValue:
    """A consent withdrawn on the contributor's behalf; takes effect in every later report."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "consent" not in body:
        raise ApiError(400, "bad_request", "Send a JSON object with consent and granted.")
    if body.get("consent") not in WITHDRAWABLE or body.get("granted") is not False:
        raise ApiError(422, "invalid", "consent is quote, contact or message, and granted must be false.")
    try:
        found = withdraw_for_staff(runtime_of(current_app).engine, receipt=receipt, consent=body["consent"],
                                   staff=_staff(), channel="api")  # fmt: skip
    except NotAllowed:
        found = False
    if not found:
        raise ApiError(404, "not_found", "No such record, or not in your reviews.")
    return jsonify(receipt=receipt.upper(), consent=body["consent"], granted=False)


@bp.post("/submissions")
@authenticated
def create_submission() -> ResponseReturnValue:
    """For partner integrations: the Idempotency-Key makes a retried POST store once."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        raise ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header (1 to 100 characters).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "Send the answers as a JSON object.")
    locale = body.get("locale") if body.get("locale") in LOCALES else "en"
    if isinstance(body.get("review"), str):
        _require_review(body["review"])
    try:
        receipt = runtime_of(current_app).service.submit_input(
            body, channel="api", message_id=f"key:{_staff().id}:{key}", locale=locale, staff=_staff()
        )
    except InvalidAnswers as refused:
        raise ApiError(422, "invalid", "Some answers were refused.", errors=refused.by_field()) from None
    except NotAllowed:
        raise ApiError(403, "forbidden", "Your role does not cover this regional review.") from None
    if receipt.urgent and not receipt.duplicate:
        from bots.slack.moderation_feed import post_soon

        post_soon(runtime_of(current_app))
    return jsonify(receipt=receipt.code, duplicate=receipt.duplicate), 200 if receipt.duplicate else 201


@bp.get("/reviews/<slug>/stats")
@authenticated
def stats(slug: str) -> ResponseReturnValue:
    _require_review(slug)
    found = next(s for s in review_stats(runtime_of(current_app).engine) if s.slug == slug)
    return jsonify(review=slug, today=found.today, week=found.week, total=found.total,
                   by_stakeholder_group=dict(found.by_group), flagged=len(found.flagged))  # fmt: skip


@bp.get("/reviews/<slug>/report")
@authenticated
def report(slug: str) -> ResponseReturnValue:
    _require_review(slug)
    fmt, locale = request.args.get("format", "html"), request.args.get("locale", "en")
    if fmt not in FORMATS or locale not in LOCALES:
        raise ApiError(400, "bad_request", "format: html, md, csv, xlsx or docx; locale: one of the seven.")
    body = render_report(build_report(runtime_of(current_app).engine, review_slug=slug), fmt, locale)
    _audit("report.downloaded", review=slug, format=fmt)
    return Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="gcm-{slug}-report.{fmt}"'})  # fmt: skip


@bp.get("/exports/submissions")
@authenticated
def export_submissions() -> ResponseReturnValue:
    """Streamed: rows leave as they are read, whatever the size of the store."""
    fmt, locale = request.args.get("format", "csv"), request.args.get("locale", "en")
    if fmt not in WRITERS or locale not in LOCALES:
        raise ApiError(400, "bad_request", "format: csv, xlsx or jsonl; locale: one of the seven.")
    reviews = _scope(request.args.get("review"))
    engine = runtime_of(current_app).engine
    _audit("inputs.exported", reviews=reviews, format=fmt)
    rows = (row for slug in reviews for row in iter_rows(engine, ExportFilter(review=slug), locale))
    headers = {"Content-Disposition": f'attachment; filename="gcm-inputs.{fmt}"'}
    if fmt == "xlsx":  # a zip container: built in a temporary file, then sent
        import tempfile

        spool = tempfile.TemporaryFile()
        WRITERS[fmt](rows, spool, locale, lambda n: None)
        spool.seek(0)
        return Response(_chunks(spool), mimetype=MEDIA_TYPES[fmt], headers=headers)
    return Response(stream_with_context(STREAMS[fmt](rows, locale)), mimetype=MEDIA_TYPES[fmt], headers=headers)


def _chunks(spool: Any) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(64 * 1024):
            yield chunk


@bp.get("/pledges")
@authenticated
def pledges() -> ResponseReturnValue:
    reviews = _scope(request.args.get("review"))
    with read_session(runtime_of(current_app).engine) as session:
        rows = session.exec(select(Pledge).where(col(Pledge.review_slug).in_(reviews)).order_by(col(Pledge.id)))
        items = [{"receipt": p.receipt, "review": p.review_slug, "organisation": p.organisation, "title": p.title,
                  "text": p.text, "objectives": p.objectives, "created_at": p.created_at.isoformat()} for p in rows]  # fmt: skip
    return jsonify(items=items)


@bp.get("/practices")
@authenticated
def practices() -> ResponseReturnValue:
    reviews = _scope(request.args.get("review"))
    with read_session(runtime_of(current_app).engine) as session:
        rows = session.exec(select(Practice).where(col(Practice.review_slug).in_(reviews)).order_by(col(Practice.id)))
        items = [{"receipt": p.receipt, "review": p.review_slug, "title": p.title, "description": p.description,
                  "objectives": p.objectives, "countries": p.countries, "partners": p.partners, "link": p.link,
                  "created_at": p.created_at.isoformat()} for p in rows]  # fmt: skip
    return jsonify(items=items)


@bp.get("/registrations")
@authenticated
def registrations() -> ResponseReturnValue:
    """Names and needs are decrypted for organisers of the review; the read is audited."""
    reviews = _scope(request.args.get("review"))
    runtime = runtime_of(current_app)
    with read_session(runtime.engine) as session:
        rows = session.exec(select(Registration).where(col(Registration.review_slug).in_(reviews))
                            .order_by(col(Registration.id))).all()  # fmt: skip
    items = [{
        "receipt": r.receipt, "review": r.review_slug,
        "name": runtime.keys.decrypt(r.name, context="registration.name"),
        "organisation": r.organisation, "stakeholder_group": r.stakeholder_group, "country": r.country,
        "attendance_mode": r.attendance_mode, "travel_support": r.travel_support, "travel_reason": r.travel_reason,
        "accessibility_needs": runtime.keys.decrypt(r.accessibility_needs, context="registration.accessibility_needs")
        if r.accessibility_needs else None,
        "created_at": r.created_at.isoformat(),
    } for r in rows]  # fmt: skip
    _audit("registrations.read", reviews=reviews, count=len(items))
    return jsonify(items=items)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "bad_request", f"{name} must be a number from {low} to {high}.")
    return int(raw)


def _datetime_arg(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "since must be an ISO 8601 date or time.") from None


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _cursor(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        prefix, _, value = decoded.partition(":")
        if prefix != "id" or not value.isdigit():
            raise ValueError
        return int(value)
    except ValueError:
        raise ApiError(400, "bad_request", "Unknown cursor.") from None
