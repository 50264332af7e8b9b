"""What every Slack listener needs: the runtime, the reader's locale, the staff member."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from intake_api.i18n import DEFAULT_LOCALE, negotiate
from intake_api.inbox import Inbox
from intake_api.policies.availability import store_unavailable
from intake_api.runtime import Runtime
from intake_api.staff import staff_for_slack
from models.staff import StaffMember

log = logging.getLogger(__name__)
LOCALE_CACHE_SECONDS = 300  # a change of language in Slack shows within five minutes
LOCALE_CACHE_SIZE = 4096
_LOCALES_LOCK = threading.Lock()


@dataclass
class SlackContext:
    runtime: Runtime

    @cached_property
    def inbox(self) -> Inbox:
        """Events seen, by event_id: recorded in the middleware, settled by their listener."""
        return Inbox(self.runtime.engine, self.runtime.keys, "slack")

    @contextmanager
    def settling(self, event_id: str) -> Iterator[None]:
        """Mark an event processed, or failed so that Slack's retry processes it again.

        A store that is unavailable is not the event's fault and cannot be written to:
        no attempt is counted, the event stays pending for Slack's retry (``app._once_per_event``).
        """
        try:
            yield
        except Exception as error:
            if not store_unavailable(error):
                self.inbox.failed(event_id, error)
            raise
        self.inbox.done(event_id)

    @cached_property
    def _locales(self) -> TTLCache[str, str]:
        return TTLCache(maxsize=LOCALE_CACHE_SIZE, ttl=LOCALE_CACHE_SECONDS)

    def locale_of(self, client: WebClient, user_id: str) -> str:
        """The Slack user's language where it is one of ours (users.info, include_locale).

        Kept a few minutes per user: every command, button and App Home visit asks, and a
        Web API call costs more than the rest of a listener.
        """
        with _LOCALES_LOCK:
            known = self._locales.get(user_id)
        if known is not None:
            return known
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return DEFAULT_LOCALE
        locale = negotiate(user.get("locale"))
        with _LOCALES_LOCK:
            self._locales[user_id] = locale
        return locale

    def staff(self, client: WebClient, user_id: str) -> StaffMember | None:
        def email_of() -> str | None:
            try:
                return client.users_info(user=user_id)["user"].get("profile", {}).get("email")
            except SlackApiError:
                return None

        return staff_for_slack(self.runtime.engine, self.runtime.keys, slack_user_id=user_id, email_of=email_of)
