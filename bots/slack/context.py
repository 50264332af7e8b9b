"""What every Slack listener needs: the runtime, the reader's locale, the staff member."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from intake_api.i18n import DEFAULT_LOCALE, negotiate
from intake_api.inbox import Inbox
from intake_api.runtime import Runtime
from intake_api.staff import staff_for_slack
from models.staff import StaffMember

log = logging.getLogger(__name__)


@dataclass
class SlackContext:
    runtime: Runtime

    @cached_property
    def inbox(self) -> Inbox:
        """Events seen, by event_id: recorded in the middleware, settled by their listener."""
        return Inbox(self.runtime.engine, self.runtime.keys, "slack")

    @contextmanager
    def settling(self, event_id: str) -> Iterator[None]:
        """Mark an event processed, or failed so that Slack's retry processes it again."""
        try:
            yield
        except Exception as error:
            self.inbox.failed(event_id, error)
            raise
        self.inbox.done(event_id)

    def locale_of(self, client: WebClient, user_id: str) -> str:
        """The Slack user's language where it is one of ours (users.info, include_locale)."""
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return DEFAULT_LOCALE
        return negotiate(user.get("locale"))

    def staff(self, client: WebClient, user_id: str) -> StaffMember | None:
        def email_of() -> str | None:
            try:
                return client.users_info(user=user_id)["user"].get("profile", {}).get("email")
            except SlackApiError:
                return None

        return staff_for_slack(self.runtime.engine, self.runtime.keys, slack_user_id=user_id, email_of=email_of)
