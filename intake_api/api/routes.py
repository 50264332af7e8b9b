"""The staff JSON API, /api/v1: bearer tokens, the authorization policy, audited reads of personal data.

Every operation decides who may do what with ``intake_api.policies.authorization`` and
nothing else; every parameter and body is parsed as the OpenAPI document declares it
(``parameters``, ``validation``) before the store is touched; every write is one
transaction, so a request answered 4xx or 5xx has changed nothing.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue, RouteCallable

from intake_api.api import parameters, schemas
from intake_api.api.errors import ApiError, init_blueprint
from intake_api.api.openapi import openapi_document
from intake_api.api.validation import check, json_object
from intake_api.exports import STREAMS, WRITERS, ExportFilter, iter_records, iter_rows
from intake_api.i18n import LOCALES, gettext, negotiate_accept_language
from intake_api.participation import GROUPS as STATS_GROUPS
from intake_api.policies.authorization import Action, NotAllowed, may, reviews_for
from intake_api.publishing import NO_CONSENT_TO_PUBLISH, NoConsentToPublish
from intake_api.record_kinds import KINDS, ApiCollection, input_json, kind_named, kind_of_receipt
from intake_api.reports import build_report, render_report
from intake_api.runtime import runtime_of
from intake_api.service import IdempotencyConflict, InvalidAnswers
from intake_api.staff import staff_for_token
from intake_api.stats import AGES as STATS_AGES
from intake_api.stats import review_stats
from models.reference import REVIEW_SLUGS, minor_age_groups
from models.staff import StaffMember

bp = Blueprint("api", __name__, url_prefix="/api/v1")
init_blueprint(bp)

_NOT_YOURS = "No such record, or not in your reviews."


def authenticated(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Bearer token of active staff required: 401 without one, or with an unknown or revoked one."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        staff = (
            staff_for_token(runtime_of(current_app).engine, token.strip())
            if scheme.lower() == "bearer"
            else None
        )
        if staff is None:
            raise ApiError(401, "unauthorized", "A valid bearer token is required.")
        g.staff = staff
        return view(*args, **kwargs)

    return wrapper


def _staff() -> StaffMember:
    staff: StaffMember = g.staff
    return staff


def _review(slug: str, action: Action) -> str:
    """A review named in the path or a filter, if the caller may do ``action`` there (403 otherwise)."""
    if slug not in REVIEW_SLUGS:
        raise ApiError(404, "not_found", "No such regional review.")
    if not may(_staff(), action, slug):
        raise ApiError(403, "forbidden", "Your role does not cover this regional review.")
    return slug


def _scope(action: Action) -> tuple[list[str], bool]:
    """The reviews a listing covers (the one asked for, or all the caller's) and whether records
    outside any review (pledges and practices may have none) are included: administrators only."""
    requested = parameters.choice("review", REVIEW_SLUGS)
    if requested is not None:
        return [_review(requested, action)], False
    return reviews_for(_staff(), action), may(_staff(), action, None)


def _audit(action: str, **detail: Any) -> None:
    runtime_of(current_app).privacy.record_access(
        actor=f"staff:{_staff().id}", action=action, subject_type="api", detail=detail
    )


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(_minors()))


def _contact_rule(body: dict[str, Any]) -> dict[str, str]:
    """The service's words, in the body's language, for a contact address its age group refuses."""
    age_group, locale = body.get("age_group"), body.get("locale")
    if not body.get("contact_email") or not (age_group is None or isinstance(age_group, str)):
        return {}
    refused = runtime_of(current_app).service.contact_refused(
        age_group, locale if locale in LOCALES else "en"
    )
    return {refused.field: refused.message}


def _minors() -> frozenset[str]:
    return minor_age_groups(runtime_of(current_app).settings.digital_consent_age)


@bp.get("/submissions")
@authenticated
def list_submissions() -> ResponseReturnValue:
    """Keyset pagination on the id: stable while new inputs arrive or old ones are erased."""
    reviews, _ = _scope(Action.READ_INPUTS)
    status = parameters.choice("status", schemas.ALL_STATUSES)
    since, limit, after = parameters.since(), parameters.page_size(), parameters.cursor()
    rows = runtime_of(current_app).moderation.list_inputs(
        reviews=reviews, after_id=after, limit=limit + 1, status=status, since=since
    )
    page = rows[:limit]
    _audit("inputs.listed", reviews=reviews, count=len(page))
    next_cursor = parameters.encode_cursor(page[-1].id) if len(rows) > limit else None
    return jsonify(items=[input_json(view) for view in page], next_cursor=next_cursor)


@bp.get("/submissions/<receipt>")
@authenticated
def get_submission(receipt: str) -> ResponseReturnValue:
    view = runtime_of(current_app).moderation.find_input(
        receipt=parameters.receipt(receipt, inputs_only=True)
    )
    if view is None or not may(_staff(), Action.READ_INPUTS, view.review_slug):
        raise ApiError(404, "not_found", _NOT_YOURS)
    _audit("input.read", receipt=receipt)
    return jsonify(input_json(view))


@bp.patch("/submissions/<receipt>")
@authenticated
def update_submission(receipt: str) -> ResponseReturnValue:
    """Change the status, add objective tags and/or set the theme (confirming the suggested one, or
    another): the whole request is checked, then applied at once."""
    receipt = parameters.receipt(receipt, inputs_only=True)
    body = check(json_object(), schemas.INPUT_UPDATE)
    try:
        view = runtime_of(current_app).moderation.update_input(
            receipt=receipt,
            actor=_staff(),
            status=body.get("status"),
            objectives=_integers(body.get("objectives")),
            theme=body.get("theme"),
        )
    except NotAllowed:
        raise ApiError(404, "not_found", _NOT_YOURS) from None
    return jsonify(input_json(view))


def _integers(values: list[Any] | None) -> list[int] | None:
    """Objective numbers the schema admitted (JSON Schema's integers include 3.0) as ints."""
    return None if values is None else [int(n) for n in values]


@bp.delete("/submissions/<receipt>")
@authenticated
def erase_submission(receipt: str) -> ResponseReturnValue:
    """Erasure on the author's request, by receipt of any record: administrators only, audited."""
    if not may(_staff(), Action.ERASE, None):
        raise ApiError(403, "forbidden", "Only administrators can erase records.")
    erased = runtime_of(current_app).privacy.erase_record(
        receipt=parameters.receipt(receipt), actor=f"staff:{_staff().id}"
    )
    if not erased:
        raise ApiError(404, "not_found", "Nothing is stored under this receipt.")
    return "", 204


@bp.post("/submissions/<receipt>/consents")
@authenticated
def withdraw_submission_consent(receipt: str) -> ResponseReturnValue:
    """A consent withdrawn on the contributor's behalf; takes effect in every later report."""
    receipt = parameters.receipt(receipt)
    body = check(json_object(), schemas.CONSENT_WITHDRAWAL)
    runtime = runtime_of(current_app)
    if not may(_staff(), Action.WITHDRAW_CONSENT, runtime.privacy.review_of(receipt=receipt)):
        raise ApiError(404, "not_found", _NOT_YOURS)  # also when there is no such record
    actor = f"staff:{_staff().id}"
    if not runtime.consent.withdraw(
        receipt=receipt, consent=body["consent"], channel="api", actor=actor
    ):
        raise ApiError(404, "not_found", _NOT_YOURS)
    return jsonify(receipt=receipt, consent=body["consent"], granted=False)


@bp.post("/submissions")
@authenticated
def create_submission() -> ResponseReturnValue:
    """For partner integrations: the Idempotency-Key makes a retried POST store once.

    The same key with other answers is refused (422), as the IETF idempotency-key draft asks.
    """
    key = parameters.idempotency_key()
    runtime = runtime_of(current_app)
    sent = json_object()
    body = check(sent, schemas.new_input(_minors()), rules=_contact_rule(sent))
    # JSON Schema's integers include 19.0: the schema checked the value, int() keeps it.
    answers = {**body, "objectives": [str(int(n)) for n in body.get("objectives", [])]}
    locale = answers.pop("locale", "en")
    try:
        receipt = runtime.service.submit_input(
            answers,
            channel="api",
            message_id=f"key:{_staff().id}:{key}",
            locale=locale,
            staff=_staff(),
        )
    except InvalidAnswers as refused:
        raise ApiError(
            422, "invalid", "Some answers were refused.", errors=refused.by_field()
        ) from None
    except NotAllowed:
        raise ApiError(403, "forbidden", "Your role does not cover this regional review.") from None
    except IdempotencyConflict:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used before with other answers; use a new key for a new input.",
        ) from None
    return jsonify(
        receipt=receipt.code, duplicate=receipt.duplicate
    ), 200 if receipt.duplicate else 201


@bp.get("/reviews/<slug>/stats")
@authenticated
def stats(slug: str) -> ResponseReturnValue:
    """Counts as App Home shows them (``stats_disclosure``): each a Count object."""
    _review(slug, Action.READ_INPUTS)
    counts = next(s for s in review_stats(runtime_of(current_app).engine) if s.slug == slug).counts
    return jsonify(
        review=slug,
        **{name: counts[name].as_json() for name in ("today", "week", "total", "flagged")},
        by_stakeholder_group={g: counts[("group", g)].as_json() for g in STATS_GROUPS},
        by_age_group={a: counts[("age", a)].as_json() for a in STATS_AGES},
    )


@bp.get("/reviews/<slug>/report")
@authenticated
def report(slug: str) -> ResponseReturnValue:
    _review(slug, Action.READ_INPUTS)
    fmt = parameters.choice("format", schemas.REPORT_FORMATS, "html") or "html"
    locale = parameters.choice("locale", schemas.LOCALE["enum"], "en") or "en"
    runtime = runtime_of(current_app)
    data = build_report(
        runtime.engine, review_slug=slug, consent_age=runtime.settings.digital_consent_age
    )
    body = render_report(data, fmt, locale)
    _audit("report.downloaded", review=slug, format=fmt)
    return Response(
        body,
        headers={
            "Content-Type": schemas.MEDIA_TYPES[fmt],
            "Content-Disposition": f'attachment; filename="gcm-{slug}-report.{fmt}"',
        },
    )


@bp.get("/exports/submissions")
@authenticated
def export_submissions() -> ResponseReturnValue:
    """Streamed: rows leave as they are read, whatever the size of the store."""
    reviews, _ = _scope(Action.READ_INPUTS)
    fmt = parameters.choice("format", schemas.EXPORT_FORMATS, "csv") or "csv"
    locale = parameters.choice("locale", schemas.LOCALE["enum"], "en") or "en"
    engine = runtime_of(current_app).engine
    _audit("inputs.exported", reviews=reviews, format=fmt)
    rows = (row for slug in reviews for row in iter_rows(engine, ExportFilter(review=slug), locale))
    headers = {
        "Content-Type": schemas.MEDIA_TYPES[fmt],
        "Content-Disposition": f'attachment; filename="gcm-inputs.{fmt}"',
    }
    if fmt == "xlsx":  # a zip container: built in a temporary file, then sent
        spool = tempfile.TemporaryFile()
        WRITERS[fmt](rows, spool, locale, lambda n: None)
        spool.seek(0)
        return Response(_chunks(spool), headers=headers)
    return Response(stream_with_context(STREAMS[fmt](rows, locale)), headers=headers)


def _chunks(spool: Any) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(64 * 1024):
            yield chunk


@bp.record
def _kind_routes(state: BlueprintSetupState) -> None:
    """Every declared kind with an API collection: its listing, and its creation and its items'
    publication where declared."""
    for kind in KINDS.values():
        if kind.api is None:
            continue
        listing, create = _collection_views(kind.name, kind.api.endpoint)
        state.add_url_rule(kind.api.path, kind.api.endpoint, listing, methods=["GET"])
        if kind.api.new_schema is not None:
            state.add_url_rule(
                kind.api.path, f"create_{kind.api.endpoint}", create, methods=["POST"]
            )
        if kind.api.update_operation_id is not None:
            state.add_url_rule(
                f"{kind.api.path}/<receipt>",
                f"update_{kind.api.endpoint}",
                _item_view(kind.name, kind.api.endpoint),
                methods=["PATCH"],
            )


@functools.cache
def _collection_views(name: str, endpoint: str) -> tuple[RouteCallable, RouteCallable]:
    """The collection's two views, made once per kind: views are known to the app by their names."""

    def listing() -> ResponseReturnValue:
        api = _collection(name)
        reviews, unassigned = _scope(api.read)
        runtime = runtime_of(current_app)
        items = list(
            iter_records(
                runtime.engine,
                runtime.keys,
                kind_named(name),
                reviews=reviews,
                unassigned=unassigned and api.unassigned,
            )
        )
        if api.audit:
            _audit(api.audit, reviews=reviews, count=len(items))
        return jsonify(items=items)

    def create() -> ResponseReturnValue:
        """For partner integrations, as ``create_submission``: the Idempotency-Key stores once."""
        key = parameters.idempotency_key()
        answers = _as_answers(check(json_object(), dict(_collection(name).new_schema or {})))
        locale = answers.pop("locale", "en")
        try:
            receipt = runtime_of(current_app).service.submit(
                name,
                answers,
                channel="api",
                message_id=f"key:{_staff().id}:{key}",
                locale=locale,
                staff=_staff(),
            )
        except InvalidAnswers as refused:
            raise ApiError(
                422, "invalid", "Some answers were refused.", errors=refused.by_field()
            ) from None
        except NotAllowed:
            raise ApiError(
                403, "forbidden", "Your role does not cover this regional review."
            ) from None
        except IdempotencyConflict:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used before with other answers; use a new key.",
            ) from None
        return jsonify(
            receipt=receipt.code, duplicate=receipt.duplicate
        ), 200 if receipt.duplicate else 201

    listing.__name__ = listing.__qualname__ = endpoint
    create.__name__ = create.__qualname__ = f"create_{endpoint}"
    return authenticated(listing), authenticated(create)


