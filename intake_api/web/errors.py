"""Translated error pages that never show a traceback, and a form kept on an expired token."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from intake_api.web.locale import request_locale
from models.reference import N_

_MESSAGES = {
    400: (N_("Something in the request was not right"), N_("Please go back and try again.")),
    403: (N_("This page is not open to you"), N_("If you think this is a mistake, please contact the organisers.")),
    404: (N_("Page not found"), N_("The address may be mistyped, or the page may have moved.")),
    405: (N_("This page cannot be used that way"), N_("Please go back and use the form on the page.")),
    413: (N_("What you sent is too large"), N_("Please shorten your answers and send them again.")),
    429: (N_("Too many attempts"), N_("Please wait a minute, then try again.")),
    500: (N_("Something went wrong on our side"), N_("Your answers were not lost if you saw a receipt code. Please try again in a few minutes.")),
}  # fmt: skip


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _expired_form)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_page(status: int) -> ResponseReturnValue:
    g.locale = request_locale()
    title, advice = _MESSAGES.get(status, _MESSAGES[400 if status < 500 else 500])
    return render_template("error.html", status=status, title=title, advice=advice), status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    return error_page(error.code or 500)


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    # Flask has logged the exception already; the reader gets a polite page.
    if isinstance(error, HTTPException):
        return _http_error(error)
    return error_page(InternalServerError.code)


def _expired_form(_error: CSRFError) -> ResponseReturnValue:
    """Re-show the form with what was typed, instead of losing it to an expired token."""
    from intake_api.web.forms import PAGES_BY_ENDPOINT, form_answers, render_form

    page = PAGES_BY_ENDPOINT.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return error_page(400)
    g.locale = request_locale()
    fixed = {"review": (request.view_args or {}).get("slug", "")} if page.hidden else {}
    answers = {**form_answers(page.questionnaire, request.form), **fixed}
    return render_form(
        page, answers=answers, status=400,
        form_error=N_("Your session expired before the form was sent. Nothing was lost: please check your answers and send them again."),
    )  # fmt: skip
