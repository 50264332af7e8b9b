"""Public pages: the language choice and each locale's landing page."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask.typing import ResponseReturnValue

from intake_api.i18n import LOCALES
from intake_api.runtime import runtime_of
from models.reference import MEETING_FORMATS

bp = Blueprint("pages", __name__)


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
