"""The bare baselines: Flask routes doing a job plainly, under the same gunicorn as the app.

``gunicorn 'bench.bare:app'``: ``/healthz`` and ``/bare`` answer 200; ``POST /bare/json``
parses a JSON body and answers 200 (B4's baseline).

B1's baseline is the input form's job done plainly: ``GET /bare/form`` gives a CSRF token
and its session cookie; ``POST /bare/form`` parses the form, checks the token (Flask-WTF's
own check, as the app's), validates the answers with hand-written rules equal to the input
questionnaire's, inserts one input in one transaction into the store named by
``BARE_DATABASE_URL`` (the benchmark's own, with the same engine settings), and redirects
(303) to a receipt. What it leaves out is what the service adds: consent records, the audit
entry, objectives and their suggestions, language analysis, encryption, pseudonyms.
"""

from __future__ import annotations

import os
import re
import secrets
from functools import cache
from typing import Any

from flask import Flask, abort, jsonify, redirect, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import Engine, text
from wtforms.validators import ValidationError

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ.get("BARE_SECRET_KEY", "bare-secret-key"))

TEXT_MIN, TEXT_MAX = 10, 5_000  # intake_api.questionnaire's, written out
MAX_OBJECTIVES = 5
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@app.get("/healthz")
@app.route("/bare", methods=["GET", "POST"])
def bare() -> tuple[str, int]:
    return "ok", 200


@app.post("/bare/json")
def bare_json():  # type: ignore[no-untyped-def]
    payload = request.get_json(silent=True)
    return jsonify(ok=isinstance(payload, dict))


@app.get("/bare/form")
def bare_form_page() -> str:
    """The token in a hidden field, as the real form's page has it."""
    return f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'


@app.post("/bare/form")
def bare_form():  # type: ignore[no-untyped-def]
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)
    answers, errors = _validated(request.form)
    if errors:
        return jsonify(errors=errors), 400
    code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
    receipt = f"IN-{code[:4]}-{code[4:]}"
    with _engine().begin() as connection:
        connection.execute(_INSERT, {**answers, "receipt": receipt})
    return redirect(f"/bare/receipt/{receipt}", code=303)


def _validated(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The input questionnaire's rules, by hand: required text and review, choices from the
    reference lists, up to five objectives, a plausible e-mail address, storage consent."""
    from models.reference import (
        AGE_GROUPS,
        COUNTRY_CODES,
        GENDERS,
        REVIEW_SLUGS,
        STAKEHOLDER_GROUPS,
        THEMES,
    )

    errors: dict[str, str] = {}
    words = form.get("text", "").strip()
    if not TEXT_MIN <= len(words) <= TEXT_MAX:
        errors["text"] = "length"
    review = form.get("review", "")
    if review not in REVIEW_SLUGS:
        errors["review"] = "choice"
    chosen: dict[str, str | None] = {}
    for key, allowed in (
        ("theme", THEMES),
        ("stakeholder_group", STAKEHOLDER_GROUPS),
        ("age_group", AGE_GROUPS),
        ("gender", GENDERS),
        ("country", COUNTRY_CODES),
    ):
        value = form.get(key) or None
        if value is not None and value not in allowed:
            errors[key] = "choice"
        chosen[key] = value
    objectives = form.getlist("objectives")
    if len(objectives) > MAX_OBJECTIVES or not all(
        o.isdigit() and 1 <= int(o) <= 23 for o in objectives
    ):
        errors["objectives"] = "choice"
    email = form.get("contact_email", "").strip()
    if email and not _EMAIL.match(email):
        errors["contact_email"] = "email"
    if form.get("consent_store") != "on":
        errors["consent_store"] = "required"
    key = form.get("submission_key", "")
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        errors["submission_key"] = "format"
    answers = {
        **chosen,
        "text": words,
        "review": review,
        "key": key,
        "quote": form.get("consent_quote") == "on",
    }
    return answers, errors


_INSERT = text(
    "INSERT INTO submission (receipt, channel, channel_message_id, locale, consent_store,"
    " consent_version, review_slug, stakeholder_group, age_group, gender, country, theme,"
    " text, consent_quote, status, created_at, updated_at)"
    " VALUES (:receipt, 'web', :key, 'en', true, 'bare', :review, :stakeholder_group,"
    " :age_group, :gender, :country, :theme, :text, :quote, 'new',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


@cache
def _engine() -> Engine:
    from models.db import make_engine

    return make_engine(os.environ["BARE_DATABASE_URL"])
