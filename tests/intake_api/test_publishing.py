"""Publishing pledges and practices on the Hub, and summary reports: every way in, one rule.

The service (``Publishing``), the staff API (PATCH and POST), the command line, the author's
own page (``/<locale>/my-input``) and the demo data, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from intake_api.cli import main
from intake_api.demo import PUBLISHED_REPORTS, load_demo
from intake_api.i18n import gettext
from intake_api.policies.authorization import OPERATOR, NotAllowed
from intake_api.policies.publication import item_is_public
from intake_api.publishing import NO_CONSENT_TO_PUBLISH, NoConsentToPublish, Publishing
from intake_api.staff import add_staff, issue_token
from models import AuditEntry
from models.pledge import Pledge
from models.practice import Practice
from models.review import RegionalReview
from tests.intake_api.snapshots import changes, snapshot
from tests.processes import clean_env
from tests.web_helpers import hidden_fields, submit_form

_ids = itertools.count()


def pledge_answers(review: str | None = "escwa", **overrides: Any) -> dict[str, Any]:
    return {
        "organisation": "Amman city council",
        "stakeholder_group": "local_authority",
        **({"review": review} if review else {}),
        "title": "Safe housing for migrant families",
        "text": "We will open two shelters for migrant families by 2027.",
        "objectives": ["15"],
        "consent_store": "on",
        "consent_publish": "on",
        **overrides,
    }


def practice_answers(review: str | None = "escwa", **overrides: Any) -> dict[str, Any]:
    return {
        "title": "Legal clinic for migrant workers",
        "description": "Volunteer lawyers advise migrant workers every week, for free, "
        "in four languages, since 2019.",
        "objectives": ["7"],
        "countries": ["JO"],
        **({"review": review} if review else {}),
        "consent_store": "on",
        "consent_publish": "on",
        **overrides,
    }


def new_pledge(service, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    return service.submit_pledge(
        pledge_answers(**overrides), channel="web", message_id=f"p{next(_ids)}", locale="en"
    ).code


def new_practice(service, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    return service.submit_practice(
        practice_answers(**overrides), channel="web", message_id=f"r{next(_ids)}", locale="en"
    ).code


def stored(engine, model, receipt: str):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.exec(select(model).where(model.receipt == receipt)).one()


def audit(engine, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def staff(engine):  # type: ignore[no-untyped-def]
    return {
        "admin": add_staff(engine, email="admin@un.example", role="admin", reviews=[]),
        "here": add_staff(engine, email="here@un.example", role="organiser", reviews=["escwa"]),
        "elsewhere": add_staff(
            engine, email="elsewhere@un.example", role="organiser", reviews=["unece"]
        ),
    }


# --- the service ---------------------------------------------------------------------------


def test_publishing_needs_the_authors_consent_and_changes_nothing_without_it(
    engine, service, staff
):
    receipt = new_pledge(service, consent_publish="")
    before = snapshot(engine)
    with pytest.raises(NoConsentToPublish):
        Publishing(engine).publish(receipt=receipt, actor=staff["admin"], channel="api")
    assert changes(before, snapshot(engine)) == {}
    assert not item_is_public(stored(engine, Pledge, receipt))


def test_organisers_publish_in_their_reviews_only(engine, service, staff):
    receipt = new_practice(service)
    with pytest.raises(NotAllowed):
        Publishing(engine).publish(receipt=receipt, actor=staff["elsewhere"], channel="slack")
    assert stored(engine, Practice, receipt).published_at is None
    done = Publishing(engine).publish(receipt=receipt, actor=staff["here"], channel="slack")
    assert done.public and done.kind == "practice" and done.review_slug == "escwa"
    assert item_is_public(stored(engine, Practice, receipt))


def test_an_item_of_no_review_is_published_by_an_administrator_only(engine, service, staff):
    receipt = new_pledge(service, review=None)
    with pytest.raises(NotAllowed):
        Publishing(engine).publish(receipt=receipt, actor=staff["here"], channel="api")
    assert Publishing(engine).publish(receipt=receipt, actor=staff["admin"], channel="api").public


def test_an_input_or_an_unknown_receipt_is_not_publishable(engine, service, staff):
    from tests.factories import input_answers

    receipt = service.submit_input(
        input_answers(), channel="web", message_id="in-1", locale="en"
    ).code
    for code in (receipt, "PL-0000-0000"):
        with pytest.raises(NotAllowed):
            Publishing(engine).publish(receipt=code, actor=staff["admin"], channel="api")


def test_publishing_is_idempotent_and_audited_once_per_change(engine, service, staff):
    receipt = new_pledge(service)
    publishing = Publishing(engine)
    first = publishing.publish(receipt=receipt, actor=staff["here"], channel="slack")
    again = publishing.publish(receipt=receipt, actor=staff["here"], channel="api")
    assert first.published_at == again.published_at is not None
    [entry] = audit(engine, "items.published")
    assert (entry.actor, entry.subject_type, entry.detail) == (
        f"staff:{staff['here'].id}",
        "pledge",
        {"channel": "slack"},
    )
    publishing.unpublish(receipt=receipt, actor=OPERATOR, channel="cli")
    publishing.unpublish(receipt=receipt, actor=OPERATOR, channel="cli")
    [down] = audit(engine, "items.unpublished")
    assert down.actor == "cli"
    assert not item_is_public(stored(engine, Pledge, receipt))


def test_the_authors_withdrawal_takes_the_item_off_the_hub(runtime, engine, service, staff):
    receipt = new_pledge(service)
    Publishing(engine).publish(receipt=receipt, actor=staff["admin"], channel="api")
    assert runtime.consent.withdraw(
        receipt=receipt, consent="publish", channel="web", actor="contributor:web"
    )
    item = stored(engine, Pledge, receipt)
    assert (item.consent_publish, item.published_at) == (False, None)
    with pytest.raises(NoConsentToPublish):
        Publishing(engine).publish(receipt=receipt, actor=staff["admin"], channel="api")


def test_the_summary_report_is_published_and_withdrawn_by_staff_of_its_review(engine, staff):
    publishing = Publishing(engine)
    with pytest.raises(NotAllowed):
        publishing.publish_report(review_slug="escwa", actor=staff["elsewhere"], channel="cli")
    with pytest.raises(NotAllowed):
        publishing.publish_report(review_slug="mars", actor=staff["admin"], channel="cli")
    when = publishing.publish_report(review_slug="escwa", actor=staff["here"], channel="api")
    assert when is not None
    assert publishing.publish_report(review_slug="escwa", actor=OPERATOR, channel="cli") == when
    with Session(engine) as session:
        assert session.get_one(RegionalReview, "escwa").report_published_at is not None
    assert (
        publishing.publish_report(
            review_slug="escwa", actor=OPERATOR, channel="cli", published=False
        )
        is None
    )
    [up], [down] = audit(engine, "report.published"), audit(engine, "report.unpublished")
    assert up.detail == {"review": "escwa", "channel": "api"} and down.actor == "cli"


_CALLS = st.lists(
    st.tuples(st.sampled_from(["publish", "unpublish", "withdraw"]), st.booleans()),
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(consent=st.booleans(), calls=_CALLS)
def test_whatever_happens_a_public_item_has_its_authors_consent(
    runtime, engine, service, consent, calls
):
    receipt = new_pledge(service, consent_publish="on" if consent else "")
    publishing = Publishing(engine)
    for call, as_organiser_elsewhere in calls:
        actor = (
            add_staff(engine, email="x@un.example", role="organiser", reviews=["unece"])
            if as_organiser_elsewhere
            else OPERATOR
        )
        try:
            if call == "withdraw":
                runtime.consent.withdraw(
                    receipt=receipt, consent="publish", channel="web", actor="contributor:web"
                )
            else:
                getattr(publishing, call)(receipt=receipt, actor=actor, channel="api")
        except (NoConsentToPublish, NotAllowed):
            pass
        item = stored(engine, Pledge, receipt)
        assert not item_is_public(item) or item.consent_publish
        assert item.published_at is None or item.consent_publish


# --- the staff API ------------------------------------------------------------------------


def _bearer(engine, member) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(engine, staff_id=member.id)}"}


def test_api_patch_publishes_and_answers_the_item_as_listed(client, engine, service, staff):
    receipt = new_pledge(service)
    headers = _bearer(engine, staff["here"])
    response = client.patch(f"/api/v1/pledges/{receipt}", json={"published": True}, headers=headers)
    assert response.status_code == 200, response.get_json()
    item = response.get_json()
    assert item["receipt"] == receipt and item["may_publish"] is True
    assert item["published_at"] is not None
    [listed] = client.get("/api/v1/pledges", headers=headers).get_json()["items"]
    assert listed == item
    down = client.patch(f"/api/v1/pledges/{receipt}", json={"published": False}, headers=headers)
    assert down.status_code == 200 and down.get_json()["published_at"] is None


def test_api_patch_refuses_without_consent_in_the_callers_language(client, engine, service, staff):
    receipt = new_practice(service, consent_publish="")
    headers = _bearer(engine, staff["admin"])
    before = snapshot(engine)
    refused = client.patch(
        f"/api/v1/practices/{receipt}",
        json={"published": True},
        headers={**headers, "Accept-Language": "fr-CH, en;q=0.5"},
    )
    assert refused.status_code == 409
    assert refused.get_json() == {
        "error": "no_consent_to_publish",
        "message": gettext("fr", NO_CONSENT_TO_PUBLISH),
    }
    in_body = client.patch(
        f"/api/v1/practices/{receipt}", json={"published": True, "locale": "ar"}, headers=headers
    )
    assert in_body.get_json()["message"] == gettext("ar", NO_CONSENT_TO_PUBLISH)
    assert changes(before, snapshot(engine)) == {}


def test_api_patch_refuses_what_is_not_its_kind_or_not_a_body(client, engine, service, staff):
    pledge, practice = new_pledge(service), new_practice(service)
    headers = _bearer(engine, staff["admin"])
    assert (
        client.patch(
            f"/api/v1/practices/{pledge}", json={"published": True}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.patch(
            "/api/v1/practices/PR-0000-0000", json={"published": True}, headers=headers
        ).status_code
        == 404
    )
    for body in ({}, {"published": "yes"}, {"published": True, "title": "x"}):
        answer = client.patch(f"/api/v1/practices/{practice}", json=body, headers=headers)
        assert answer.status_code == 422 and answer.get_json()["errors"], body
    elsewhere = client.patch(
        f"/api/v1/practices/{practice}",
        json={"published": True},
        headers=_bearer(engine, staff["elsewhere"]),
    )
    assert elsewhere.status_code == 404
    assert stored(engine, Practice, practice).published_at is None


def test_api_creates_pledges_and_practices_with_or_without_consent_to_publish(
    client, engine, staff
):
    headers = _bearer(engine, staff["here"])
    pledge = {
        "organisation": "Jordan national committee",
        "stakeholder_group": "government",
        "review": "escwa",
        "title": "Work permits for refugees",
        "text": "We pledge to issue 50,000 more work permits to refugees by 2027.",
        "objectives": [5, 6],
        "consent_store": True,
        "consent_publish": True,
        "locale": "ar",
    }
    created = client.post(
        "/api/v1/pledges", json=pledge, headers={**headers, "Idempotency-Key": "pl-1"}
    )
    assert created.status_code == 201, created.get_json()
    item = stored(engine, Pledge, created.get_json()["receipt"])
    assert (item.consent_publish, item.objectives, item.channel) == (True, [5, 6], "api")
    practice = {
        "title": "Mobile birth registration",
        "description": "Mobile teams register births in border communities so that "
        "children get a legal identity.",
        "objectives": [4],
        "countries": ["NE", "TD"],
        "link": "https://example.org/births",
        "review": "escwa",
        "consent_store": True,
    }
    made = client.post(
        "/api/v1/practices", json=practice, headers={**headers, "Idempotency-Key": "pr-1"}
    )
    assert made.status_code == 201, made.get_json()
    assert stored(engine, Practice, made.get_json()["receipt"]).consent_publish is False
    refused = client.post(
        "/api/v1/practices",
        json={**practice, "consent_store": False},
        headers={**headers, "Idempotency-Key": "pr-2"},
    )
    assert refused.status_code == 422 and "consent_store" in refused.get_json()["errors"]
    nowhere = client.post(
        "/api/v1/practices",
        json={k: v for k, v in practice.items() if k != "review"},
        headers={**headers, "Idempotency-Key": "pr-3"},
    )
    assert nowhere.status_code == 403  # an item of no review: administrators only


# --- the command line ---------------------------------------------------------------------


def test_cli_publishes_and_unpublishes_and_says_what_failed(database_url, runtime, engine, service):
    env = clean_env(INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="cli-key")
    ok, refused = new_pledge(service), new_practice(service, consent_publish="")
    result = CliRunner().invoke(main, ["publish", ok, refused, "PL-0000-0000"], env=env)
    assert result.exit_code == 1
    assert f"{ok}: published" in result.output
    assert f"{refused}: not published: its author did not agree" in result.output
    assert "PL-0000-0000: no pledge or practice has this receipt" in result.output
    assert item_is_public(stored(engine, Pledge, ok))
    [entry] = audit(engine, "items.published")
    assert entry.actor == "cli" and entry.detail == {"channel": "cli"}
    again = CliRunner().invoke(main, ["unpublish", ok], env=env)
    assert again.exit_code == 0 and f"{ok}: not published" in again.output
    assert stored(engine, Pledge, ok).published_at is None


def test_cli_publishes_and_withdraws_a_summary_report(database_url, runtime, engine):
    env = clean_env(INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="cli-key")
    shown = CliRunner().invoke(main, ["publish-report", "eca"], env=env)
    assert shown.exit_code == 0 and "ECA: summary report public since" in shown.output
    gone = CliRunner().invoke(main, ["publish-report", "eca", "--withdraw"], env=env)
    assert gone.exit_code == 0 and "ECA: summary report not public" in gone.output
    unknown = CliRunner().invoke(main, ["publish-report", "mars"], env=env)
    assert unknown.exit_code != 0 and "unknown review" in unknown.output
    assert [e.actor for e in audit(engine, "report.published")] == ["cli"]
    assert len(audit(engine, "report.unpublished")) == 1


# --- the author's own page ----------------------------------------------------------------

ACCESS = re.compile(r'class="access-code">([A-Z2-7-]+)<')


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_author_withdraws_publication_at_my_input(client, engine, locale):
    sent = submit_form(client, f"/{locale}/pledges/new", pledge_answers())
    assert sent.status_code == 303, sent.status_code
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r"(PL-[0-9A-Z]{4}-[0-9A-Z]{4})", page).group(1)  # type: ignore[union-attr]
    code = ACCESS.search(page).group(1)  # type: ignore[union-attr]
    Publishing(engine).publish(receipt=receipt, actor=OPERATOR, channel="cli")

    def my_input(action: str) -> str:
        form = client.get(f"/{locale}/my-input").get_data(as_text=True)
        answer = client.post(
            f"/{locale}/my-input",
            data={**hidden_fields(form), "receipt": receipt, "access_code": code, "action": action},
        )
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    opened = my_input("open")
    assert 'value="stop_publish"' in opened
    assert gettext(locale, "May it be shown on the Migration Network Hub?") in opened
    done = my_input("stop_publish")
    assert (
        gettext(
            locale,
            "Done. It will not be shown on the Migration Network Hub, and is taken off it if it was there.",
        )
        in done
    )
    assert 'value="stop_publish"' not in done
    item = stored(engine, Pledge, receipt)
    assert (item.consent_publish, item.published_at) == (False, None)


def test_my_input_offers_no_publication_choice_for_an_input(client):
    from tests.factories import input_answers

    sent = submit_form(client, "/en/inputs/new", input_answers())
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r"(IN-[0-9A-Z]{4}-[0-9A-Z]{4})", page).group(1)  # type: ignore[union-attr]
    code = ACCESS.search(page).group(1)  # type: ignore[union-attr]
    form = client.get("/en/my-input").get_data(as_text=True)
    opened = client.post(
        "/en/my-input",
        data={**hidden_fields(form), "receipt": receipt, "access_code": code, "action": "open"},
    ).get_data(as_text=True)
    assert "stop_publish" not in opened
    assert "May it be shown on the Migration Network Hub?" not in opened


# --- the demo ------------------------------------------------------------------------------


def test_demo_publishes_most_consented_items_and_never_an_unconsented_one(service, engine):
    load_demo(service, count=5, seed=7)
    load_demo(service, count=5, seed=7)  # idempotent: nothing published twice
    with Session(engine) as session:
        items = [*session.exec(select(Pledge)), *session.exec(select(Practice))]
        reports = {r.slug for r in session.exec(select(RegionalReview)) if r.report_published_at}
    consented = [i for i in items if i.consent_publish]
    public = [i for i in items if item_is_public(i)]
    assert 0.6 <= len(consented) / len(items) <= 0.7
    assert len(consented) / 2 < len(public) < len(consented)
    assert all(i.published_at is None for i in items if not i.consent_publish)
    assert len(audit(engine, "items.published")) == len(public)
    assert {e.actor for e in audit(engine, "items.published")} == {"cli"}
    assert reports == set(PUBLISHED_REPORTS)
