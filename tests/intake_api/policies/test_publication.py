"""The publication policy: one rule in Python and SQL, and no output shows what it forbids.

The last test plants texts that must never leave the staff views (a child's, one without
consent to be quoted, a flagged one, an urgent disclosure, an erased one), alone, inside
near-duplicate groups and as key-phrase material, next to publishable ones; then renders
every output and searches each for every marker.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from intake_api.i18n import gettext
from intake_api.policies.publication import (
    MIN_CONTRIBUTORS,
    TEXT_NOT_SHOWN,
    Audience,
    Facts,
    may_publish,
    public_line,
    publishable,
)
from intake_api.staff import add_staff
from models.pledge import Pledge
from models.practice import Practice
from models.reference import AGE_GROUPS, minor_age_groups
from models.submission import SUBMISSION_STATUSES, Submission
from tests.factories import input_answers
from tests.intake_api.policies.outputs import REVIEW, every_output, slack_runtime

# --- the rule ---------------------------------------------------------------------------

facts = st.builds(
    Facts,
    consent_quote=st.booleans(),
    age_group=st.sampled_from([None, *AGE_GROUPS, "not-a-band"]),
    status=st.sampled_from(SUBMISSION_STATUSES),
    urgent_category=st.sampled_from([None, "trafficking", "self_harm"]),
)
CONSENT_AGES = st.sampled_from([None, 13, 16, 18])


@pytest.mark.parametrize("audience", list(Audience))
def test_the_rule(audience):
    adult = Facts(consent_quote=True, age_group="25_34", status="included", urgent_category=None)
    assert may_publish(adult, audience=audience)
    for refused in (
        Facts(False, "25_34", "included", None),
        Facts(True, "13_15", "included", None),
        Facts(True, "25_34", "flagged", None),
        Facts(True, "25_34", "included", "trafficking"),
    ):
        assert not may_publish(refused, audience=audience), refused
    # An age not given counts as a minor's (a chat asks the age after the receipt).
    assert not may_publish(Facts(True, None, "included", None), audience=audience)
    assert may_publish(Facts(True, "new", "new", None), audience=Audience.DIGEST)
    assert not may_publish(Facts(True, "25_34", "reviewed", None), audience=Audience.REPORT)


@pytest.mark.parametrize("age", [13, 16, 18])
def test_age_of_digital_consent(age):
    for band in AGE_GROUPS:
        allowed = may_publish(
            Facts(True, band, "included", None), audience=Audience.REPORT, consent_age=age
        )
        assert allowed is (band not in minor_age_groups(age)), (band, age)
    # Not told the deployment's age: the strictest, every band under 18.
    assert not may_publish(Facts(True, "16_17", "included", None), audience=Audience.REPORT)


def test_public_text_is_redacted_on_the_way_out():
    line = public_line("Call me on +962 79 123 4567 or write to someone@mail.example\n please", 200)
    assert "[phone]" in line and "[email]" in line and "4567" not in line and "\n" not in line


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(facts, min_size=1, max_size=12),
    audience=st.sampled_from(list(Audience)),
    age=CONSENT_AGES,
)
def test_sql_condition_agrees_with_the_function(engine, rows, audience, age):
    """``publishable`` selects exactly the rows ``may_publish`` allows, on both databases."""
    with Session(engine) as session:
        session.execute(delete(Submission))
        for n, row in enumerate(rows):
            session.add(
                Submission(
                    receipt=f"T-{n:04d}",
                    channel="web",
                    channel_message_id=f"twin{n}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    text="A text.",
                    consent_quote=row.consent_quote,
                    age_group=row.age_group,
                    status=row.status,
                    urgent_category=row.urgent_category,
                )
            )
        session.commit()
        selected = set(
            session.exec(
                select(Submission.receipt).where(publishable(audience=audience, consent_age=age))
            ).all()
        )
        stored = session.exec(select(Submission)).all()
        expected = {s.receipt for s in stored if may_publish(s, audience=audience, consent_age=age)}
        session.execute(delete(Submission))
        session.commit()
    assert selected == expected


# --- every output -----------------------------------------------------------------------

BODY = (
    "Migrant domestic workers in this region wait months for their wages, cannot change employer "
    "without permission and need labour inspections that visit private homes"
)
NEVER = {  # marker -> why it must never appear
    "zqminorword": "a 13-15-year-old's input (consent to quote stored before the intake refused it)",
    "zqnoageword": "no age group given: counts as a minor's (consent to quote stored all the same)",
    "zqcampnoage": "a campaign member who gave no age group",
    "zqnoconsentword": "no consent to be quoted",
    "zqflaggedword": "flagged by staff",
    "zqurgentword": "an urgent safeguarding disclosure",
    "zqerasedword": "erased",
    "zqchildcampa": "a campaign of children without consent",
    "zqchildcampb": "a campaign of children without consent",
    "zqchildcampc": "a campaign of children without consent",
    "zqcamperased": "a campaign's erased first text",
    "zqcampnoconsent": "a campaign member without consent",
    "zqcampflagged": "a flagged campaign member",
    "zqcampminor": "a child in a campaign",
    "zqrarephrase": f"a phrase used by fewer than {MIN_CONTRIBUTORS} contributors",
    "zqonechild": "a phrase one child repeated in many inputs",
    "pledger@ngo.example": "an e-mail address in a pledge title",
    "4567": "a phone number in a practice title",
}
PUBLIC_QUOTE, PUBLIC_CAMPAIGN, COMMON_PHRASE = "zqpublicquote", "zqcamppublic", "zqcommonphrase"
RARE_SENTENCES = (
    "Border guards should receive zqrarephrase training on children's rights.",
    "We ask for zqrarephrase support for seasonal farm labourers in the valley.",
    "Consular offices need zqrarephrase staff who speak our languages at weekends.",
    "Remittance fees eat a tenth of what we send home, zqrarephrase reform is overdue.",
)
COMMON_SENTENCES = (
    "Health clinics must serve everyone, zqcommonphrase for all residents.",
    "Schools should enrol migrant children at once, zqcommonphrase without papers.",
    "Housing subsidies ought to reach newcomers, zqcommonphrase in every city.",
    "Job centres could recognise foreign diplomas, zqcommonphrase within weeks.",
    "Bus passes for asylum seekers help them reach appointments, zqcommonphrase too.",
    "Libraries can host language classes in the evening, zqcommonphrase for free.",
    "Police should take complaints from anyone, zqcommonphrase whatever their status.",
    "Banks must open accounts with a refugee card, zqcommonphrase nationwide.",
)


def _plant(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Store the planted inputs, pledge and practice; the receipts of the flagged and urgent ones."""
    service, engine = runtime.service, runtime.engine
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    counter = iter(range(1000))

    def submit(text: str, *, action: str | None = "include", **answers) -> str:  # type: ignore[no-untyped-def]
        answers = {"age_group": "25_34", **answers}
        channel = "telegram" if "platform_user_id" in answers else "web"
        user = answers.pop("platform_user_id", None)
        receipt = service.submit_input(
            input_answers(text=text, **answers),
            channel=channel,
            message_id=f"plant{next(counter)}",
            locale="en",
            platform_user_id=user,
        ).code
        if action:
            runtime.moderation.moderate(receipt=receipt, action=action, actor=admin)
        return receipt

    submit(
        f"Youth councils should sit at the table when labour agreements are negotiated {PUBLIC_QUOTE}."
    )
    minor = submit(
        "At school they say zqminorword we cannot join any youth council.", age_group="13_15"
    )
    # A chat asks the age after the receipt, and it may never be given: such an input is a
    # minor's for quotes, whatever consent was stored with it.
    no_age = submit(
        "Nobody asked how old I am zqnoageword, the shelter was full every night.", age_group=""
    )
    submit("My story stays with you please: zqnoconsentword detention was long.", consent_quote="")
    flagged = submit("This is zqflaggedword abusive nonsense about officials.", action="flag")
    urgent = submit("My employer took my passport and I cannot leave the house zqurgentword.")
    runtime.privacy.erase_record(
        receipt=submit("Please publish zqerasedword my words about shelters."), actor="test"
    )
    children = [
        submit(f"{marker}: {BODY}", age_group="13_15", consent_quote="")
        for marker in ("zqchildcampa", "zqchildcampb", "zqchildcampc")
    ]
    first = submit(f"zqcamperased: {BODY}")  # the group is known by this input's id, erased below
    campaign = [
        first,
        submit(f"zqcampnoconsent: {BODY}", consent_quote=""),
        submit(f"zqcampflagged: {BODY}", action="flag"),
        submit(f"zqcampminor: {BODY}", age_group="13_15"),
        submit(f"{PUBLIC_CAMPAIGN}: {BODY}"),
        submit(f"zqcampnoage: {BODY}", age_group=""),
    ]
    for n, sentence in enumerate(RARE_SENTENCES):  # four people: not enough for a key phrase
        submit(sentence, consent_quote="", age_group="35_49", country=["JO", "LB", "EG", "SY"][n])
    for n in range(6):  # one child, six inputs: still one contributor
        submit(
            f"Our class {n} met the mayor and zqonechild asked for a safe school bus route number {n}.",
            age_group="13_15",
            consent_quote="",
            platform_user_id=4242,
            action=None,
        )
    # eight people (more than the campaign): a key phrase, though none may be quoted
    for sentence in COMMON_SENTENCES:
        submit(sentence, consent_quote="")
    with Session(engine) as session:
        groups = dict(
            session.exec(
                select(Submission.receipt, Submission.duplicate_group).where(
                    col(Submission.receipt).in_(children + campaign)
                )
            ).all()
        )
        # Stored before the intake refused consent to quote for children (and before redaction).
        session.execute(
            update(Submission)
            .where(col(Submission.receipt).in_([minor, no_age, campaign[-1]]))
            .values(consent_quote=True)
        )
        session.commit()
    assert len({groups[r] for r in children}) == 1 and len({groups[r] for r in campaign}) == 1, (
        groups
    )
    runtime.privacy.erase_record(receipt=first, actor="test")
    service.submit_pledge(
        {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "review": REVIEW,
            "title": "Fair recruitment",
            "text": "We pledge to end recruitment fees by 2027.",
            "objectives": ["6"],
            "consent_store": "on",
        },
        channel="web",
        message_id="pl",
        locale="en",
    )
    service.submit_practice(
        {
            "title": "Legal clinic",
            "organisation": "Tamkeen",
            "review": REVIEW,
            "description": "A legal clinic for domestic workers, open every day of the week.",
            "objectives": ["6"],
            "countries": ["JO"],
            "consent_store": "on",
        },
        channel="web",
        message_id="pr",
        locale="en",
    )
    with Session(
        engine
    ) as session:  # free text as partners wrote it, stored before intake redacted it
        session.execute(update(Pledge).values(title="Fair recruitment, ask pledger@ngo.example"))
        session.execute(update(Practice).values(title="Legal clinic, call +962 79 123 4567"))
        session.commit()
    return {"flagged": flagged, "urgent": urgent}


