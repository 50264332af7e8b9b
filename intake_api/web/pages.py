"""Public pages: the language choice and each locale's landing page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request
from flask.typing import ResponseReturnValue

from intake_api import runtime_of
from intake_api.i18n import LOCALES, negotiate_accept_language
from models.reference import MEETING_FORMATS

bp = Blueprint("pages", __name__)


@bp.url_value_preprocessor
def _pull_locale(_endpoint: str | None, values: dict | None) -> None:
    locale = (values or {}).pop("locale", None)
    if locale is not None:
        if locale not in LOCALES:
            abort(404)
        g.locale = locale
    else:
        g.locale = negotiate_accept_language(request.headers.get("Accept-Language"))


@bp.url_defaults
def _add_locale(endpoint: str, values: dict) -> None:
    if "locale" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = g.locale


@bp.get("/")
def choose_language() -> ResponseReturnValue:
    """Every language named in itself; the browser's preferred one comes first."""
    ordered = [g.locale, *(loc for loc in LOCALES if loc != g.locale)]
    return render_template("choose_language.html", ordered_locales=ordered)


@bp.get("/<locale>/")
def home() -> ResponseReturnValue:
    """The five regional reviews with their windows for inputs and consultation dates."""
    reviews = runtime_of(current_app).service.reviews()
    return render_template("home.html", reviews=reviews, meeting_formats=MEETING_FORMATS)
