"""A store with items in every state of publication, each marked by a word of its own.

Planted through the intake service, as a form sends them (redaction, receipts, contact
addresses encrypted), then published or withdrawn directly in the store: publishing
itself is another module's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from intake_api.runtime import Runtime
from models.db import write_session
from models.pledge import Pledge
from models.practice import Practice
from models.review import RegionalReview
from models.submission import Submission
from tests.factories import input_answers

CONTACT = "hidden.author@example.org"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Planted:
    """Ids and receipts of the planted items, and the marker words of what must not show."""

    public_pledge: int = 0
    public_practice: int = 0
    public_markers: list[str] = field(default_factory=list)
    secret_markers: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    hidden_ids: dict[str, list[int]] = field(default_factory=lambda: {"pledge": [], "practice": []})


def _pledge(marker: str, *, review: str = "escwa", locale: str = "en") -> dict[str, Any]:
    return {
        "organisation": f"Ministry {marker}",
        "stakeholder_group": "government",
        "country": "JO",
        "review": review,
        "title": f"Pledge {marker} for migrants",
        "text": f"We pledge to open {marker} information centres for migrants by 2027.",
        "objectives": ["3", "16"],
        "contact_email": CONTACT,
        "consent_store": "on",
        "consent_publish": "on",
    }


def _practice(marker: str, *, review: str = "escwa") -> dict[str, Any]:
    return {
        "title": f"Practice {marker} in border towns",
        "description": f"Mobile teams {marker} register births in border communities so that "
        "children get a legal identity.",
        "objectives": ["4"],
        "countries": ["LB", "JO"],
        "organisation": f"Association {marker}",
        "partners": f"Partner {marker}",
        "link": f"https://example.org/{marker}",
        "review": review,
        "contact_email": CONTACT,
        "consent_store": "on",
        "consent_publish": "on",
    }


def _set(engine: Engine, model: Any, receipt: str, **values: Any) -> int:
    with write_session(engine) as session:
        record = session.exec(select(model).where(model.receipt == receipt)).one()
        for name, value in values.items():
            setattr(record, name, value)
        session.add(record)
        return int(record.id)


def plant(runtime: Runtime) -> Planted:
    """Items in every state; only those marked ``public`` may ever be shown."""
    service, engine = runtime.service, runtime.engine
    planted = Planted()
    states = {
        # name: (consent_publish answer, published_at, withdrawn afterwards)
        "publicword": (True, NOW - timedelta(hours=1), False),
        "unpublishedword": (True, None, False),
        "withdrawnword": (True, NOW - timedelta(hours=2), True),
        "unconsentedword": (False, NOW - timedelta(hours=3), False),
    }
    for n, (name, (consent, published, withdraw)) in enumerate(states.items()):
        for kind, answers, model in (
            ("pledge", _pledge(f"{name}p"), Pledge),
            ("practice", _practice(f"{name}r"), Practice),
        ):
            if not consent:
                answers = {k: v for k, v in answers.items() if k != "consent_publish"}
            receipt = service.submit(
                kind, answers, channel="web", message_id=f"{kind}-{n}", locale="en"
            ).code
            planted.receipts.append(receipt)
            # Published straight in the store, even the unconsented one: the rule must hold
            # whatever the data.
            item_id = _set(engine, model, receipt, published_at=published)
            if withdraw:
                assert runtime.consent.withdraw(
                    receipt=receipt, consent="publish", channel="web", actor="test"
                )
            marker = f"{name}{'p' if kind == 'pledge' else 'r'}"
            if name == "publicword":
                planted.public_markers.append(marker)
                setattr(planted, f"public_{kind}", item_id)
            else:
                planted.secret_markers.append(marker)
                planted.hidden_ids[kind].append(item_id)
    # Inputs to the review: one that may not be quoted (its marker must never show), one
    # that may (its words may appear in the published report).
    secret_input = service.submit_input(
        input_answers(
            text="Please never show the word inputsecretword anywhere at all, thank you.",
            consent_quote="",
        ),
        channel="web",
        message_id="input-secret",
        locale="en",
    ).code
    planted.receipts.append(secret_input)
    planted.secret_markers.append("inputsecretword")
    quoted = service.submit_input(
        input_answers(text="Information points in every town helped us a great deal, really."),
        channel="web",
        message_id="input-quoted",
        locale="en",
    ).code
    planted.receipts.append(quoted)
    for receipt in (secret_input, quoted):
        _set(engine, Submission, receipt, status="included")
    with write_session(engine) as session:
        review = session.get_one(RegionalReview, "escwa")
        review.report_published_at = NOW
        session.add(review)
    return planted


@pytest.fixture
def planted(runtime: Runtime) -> Planted:
    return plant(runtime)
