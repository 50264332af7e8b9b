"""Scheduled work: digests, each subscription period exactly once, and the moderation feed.

APScheduler only ticks (every ``TICK_SECONDS``); what is due is decided from the store,
so a tick after downtime sends the missed period once (coalesced), and two
scheduler processes cannot both send it: only the holder of the leadership
(a PostgreSQL advisory lock, or a lease row on SQLite) works, and each period
is claimed under a unique key before it is sent.

A restart of the store costs no tick: leadership is taken again on a new connection
and an outage is logged once (``store_outage``). A scheduler killed mid-send leaves
its period claimed; whoever leads next (it, restarted, or a standby) sends it again
at once (``release_orphaned_claims``): at least once, twice only if the kill came
after Slack or SMTP had taken it.
A period that fails to go out (Slack or SMTP answering 5xx or 429, timing out, dropping
the connection) stays claimed as ``retrying`` and is tried at a later tick under the
digest and e-mail policies (``intake_api.policies.delivery``); each channel is tried on
its own and marked once it has the digest, so a retry sends only what is missing. A
channel that refuses it, or still fails at the deadline, is recorded as failed (the
period is ``failed``), where staff see it (``gcm-intake failures``).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, Engine, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from intake_api import delivery_failures
from intake_api.digests import Digest, digest_for
from intake_api.language.grouping import group_waiting
from intake_api.leases import Lease, LeaseHeld
from intake_api.policies.availability import store_unavailable
from intake_api.policies.delivery import Kind, Policy
from intake_api.runtime import Runtime
from intake_api.store_outage import StoreOutage
from models.base import utcnow
from models.db import read_session, write_session
from models.digest import DigestDelivery, DigestSubscription


class PendingUpdates(Protocol):
    """A chat channel whose failed webhook updates wait for a retry (the Telegram channel, lazily built)."""

    def retry_pending(self) -> object: ...


class LazyChannel(Protocol):
    def get(self) -> PendingUpdates | None: ...


log = logging.getLogger(__name__)

# One lock per database and schema, so separate deployments on one server do not collide.
ADVISORY_LOCK_KEY = (
    "hashtext(current_database() || '.' || current_schema() || '.gcm-intake-scheduler')"
)
LEASE_SECONDS = 120
# A standby takes over at its next tick: at most this long after the leader died, so a
# digest a dead leader left half-sent goes out within a minute (tests/faults/test_kills.py).
TICK_SECONDS = 30
STALE_CLAIM = timedelta(minutes=15)
MAX_STEPS = 100_000


@dataclass(frozen=True)
class DuePeriod:
    subscription: DigestSubscription
    start: datetime
    end: datetime


def due_periods(engine: Engine, *, now: datetime) -> list[DuePeriod]:
    """For each subscription, the one period (coalesced) that ended since the last one sent."""
    due: list[DuePeriod] = []
    with read_session(engine) as session:
        subscriptions = session.exec(
            select(DigestSubscription).where(col(DigestSubscription.active).is_(True))
        ).all()
        last_ends = dict(
            session.exec(
                select(
                    DigestDelivery.subscription_id, func.max(DigestDelivery.period_end)
                ).group_by(col(DigestDelivery.subscription_id))
            ).all()
        )
    for subscription in subscriptions:
        start = _aware(last_ends.get(subscription.id or 0) or subscription.created_at)
        end = _latest_fire(subscription, after=start, until=now)
        if end is not None:
            # In UTC: SQLite keeps the wall time of what it is given, not its offset.
            due.append(DuePeriod(subscription, start, end.astimezone(UTC)))
    return due


def _latest_fire(
    subscription: DigestSubscription, *, after: datetime, until: datetime
) -> datetime | None:
    trigger = CronTrigger.from_crontab(subscription.cron, timezone=subscription.timezone)
    step = timedelta(microseconds=1)
    fire = trigger.get_next_fire_time(None, after + step)
    if fire is None or fire > until:
        return None
    for _ in range(MAX_STEPS):
        following = trigger.get_next_fire_time(fire, fire + step)
        if following is None or following > until:
            break
        fire = following
    return fire


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class DigestSenders:
    """Where digests go; each is None when that channel is not configured."""

    slack: Callable[[str, list[Digest], str], None] | None = None  # channel, digests, locale
    email: Callable[[list[str], list[Digest], str], None] | None = (
        None  # addresses, digests, locale
    )


def send_due_digests(
    engine: Engine,
    senders: DigestSenders,
    *,
    now: datetime,
    consent_age: int | None = None,
    policies: dict[Kind, Policy] | None = None,
) -> int:
    """Claim and send every due period, and try again those whose retry is due; returns how many went out.

    ``consent_age``: the deployment's age of digital consent, so no younger contributor is quoted.
    ``policies``: the digest's and e-mail's delivery policies, when not the defaults (tests).
    """
    _release_stale_claims(engine, now=now)
    sent = 0
    for delivery_id, period in _retrying(engine):
        sent += _attempt(
            engine, senders, delivery_id, period, consent_age, now=now, policies=policies or {}
        )
    for period in due_periods(engine, now=now):
        claim = _claim(engine, period)
        if claim is None:
            continue  # another scheduler has this period
        sent += _attempt(
            engine, senders, claim, period, consent_age, now=now, policies=policies or {}
        )
    return sent


def _claim(engine: Engine, period: DuePeriod) -> int | None:
    try:
        with write_session(engine) as session:
            delivery = DigestDelivery(
                subscription_id=period.subscription.id or 0,
                period_start=period.start,
                period_end=period.end,
            )
            session.add(delivery)
            session.flush()
            return delivery.id
    except IntegrityError:
        return None


def _retrying(engine: Engine) -> list[tuple[int, DuePeriod]]:
    with read_session(engine) as session:
        rows = session.exec(
            select(DigestDelivery, DigestSubscription)
            .join(DigestSubscription, col(DigestSubscription.id) == DigestDelivery.subscription_id)
            .where(col(DigestDelivery.status) == "retrying")
        ).all()
    return [
        (d.id or 0, DuePeriod(sub, _aware(d.period_start), _aware(d.period_end))) for d, sub in rows
    ]


def _attempt(
    engine: Engine,
    senders: DigestSenders,
    delivery_id: int,
    period: DuePeriod,
    consent_age: int | None,
    *,
    now: datetime,
    policies: dict[Kind, Policy],
) -> int:
    """Send the period to each channel that does not have it yet and whose try is due; 1 once all have it."""
    subscription = period.subscription
    with read_session(engine) as session:
        delivery = session.get_one(DigestDelivery, delivery_id)
    channels: list[tuple[Kind, str, Callable[[list[Digest]], None]]] = []
    if subscription.slack_channel and senders.slack and delivery.slack_sent_at is None:
        slack, channel = senders.slack, subscription.slack_channel
        channels.append(
            (
                Kind.DIGEST,
                "slack_sent_at",
                lambda digests: slack(channel, digests, subscription.locale),
            )
        )
    if subscription.emails and senders.email and delivery.email_sent_at is None:
        email, addresses = senders.email, subscription.emails
        channels.append(
            (
                Kind.EMAIL,
                "email_sent_at",
                lambda digests: email(addresses, digests, subscription.locale),
            )
        )
    ref = delivery_failures.period_ref(subscription.id or 0, period.end)
    digests: list[Digest] | None = None
    retrying = failed = False
    for kind, column, send in channels:
        state = delivery_failures.state(engine, kind, ref)
        if state is not None and delivery_failures.waiting(state, now):
            failed = failed or state.failed_at is not None
            retrying = retrying or state.failed_at is None
            continue
        # a store failure here stops the tick; the claim is tried again (stale claims)
        if digests is None:
            digests = [
                digest_for(
                    engine,
                    review_slug=slug,
                    since=period.start,
                    until=period.end,
                    consent_age=consent_age,
                )
                for slug in subscription.reviews
            ]
        try:
            send(digests)
        except Exception as error:  # noqa: BLE001 - classified: tried at a later tick, or recorded as failed
            log.warning(
                "digest %s for %s not sent by %s: %s",
                subscription.id,
                period.end,
                kind.value,
                type(error).__name__,
            )
            decision = delivery_failures.retry_or_give_up(
                engine, kind, ref, error, now=now, policy=policies.get(kind)
            )
            failed, retrying = failed or decision.gave_up, retrying or not decision.gave_up
            continue
        with write_session(engine) as session:
            session.execute(
                update(DigestDelivery)
                .where(col(DigestDelivery.id) == delivery_id)
                .values({column: now})
            )
        if state is not None:
            delivery_failures.delivered(engine, kind, ref)
    status = "retrying" if retrying else "failed" if failed else "sent"
    with write_session(engine) as session:
        session.execute(
            update(DigestDelivery)
            .where(col(DigestDelivery.id) == delivery_id)
            .values(status=status, sent_at=now if status == "sent" else None)
        )
    return 1 if status == "sent" else 0


def release_orphaned_claims(engine: Engine) -> int:
    """Claims still "sending" when a scheduler takes over were left by one that died mid-send.

    Only the leader sends, and a new leader is one whose predecessor is gone (its advisory
    lock went with its connection; its lease row expired or its process is dead), so the
    periods it claimed are tried again now rather than ``STALE_CLAIM`` later: again, not
    anew, so a channel marked as reached is not sent it twice. A digest the dead one had
    handed to Slack or SMTP just before dying, unmarked, is sent twice: the documented
    at-least-once case.
    """
    count = _retry_unsent_claims(engine)
    if count:
        log.info("%d digest periods left unsent by a stopped scheduler will be sent again", count)
    return count


def _release_stale_claims(engine: Engine, *, now: datetime) -> None:
    """A scheduler that died mid-send leaves a claim; after a while the period is tried again."""
    _retry_unsent_claims(engine, ended_before=now - STALE_CLAIM)


def _retry_unsent_claims(engine: Engine, *, ended_before: datetime | None = None) -> int:
    conditions = [col(DigestDelivery.status) == "sending", col(DigestDelivery.sent_at).is_(None)]
    if ended_before is not None:
        conditions.append(col(DigestDelivery.period_end) < ended_before)
    with write_session(engine) as session:
        result = session.execute(
            update(DigestDelivery).where(*conditions).values(status="retrying")
        )
    return int(getattr(result, "rowcount", 0) or 0)


class Leadership:
    """Only one scheduler works at a time; the others stand by and take over if it stops."""

    def __init__(self, engine: Engine, holder: str | None = None) -> None:
        self.engine = engine
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        # On SQLite, where there is no advisory lock: the lease every sender takes (``leases``).
        self.lease = Lease(engine, "digests", seconds=LEASE_SECONDS, holder=self.holder)
        self._connection: Connection | None = None
        self._held = False
        self._leading: bool | None = None
        self.took_over = False  # the last acquire made this process the leader
        self.purged_on: date | None = None  # the day this leader last ran the retention purge

    def acquire(self, *, now: datetime) -> bool:
        """Whether this process leads now. Raises when the store cannot be asked (an outage).

        ``took_over`` is True after the call that made it the leader.
        """
        try:
            leads = (
                self._advisory_lock()
                if self.engine.dialect.name == "postgresql"
                else self._lease(now)
            )
        except Exception:
            self._leading = None  # unknown until the store answers; then said again
            raise
        self.took_over = leads and not self._leading
        if leads != self._leading:
            # Said once per change, so an operator can see which scheduler works and which waits.
            log.info(
                "scheduler %s %s",
                self.holder,
                "leads" if leads else "stands by: another scheduler leads",
            )
            self._leading = leads
        return leads

    def _advisory_lock(self) -> bool:
        # A session-level lock, held for as long as this connection lives: a leader that
        # crashes frees it at once, and a standby takes over on its next tick. A connection
        # that a restart of the server closed is replaced at once, not a tick later.
        for attempt in range(2):
            try:
                if self._connection is None:
                    self._connection = self.engine.connect()
                if self._held:
                    self._connection.execute(text("SELECT 1"))
                else:
                    self._held = bool(
                        self._connection.execute(
                            text(f"SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})")  # noqa: S608 - a constant
                        ).scalar_one()
                    )
                self._connection.commit()
                return self._held
            except Exception:
                self.release()  # a lost connection means no leadership
                if attempt:
                    raise
        return False

    def _lease(self, now: datetime) -> bool:
        try:
            self.lease.acquire(now=now)
        except LeaseHeld:
            return False
        return True

    def release(self) -> None:
        """Give up leadership; the connection is discarded, not returned to the pool with the lock."""
        if self._connection is not None:
            try:
                if self._held:
                    self._connection.execute(
                        text(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
                    )  # noqa: S608
                    self._connection.commit()
            except Exception:  # noqa: BLE001, S110 - invalidating below frees the lock anyway
                pass
            finally:
                self._connection.invalidate()
                self._connection.close()
                self._connection = None
        self._held = False


def tick(
    runtime: Runtime,
    leadership: Leadership,
    senders: DigestSenders,
    *,
    now: datetime | None = None,
    telegram: LazyChannel | None = None,
) -> int:
    """One run of the scheduler's work, if this process leads."""
    now = now or utcnow()
    if not leadership.acquire(now=now):
        return 0
    if leadership.took_over:
        release_orphaned_claims(runtime.engine)
    sent = send_due_digests(
        runtime.engine, senders, now=now, consent_age=runtime.settings.digital_consent_age
    )
    if leadership.purged_on != now.date():
        # Once a day per leader; purging is idempotent, so a failover repeating it is harmless.
        runtime.retention.purge(now=now)
        leadership.purged_on = now.date()
    # Inputs a stopped process left waiting for their group (a serving process groups its own).
    group_waiting(runtime.engine)
    runtime.notifier.show_new_inputs(now)
    if telegram is not None and (channel := telegram.get()) is not None:
        # A webhook update whose processing failed is otherwise retried only when the next
        # update arrives: at night, that can be hours. (Polling retries on its own.)
        channel.retry_pending()
    return sent


