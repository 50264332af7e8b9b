"""The one rule for telling staff now: a new urgent input, once it is committed."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake_api.runtime import Runtime
from models import Submission
from tests.conftest import count_rows
from tests.factories import input_answers

URGENT = "My employer took my passport and I cannot leave the house."


class Recorder:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.told: list[tuple[str, int]] = []  # (receipt, inputs stored when told)

    def urgent_input(self, receipt: str) -> None:
        self.told.append((receipt, count_rows(self.runtime.engine, Submission.__tablename__)))

    def show_new_inputs(self, now: datetime) -> None:
        pass


@pytest.mark.parametrize("channel", ["web", "telegram"])
def test_a_new_urgent_input_is_told_once_after_it_is_stored(runtime, channel):  # type: ignore[no-untyped-def]
    recorder = Recorder(runtime)
    runtime.notifier = recorder
    where = {"channel": channel, "locale": "en"} | (
        {"platform_user_id": 7} if channel == "telegram" else {}
    )
    runtime.service.submit_input(input_answers(), message_id="plain", **where)
    urgent = runtime.service.submit_input(input_answers(text=URGENT), message_id="urgent", **where)
    again = runtime.service.submit_input(input_answers(text=URGENT), message_id="urgent", **where)
    assert urgent.urgent is not None and again.duplicate
    assert recorder.told == [
        (urgent.code, 2)
    ]  # committed before staff hear of it; a retry tells nobody


def test_without_a_staff_channel_nobody_is_told(runtime):  # type: ignore[no-untyped-def]
    receipt = runtime.service.submit_input(
        input_answers(text=URGENT), channel="web", message_id="u", locale="en"
    )
    assert receipt.urgent is not None  # and the default notifier did nothing
