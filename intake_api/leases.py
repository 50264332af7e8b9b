"""One holder per deployment for work that must not run twice at once.

Telegram's flood limits are per bot, not per process: two processes sending
broadcasts, or two sending chat replies, would together go over them; two schedulers
would send a digest twice. A lease is a row of the ``lease`` table renewed while its
holder works; a holder that crashed is replaced once its lease expires, or at once
when it was a process on this host that no longer exists. The one lease of every
such sender: the Telegram reply sender, the broadcast sender and the scheduler (on
PostgreSQL, the scheduler also holds an advisory lock: ``scheduler.Leadership``).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlmodel import col

from models.base import utcnow
from models.db import write_session
from models.lease import Lease as LeaseRow


class LeaseHeld(Exception):
    """Another live process holds the lease."""


class Lease:
    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        seconds: float = 30,
        per_process: bool = False,
        holder: str | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.seconds = seconds
        # host:pid; unless every lease object of the process is the same holder, a tag too,
        # so two holders in one process (a test's two channels) are told apart.
        tag = "" if per_process else f":{uuid.uuid4().hex[:8]}"
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}{tag}"

    def acquire(self, *, now: datetime | None = None) -> None:
        """Take or renew the lease; raises ``LeaseHeld`` while another live holder has it."""
        now = now or utcnow()
        with write_session(self.engine) as session:
            lease = session.get(LeaseRow, self.name)
            if lease is None:
                session.add(
                    LeaseRow(name=self.name, holder=self.holder, expires_at=self._expiry(now))
                )
                return
            expires = (
                lease.expires_at
                if lease.expires_at.tzinfo
                else lease.expires_at.replace(tzinfo=now.tzinfo)
            )
            if lease.holder != self.holder and expires > now and alive(lease.holder):
                raise LeaseHeld(lease.holder)
            lease.holder, lease.expires_at = self.holder, self._expiry(now)

    def renew(self) -> None:
        self.acquire()

    def release(self) -> None:
        with write_session(self.engine) as session:
            session.execute(
                delete(LeaseRow).where(
                    col(LeaseRow.name) == self.name, col(LeaseRow.holder) == self.holder
                )
            )

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


def held(engine: Engine, name: str) -> bool:
    """Whether a live holder has the lease now (another sender is at work)."""
    now = utcnow()
    with engine.connect() as connection:
        row = connection.execute(
            select(col(LeaseRow.holder), col(LeaseRow.expires_at)).where(col(LeaseRow.name) == name)
        ).first()
    if row is None:
        return False
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    return bool(expires > now and alive(row.holder))


def alive(holder: str) -> bool:
    """False only when the holder was a process on this host that has gone."""
    host, _, rest = holder.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
