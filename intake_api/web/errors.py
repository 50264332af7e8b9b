"""Errors in the caller's format, each with the request id that finds its log line.

People get translated HTML pages that never show a traceback; the JSON API and the
chat webhooks get JSON (``policies.requests.answers_in_json``). A 405 says what is
allowed (``Allow``). An unexpected exception is logged once, with the request id, the
route pattern and the code's frames but not the exception's message (it may quote
what a person sent), and the caller is shown the id. A store that is unavailable
(``policies.availability``) is a 503 with ``Retry-After``, logged once as a warning.
A form whose CSRF token expired, or that could not be stored, is shown again with
everything typed. Every 5xx is counted (``failures``).
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from intake_api import failures
from intake_api.policies.availability import (
    NOT_STORED_ADVICE,
    NOT_STORED_FORM,
    NOT_STORED_TITLE,
    retry_after_headers,
    store_unavailable,
)
from intake_api.policies.methods import changes_state
from intake_api.policies.requests import (
    REQUEST_ID_HEADER,
    answers_in_json,
    count_store_unavailable,
    request_id,
    store_unavailable_json,
)
from intake_api.web.locale import request_locale
from models.reference import N_

log = logging.getLogger(__name__)

_MESSAGES = {
    400: (N_("Something in the request was not right"), N_("Please go back and try again.")),
    403: (
        N_("This page is not open to you"),
        N_("If you think this is a mistake, please contact the organisers."),
    ),
    404: (N_("Page not found"), N_("The address may be mistyped, or the page may have moved.")),
    405: (
        N_("This page cannot be used that way"),
        N_("Please go back and use the form on the page."),
    ),
    413: (N_("What you sent is too large"), N_("Please shorten your answers and send them again.")),
    429: (N_("Too many attempts"), N_("Please wait a minute, then try again.")),
    500: (
        N_("Something went wrong on our side"),
        N_(
            "Your answers were not lost if you saw a receipt code. Please try again in a few minutes."
        ),
    ),
    503: (NOT_STORED_TITLE, NOT_STORED_ADVICE),
}
_JSON_500 = "Something went wrong on our side. Please try again later; quote the request_id if you report it."


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _expired_form)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_send_request_id)


def error_page(status: int) -> ResponseReturnValue:
    g.locale = request_locale()
    title, advice = _MESSAGES.get(status, _MESSAGES[400 if status < 500 else 500])
    page = render_template(
        "error.html", status=status, title=title, advice=advice, request_id=request_id()
    )
    return page, status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if status >= 500:
        failures.server_error(_rule(), status, error)
    if answers_in_json(request.path):
        name = (error.name or "error").lower().replace(" ", "_")
        message = _JSON_500 if status >= 500 else error.description
        response = jsonify(error=name, message=message, request_id=request_id())
        response.status_code = status
    else:
        response = make_response(error_page(status))
    for header, value in error.get_headers():  # Allow on a 405, Retry-After, WWW-Authenticate
        if header.lower() != "content-type":
            response.headers[header] = value
    return response


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _http_error(error)
    if store_unavailable(error):
        return store_unavailable_response(error)
    log.error(
        "Unexpected %s on %s %s, request %s; the caller got a 500\n%s",
        failures.cause_of(error),
        request.method,
        _rule(),
        request_id(),
        "".join(traceback.format_tb(error.__traceback__)),
    )
    failures.server_error(_rule(), 500, error)
    return _http_error(InternalServerError())


def store_unavailable_response(error: BaseException) -> Response:
    """503 with Retry-After: JSON for machines, the form with what was typed for people."""
    if answers_in_json(request.path):
        return store_unavailable_json(error)
    count_store_unavailable(error)
    response = make_response(typed_again(NOT_STORED_FORM, 503) or error_page(503))
    response.headers.update(retry_after_headers())
    return response


def _rule() -> str:
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def _send_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def _expired_form(error: CSRFError) -> ResponseReturnValue:
    """Re-show the form with what was typed, instead of losing it to an expired token."""
    expired = N_(
        "Your session expired before the form was sent. Nothing was lost: please check your answers and send them again."
    )
    return typed_again(expired, 400) or _http_error(error)


def typed_again(message: str, status: int) -> ResponseReturnValue | None:
    """The form that was sent, shown again with everything typed and ``message``; None if no form was sent."""
    from intake_api.web import forms, my_input

    if not changes_state(request.method):
        return None
    g.locale = request_locale()
    if request.endpoint == "my_input.my_input":
        return my_input.typed_again(message, status)
    page = forms.page_of(request.endpoint or "")
    if page is None:
        return None
    fixed = {"review": (request.view_args or {}).get("slug", "")} if page.hidden else {}
    answers = {**forms.form_answers(page.questionnaire, request.form), **fixed}
    return forms.render_form(page, answers=answers, status=status, form_error=message)
