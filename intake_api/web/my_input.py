"""A contributor's own record on the web: see it, stop quotes or publication, drop the e-mail, erase it.

The receipt code and the access code given with it are the only key: there
are no accounts. Both are sent with every action (nothing is kept in the
session), a wrong pair is told apart from nothing, and tries are rate-limited.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from intake_api.policies.methods import changes_state
from intake_api.privacy import RecordView
from intake_api.runtime import runtime_of
from intake_api.web.security import guard_state_changes, no_store
from models.reference import N_

bp = Blueprint("my_input", __name__)
TRY_LIMIT = "10 per minute; 40 per hour"

NOT_FOUND = N_("We found nothing with this receipt code and access code. Please check both codes.")
DONE = {
    "stop_quote": N_("Done. We will not quote this input in any report or digest."),
    "forget_contact": N_("Done. Your e-mail address is deleted."),
    "stop_publish": N_(
        "Done. It will not be shown on the Migration Network Hub, and is taken off it if it was there."
    ),
    "erase": N_(
        "Done. What you sent is erased. Counts in reports already published stay as they are."
    ),
}


@bp.route("/<locale>/my-input", methods=["GET", "POST"])
@guard_state_changes(TRY_LIMIT)
def my_input() -> ResponseReturnValue:
    """The codes form (GET, HEAD); each POST tries one receipt and access code, and may act."""
    if not changes_state(request.method):
        return _page(status=200)
    receipt, code = _typed_codes()
    action = request.form.get("action", "open")
    runtime = runtime_of(current_app)
    record = runtime.privacy.open_record(receipt=receipt, access_code=code)
    if record is None:
        return _page(receipt=receipt, code=code, error=NOT_FOUND, status=404)
    if action == "erase":
        return _page(record=record, code=code, confirm_erase=True, status=200)
    if action == "erase_confirmed":
        runtime.privacy.erase_record(receipt=record.receipt, actor="contributor:web")
        return _page(done=DONE["erase"], status=200)
    if action == "stop_quote":
        runtime.consent.withdraw(
            receipt=record.receipt, consent="quote", channel="web", actor="contributor:web"
        )
    elif action == "forget_contact":
        runtime.consent.withdraw(
            receipt=record.receipt, consent="contact", channel="web", actor="contributor:web"
        )
    elif action == "stop_publish":
        runtime.consent.withdraw(
            receipt=record.receipt, consent="publish", channel="web", actor="contributor:web"
        )
    else:
        return _page(record=record, code=code, status=200)
    fresh = runtime.privacy.open_record(receipt=record.receipt, access_code=code)
    return _page(record=fresh, code=code, done=DONE[action], status=200)


def typed_again(message: str, status: int) -> ResponseReturnValue:
    """The codes form with the codes as typed and ``message``: an action that could not be done."""
    receipt, code = _typed_codes()
    return _page(receipt=receipt, code=code, error=message, status=status)


def _typed_codes() -> tuple[str, str]:
    return request.form.get("receipt", "").strip()[:32], request.form.get(
        "access_code", ""
    ).strip()[:32]


def _page(
    *,
    status: int,
    record: RecordView | None = None,
    receipt: str = "",
    code: str = "",
    error: str | None = None,
    done: str | None = None,
    confirm_erase: bool = False,
) -> ResponseReturnValue:
    body = render_template(
        "my_input.html",
        record=record,
        receipt=record.receipt if record else receipt,
        code=code,
        error=error,
        done=done,
        confirm_erase=confirm_erase,
    )
    return no_store((body, status))