def _as_answers(body: dict[str, Any]) -> dict[str, Any]:
    """A checked body as the questionnaire reads answers: numbered choices (objectives) as the
    text of the number (JSON Schema's integers include 19.0: the schema checked the value)."""
    return {
        key: [
            str(int(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for v in value
        ]
        if isinstance(value, list)
        else value
        for key, value in body.items()
    }


@functools.cache
def _item_view(name: str, endpoint: str) -> RouteCallable:
    """``PATCH`` of one item of the collection: ``{"published": true|false}``."""

    def update(receipt: str) -> ResponseReturnValue:
        """Publish the item on the Hub or take it down (``Publishing``), as the body says;
        409 when its author did not agree to publication. Answers the item as listed."""
        kind = kind_named(name)
        receipt = parameters.receipt(receipt)
        if kind_of_receipt(receipt) is not kind:
            raise ApiError(404, "not_found", _NOT_YOURS)
        body = check(json_object(), schemas.PUBLICATION_UPDATE)
        runtime = runtime_of(current_app)
        try:
            publication = runtime.publishing.set_published(
                receipt=receipt, actor=_staff(), channel="api", published=body["published"]
            )
        except NotAllowed:
            raise ApiError(404, "not_found", _NOT_YOURS) from None
        except NoConsentToPublish:
            locale = body.get("locale") or negotiate_accept_language(
                request.headers.get("Accept-Language")
            )
            raise ApiError(
                409, "no_consent_to_publish", gettext(locale, NO_CONSENT_TO_PUBLISH)
            ) from None
        assert publication.item is not None
        return jsonify(kind.serialise(publication.item, runtime.keys))

    update.__name__ = update.__qualname__ = f"update_{endpoint}"
    return authenticated(update)


def _collection(name: str) -> ApiCollection:
    api = kind_named(name).api
    assert api is not None
    return api
