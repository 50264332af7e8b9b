"""How the core tells staff about inputs without knowing where staff read them.

The composition root (``intake_api.app``) installs a channel's notifier on the runtime
(Slack's moderation feed when Slack is configured); without one, nothing is told and
the inputs wait in the staff views. The intake service calls it after the input is
committed, never inside the transaction, and a notifier must not keep the caller
waiting: a contributor's reply never waits for Slack.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class StaffNotifier(Protocol):
    def urgent_input(self, receipt: str) -> None:
        """An input disclosed a protection risk: staff should see it now, not at the next tick."""

    def show_new_inputs(self, now: datetime) -> None:
        """The scheduler's catch-up: show every input not shown yet, and retry failed posts."""


class NoNotifier:
    """Nothing to tell: no staff channel is configured."""

    def urgent_input(self, receipt: str) -> None:
        pass

    def show_new_inputs(self, now: datetime) -> None:
        pass