def test_no_output_shows_what_may_not_be_published(settings):
    with slack_runtime(settings) as (runtime, api):
        pointers = _plant(runtime)
        texts = every_output(runtime, api).texts()
    leaks = [
        (output, marker, why)
        for output, text in texts.items()
        for marker, why in NEVER.items()
        if marker.casefold() in text.casefold()
    ]
    assert not leaks, leaks

    quoting = [
        "report.html",
        "report.md",
        "report.docx",
        "api.html",
        "api.md",
        "api.docx",
        "slack digest",
        "e-mail text/plain",
        "e-mail text/html",
    ]
    for output in quoting:
        assert PUBLIC_QUOTE in texts[output], output
    for output in [*quoting, "report.csv", "report.xlsx", "api.csv", "api.xlsx"]:
        assert PUBLIC_CAMPAIGN in texts[output], output  # the campaign, by its publishable member
        assert gettext("en", TEXT_NOT_SHOWN) in texts[output], output  # the children's campaign
    for output in ("report.html", "report.csv", "api.xlsx", "slack digest", "e-mail text/plain"):
        assert COMMON_PHRASE in texts[output], output  # five contributors: a key phrase
    for output in ("report.html", "report.md", "api.html"):
        assert "[email]" in texts[output] and "[phone]" in texts[output], output
    # Staff lists name flagged and urgent inputs by receipt, without their words.
    for output in ("slack digest", "e-mail text/plain", "e-mail text/html"):
        assert pointers["flagged"] in texts[output] and pointers["urgent"] in texts[output], output
    assert pointers["flagged"] in texts["app home"]
    assert pointers["urgent"] in texts["moderation notifications"]
