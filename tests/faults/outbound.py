"""What the outbound fault tests share: the faults, short policies, and what staff see of a give-up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from intake_api.cli import main
from intake_api.policies.delivery import Policy
from intake_api.runtime import Runtime
from models.delivery import OutboundFailure
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.loopback import RESET, TIMEOUT
from tests.fakes.slack_api import FakeSlackApi

# Each way a platform fails that passes with time: an error answer, flood control, no answer, a reset.
HTTP_FAULTS = [
    pytest.param(500, id="5xx"),
    pytest.param(429, id="429"),
    pytest.param(TIMEOUT, id="timeout"),
    pytest.param(RESET, id="reset"),
]
CLIENT_TIMEOUT = 0.5  # seconds a test's client waits for an answer
HELD = 1.5  # seconds a TIMEOUT fault holds the answer: past the client's timeout

# Retried quickly, given up within seconds: the policies' shape, at test speed.
QUICK = Policy(first=0.05, cap=0.2, deadline=timedelta(seconds=30))
SHORT = Policy(first=0.05, cap=0.2, deadline=timedelta(seconds=1.5))


def failures(runtime: Runtime) -> list[OutboundFailure]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboundFailure).order_by(OutboundFailure.id)))  # type: ignore[arg-type]


def given_up(runtime: Runtime) -> list[OutboundFailure]:
    return [row for row in failures(runtime) if row.failed_at is not None]


def staff_see(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``gcm-intake failures`` prints."""
    monkeypatch.setenv("INTAKE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("INTAKE_SECRET_KEY", runtime.settings.secret_key)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps narrower tables
    result = CliRunner().invoke(main, ["failures"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    api.hold_seconds = HELD
    yield api
    api.stop()


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi().start()
    api.hold_seconds = HELD
    yield api
    api.stop()
