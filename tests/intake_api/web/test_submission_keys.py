"""The form's submission key is bound to the browser session that got the form."""

from __future__ import annotations

import re

from tests.conftest import count_rows
from tests.factories import input_answers
from tests.web_helpers import hidden_fields

ACCESS = re.compile(r'class="access-code">([A-Z2-7-]+)<')
VICTIM_TEXT = "I work without papers on a farm near the border and my employer keeps my passport."


def test_a_key_planted_by_someone_else_never_leads_them_to_your_input(app, engine):
    """The attack: a page of the attacker's posts a form with key K into the victim's browser;
    the victim fills it in and sends it with K; the attacker then sends K from their own browser.
    They must get a receipt of their own, not the victim's receipt and access code."""
    victim, attacker = app.test_client(), app.test_client()
    planted = "ab" * 16
    page = victim.post("/en/inputs/new", data={"submission_key": planted}).get_data(as_text=True)
    assert (
        hidden_fields(page)["submission_key"] == planted
    )  # the key survives into the victim's form
    sent = victim.post(
        "/en/inputs/new", data={**hidden_fields(page), **input_answers(text=VICTIM_TEXT)}
    )
    assert sent.status_code == 303
    victim_receipt_page = victim.get(sent.headers["Location"]).get_data(as_text=True)
    victim_code = ACCESS.search(victim_receipt_page).group(1)

    form = attacker.get("/en/inputs/new").get_data(as_text=True)
    replay = attacker.post(
        "/en/inputs/new", data={**hidden_fields(form), **input_answers(), "submission_key": planted}
    )
    assert replay.status_code == 303
    assert replay.headers["Location"] != sent.headers["Location"]
    assert count_rows(engine, "submission") == 2  # the attacker's answers are an input of their own
    seen_by_attacker = attacker.get(sent.headers["Location"]).get_data(as_text=True)
    assert victim_code not in seen_by_attacker and not ACCESS.search(seen_by_attacker)
    own = attacker.get(replay.headers["Location"]).get_data(as_text=True)
    assert VICTIM_TEXT not in own and victim_code not in own


def test_a_double_click_still_stores_once(client, engine):
    page = client.get("/en/inputs/new").get_data(as_text=True)
    data = {**hidden_fields(page), **input_answers()}
    first, second = (
        client.post("/en/inputs/new", data=data),
        client.post("/en/inputs/new", data=data),
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(engine, "submission") == 1


def test_two_clicks_racing_the_first_answer_share_the_session_secret(app, engine):
    """The second click leaves before the first answer's cookie arrives: the session's secret
    must already be in the cookie the form page set."""
    client = app.test_client()
    page = client.get("/en/inputs/new").get_data(as_text=True)
    cookie = client.get_cookie("session")
    data = {**hidden_fields(page), **input_answers()}
    first = client.post("/en/inputs/new", data=data)
    client.set_cookie("session", cookie.value)  # as it was when both clicks left
    second = client.post("/en/inputs/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(engine, "submission") == 1


def test_the_same_key_from_two_sessions_is_two_submissions(app, engine):
    key = "cd" * 16
    for _ in range(2):
        browser = app.test_client()
        page = browser.get("/en/inputs/new").get_data(as_text=True)
        assert (
            browser.post(
                "/en/inputs/new",
                data={**hidden_fields(page), **input_answers(), "submission_key": key},
            ).status_code
            == 303
        )
    assert count_rows(engine, "submission") == 2
