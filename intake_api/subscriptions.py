"""Digest subscriptions as data: which reviews, how often, in which language, to where."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlmodel import col, select

from intake_api.i18n import LOCALES
from models import crud
from models.db import read_session, write_session
from models.digest import DigestSubscription
from models.reference import REVIEW_SLUGS

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def cadence_to_cron(cadence: str, at: str = "08:00", day: str = "mon") -> str:
    """'daily' or 'weekly' at a time (and day) as a crontab; a crontab passes through checked."""
    if cadence in ("daily", "weekly"):
        match = _TIME.match(at)
        if not match or day not in _DAYS:
            raise ValueError("--at takes HH:MM, --day takes mon..sun")
        hour, minute = int(match.group(1)), int(match.group(2))
        return f"{minute} {hour} * * *" if cadence == "daily" else f"{minute} {hour} * * {day}"
    CronTrigger.from_crontab(cadence)  # raises ValueError when it is not a crontab
    return cadence


def subscribe(
    engine: Engine,
    *,
    reviews: list[str],
    cron: str,
    timezone: str,
    locale: str,
    slack_channel: str | None,
    emails: list[str],
    actor: str,
) -> DigestSubscription:
    if not reviews or any(r not in REVIEW_SLUGS for r in reviews):
        raise ValueError(f"reviews must be among {', '.join(REVIEW_SLUGS)}")
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {timezone!r}") from error
    if not slack_channel and not emails:
        raise ValueError("a digest needs a Slack channel or an e-mail address to go to")
    CronTrigger.from_crontab(cron, timezone=timezone)
    with write_session(engine) as session:
        subscription = DigestSubscription(
            reviews=sorted(set(reviews)),
            cron=cron,
            timezone=timezone,
            locale=locale,
            slack_channel=slack_channel,
            emails=sorted({e.strip().lower() for e in emails}),
        )
        session.add(subscription)
        session.flush()
        crud.write_audit(
            session,
            actor=actor,
            action="digest.subscribed",
            subject_type="digest",
            subject_id=subscription.id,
        )
        return subscription


def list_subscriptions(engine: Engine, *, active_only: bool = True) -> list[DigestSubscription]:
    with read_session(engine) as session:
        statement = select(DigestSubscription).order_by(col(DigestSubscription.id))
        if active_only:
            statement = statement.where(col(DigestSubscription.active).is_(True))
        return list(session.exec(statement))


def unsubscribe(engine: Engine, *, subscription_id: int, actor: str) -> bool:
    with write_session(engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is None or not subscription.active:
            return False
        subscription.active = False
        crud.write_audit(
            session,
            actor=actor,
            action="digest.unsubscribed",
            subject_type="digest",
            subject_id=subscription_id,
        )
        return True
