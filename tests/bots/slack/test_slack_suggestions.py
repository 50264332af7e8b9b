"""Staff accept or reject suggested objectives in the Tag objectives modal; the report counts it."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from intake_api.reports import build_report
from models import ObjectiveSuggestion, Submission
from tests.bots.slack.test_slack import _posted_input
from tests.factories import input_answers


def _suggested(engine) -> dict[int, str | None]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {s.objective_number: s.decision for s in session.exec(select(ObjectiveSuggestion))}


def test_accept_and_reject_suggestions(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    with Session(
        engine
    ) as session:  # suggestions as the analysis would store them, in place of its own
        submission = session.exec(select(Submission)).one()
        for own in session.exec(select(ObjectiveSuggestion)):
            session.delete(own)
        session.flush()
        session.add_all(
            [
                ObjectiveSuggestion(
                    submission_id=submission.id,
                    objective_number=n,
                    score=2.0,
                    triggers=["recruitment fees"],
                )
                for n in (6, 20)
            ]
        )
        session.commit()
    slack.block_action("mod_tag", receipt, user="UORG")
    (opened,) = slack_api.sent("views.open")
    suggested = next(b for b in opened["view"]["blocks"] if b["block_id"] == "suggested")
    assert [o["value"] for o in suggested["element"]["options"]] == ["6", "20"]
    assert suggested["element"]["options"][0]["description"]["text"] == "recruitment fees"
    view = {
        **opened["view"],
        "id": "VT",
        "team_id": "T1",
        "state": {
            "values": {
                "objectives": {
                    "objectives": {"type": "multi_static_select", "selected_options": []}
                },
                "suggested": {
                    "suggested": {"type": "checkboxes", "selected_options": [{"value": "6"}]}
                },
            }
        },
    }
    slack.interactive(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "UORG"},
            "api_app_id": "A1",
            "view": view,
        }
    )
    assert _suggested(engine) == {6: "accepted", 20: "rejected"}
    with Session(engine) as session:
        assert (
            6 in session.exec(select(Submission)).one().objectives
        )  # added next to the contributor's
    counts = build_report(
        engine, review_slug="escwa"
    ).counts  # 1 accepted of 2 decided: small counts
    assert (counts["suggestions_accepted"].text, counts["suggestions_decided"].text) == ("<5", "<5")
    metadata = json.loads(opened["view"]["private_metadata"])
    assert metadata["receipt"] == receipt


def test_analysis_is_stored_at_intake(service, engine):
    service.submit_input(
        input_answers(
            "fr", text="Les frais de recrutement sont trop élevés pour les travailleurs migrants."
        ),
        channel="web",
        message_id="a",
        locale="en",
    )
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.language == "fr" and stored.language_confidence >= 0.5
    assert stored.minhash is not None and len(stored.minhash) == 4 * 64
