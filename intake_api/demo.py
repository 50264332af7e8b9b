"""Realistic multilingual sample data, stored through the intake service like any input.

Entries come from ``data/demo_inputs*.json`` (written in the seven locales);
channel message ids are deterministic, so loading twice stores nothing twice.
About two pledges and practices in three agree to publication, and most of those are
published on the Hub (through ``Publishing``, as the operator), with the summary reports
of two reviews: a newcomer sees a living dashboard at once.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress

from intake_api.policies.authorization import OPERATOR
from intake_api.publishing import Publishing
from intake_api.service import STAFF_CHANNELS, IntakeService
from models.reference import REVIEW_SLUGS

DATA_DIR = Path(__file__).parent / "data"
_CHANNEL_WEIGHTS = {"web": 45, "telegram": 35, "slack": 15, "api": 5}
_CHAT_USERS = 120  # distinct demo Telegram and Slack users, so contributors recur
# The reviews whose summary report the demo publishes on their public page.
PUBLISHED_REPORTS = ("eca", "escap")


@dataclass
class DemoSummary:
    stored: int = 0
    already: int = 0
    other: int = 0


def demo_corpus() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in sorted(DATA_DIR.glob("demo_inputs*.json")):
        entries.extend(json.loads(path.read_text(encoding="utf-8")))
    return entries


def load_demo(service: IntakeService, *, count: int, seed: int) -> DemoSummary:
    """Store ``count`` inputs drawn from the corpus, spread over the last four weeks."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    corpus = demo_corpus()
    now = datetime.now(UTC)
    summary = DemoSummary()
    with Progress(transient=False) as progress:
        task = progress.add_task("Loading demo inputs", total=count)
        for number in range(count):
            entry = corpus[number % len(corpus)] if number < len(corpus) else rng.choice(corpus)
            channel = rng.choices(list(_CHANNEL_WEIGHTS), weights=list(_CHANNEL_WEIGHTS.values()))[
                0
            ]
            receipt = service.submit_input(
                _answers(entry, rng),
                channel=channel,
                message_id=f"demo-{seed}-{number}",
                locale=entry["locale"],
                platform_user_id=f"demo-user-{rng.randrange(_CHAT_USERS)}"
                if channel in ("telegram", "slack")
                else None,
                received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 28)),
                staff=OPERATOR if channel in STAFF_CHANNELS else None,
            )
            summary.already += receipt.duplicate
            summary.stored += not receipt.duplicate
            progress.advance(task)
        summary.other = _load_other_forms(service, rng, seed)
    return summary


def _consents_to_publish(number: int) -> bool:
    """Two items in three agree to publication (by their place, so the demo stays the same)."""
    return number % 3 != 2


def _published(number: int) -> bool:
    """Staff published most of those that agreed: all but one in five."""
    return _consents_to_publish(number) and number % 5 != 4


def _publish(publishing: Publishing, receipt: str, number: int) -> None:
    if _published(number):
        publishing.publish(receipt=receipt, actor=OPERATOR, channel="demo")


def _answers(entry: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "review": entry["review"],
        "stakeholder_group": entry["stakeholder_group"],
        "country": entry.get("country"),
        "age_group": entry.get("age_group"),
        "gender": entry.get("gender"),
        "theme": entry["theme"],
        "objectives": [str(n) for n in entry["objectives"]],
        "text": entry["text"],
        "consent_store": True,
        "consent_quote": rng.random() < 0.7,
    }


_PLEDGES = (
    ("Ministry of Labour", "government", "Fair recruitment by 2027",
     "We pledge to ban recruitment fees charged to workers and to publish a list of licensed agencies by the end of 2027.", [6]),
    ("City council network", "local_authority", "Welcoming cities",
     "Our member cities pledge to open one-stop information centres for newcomers in every municipality of more than 100,000 people.", [3, 16]),
    ("Regional trade union federation", "trade_union", "Organising migrant domestic workers",
     "We pledge to bring 5,000 migrant domestic workers into union membership and to offer free legal advice on wage claims.", [6, 22]),
    ("Youth migration network", "youth", "Youth voices in the review",
     "We pledge to hold youth consultations in five countries and to bring their recommendations to the regional review.", [16, 17]),
)  # fmt: skip
_PRACTICES = (
    ("Mobile birth registration for children on the move",
     "Mobile teams register births in border communities and camps, so that children on the move get a legal identity; 12,000 children registered in two years.",
     [4, 7], ["NE", "TD"]),
    ("Digital remittance price comparison",
     "A public website compares the fees of remittance providers on the main corridors; average costs fell from 9% to 6% in three years.",
     [20], ["PH", "HK"]),
    ("Community-based alternatives to detention for families",
     "Case managers support families in the community while their cases are decided, instead of detention; 94% stayed in contact with the authorities.",
     [13], ["MX"]),
)  # fmt: skip
_NAMES = ("Amina K.", "Luis R.", "Mei L.", "Olena S.", "Karim B.", "Ana P.", "Tendai M.", "Sara H.")


def _load_other_forms(service: IntakeService, rng: random.Random, seed: int) -> int:
    stored, publishing = 0, Publishing(service.engine)
    for slug in PUBLISHED_REPORTS:
        publishing.publish_report(review_slug=slug, actor=OPERATOR, channel="demo")
    for r, slug in enumerate(REVIEW_SLUGS):
        for i, (org, group, title, text, objectives) in enumerate(_PLEDGES):
            number = r * len(_PLEDGES) + i
            receipt = service.submit_pledge(
                {
                    "organisation": org,
                    "stakeholder_group": group,
                    "review": slug,
                    "title": title,
                    "text": text,
                    "objectives": [str(n) for n in objectives],
                    "consent_store": True,
                    "consent_publish": _consents_to_publish(number),
                },
                channel="web",
                message_id=f"demo-{seed}-pledge-{slug}-{i}",
                locale="en",
            )
            stored += not receipt.duplicate
            _publish(publishing, receipt.code, number)
        for i, (title, description, objectives, countries) in enumerate(_PRACTICES):
            number = r * len(_PRACTICES) + i
            receipt = service.submit_practice(
                {
                    "title": title,
                    "description": description,
                    "review": slug,
                    "objectives": [str(n) for n in objectives],
                    "countries": countries,
                    "consent_store": True,
                    "consent_publish": _consents_to_publish(number),
                },
                channel="web",
                message_id=f"demo-{seed}-practice-{slug}-{i}",
                locale="en",
            )
            stored += not receipt.duplicate
            _publish(publishing, receipt.code, number)
        for i, name in enumerate(_NAMES):
            in_person = rng.random() < 0.5
            receipt = service.register(
                {
                    "review": slug,
                    "name": name,
                    "stakeholder_group": rng.choice(["migrant", "youth", "civil_society"]),
                    "country": "KE",
                    "contact_email": f"participant{i}@example.org",
                    "attendance_mode": "in_person" if in_person else "virtual",
                    "travel_support": in_person and i % 3 == 0,
                    "travel_reason": "Our organisation cannot cover the flight.",
                    "consent_store": True,
                },
                channel="web",
                message_id=f"demo-{seed}-registration-{slug}-{i}",
                locale="en",
            )
            stored += not receipt.duplicate
    return stored