def tick_through_outages(
    runtime: Runtime,
    leadership: Leadership,
    senders: DigestSenders,
    *,
    outage: StoreOutage,
    telegram: LazyChannel | None = None,
    now: datetime | None = None,
) -> int:
    """``tick``, with an unavailable store logged once per outage: the next tick tries again.

    The process is never restarted for it: the pool's connections are pinged before use,
    and leadership is taken again with a new connection (``Leadership.acquire``).
    """
    try:
        sent = tick(runtime, leadership, senders, telegram=telegram, now=now)
    except Exception as error:
        if not store_unavailable(error):
            raise
        outage.failed(error, "job tick")
        return 0
    outage.recovered()
    return sent


def build_scheduler(  # type: ignore[no-untyped-def]
    runtime: Runtime, *, blocking: bool, senders: DigestSenders, telegram: LazyChannel | None = None
):
    """An APScheduler that ticks every ``TICK_SECONDS``, missed ticks coalesced into one.

    ``senders`` and ``telegram`` (whose failed webhook updates each tick retries) come
    from the composition root (``intake_api.app``), so the scheduler imports no channel.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    leadership = Leadership(runtime.engine)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    scheduler.add_job(
        tick_through_outages,
        IntervalTrigger(seconds=TICK_SECONDS),
        args=(runtime, leadership, senders),
        id="tick",
        kwargs={"telegram": telegram, "outage": StoreOutage("scheduler tick")},
        coalesce=True,
        max_instances=1,
        next_run_time=utcnow(),
        misfire_grace_time=None,
    )
    return scheduler
