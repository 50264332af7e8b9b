"""What every Slack listener needs: the runtime, the reader's locale, the staff member.

Listeners are plain functions (``bots.slack.listeners``); bolt hands them this app's
``SlackContext`` in its own ``context`` (``SlackContext.of``), put there by a global
middleware (``SlackContext.middleware``), so a test can call a listener with doubles.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from cachetools import TTLCache
from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from intake_api.i18n import DEFAULT_LOCALE, gettext, negotiate
from intake_api.inbox import Inbox
from intake_api.policies.authorization import Action, NotAllowed, refusal
from intake_api.policies.availability import store_unavailable
from intake_api.runtime import Runtime
from intake_api.staff import staff_for_slack
from models.staff import StaffMember

log = logging.getLogger(__name__)
LOCALE_CACHE_SECONDS = 300  # a change of language in Slack shows within five minutes
LOCALE_CACHE_SIZE = 4096
_LOCALES_LOCK = threading.Lock()
CONTEXT_KEY = "gcm"  # where bolt's context holds the SlackContext


@dataclass
class SlackContext:
    runtime: Runtime

    @staticmethod
    def of(context: BoltContext) -> SlackContext:
        """The SlackContext of the app that runs a listener, from bolt's ``context`` argument."""
        found = context[CONTEXT_KEY]
        assert isinstance(found, SlackContext), (
            "SlackContext.middleware() is the app's first middleware"
        )
        return found

    def middleware(self) -> Callable[..., BoltResponse]:
        """Bolt global middleware: every listener and later middleware finds this in ``context``.

        A plain function, not a bound method: bolt passes arguments by the callable's names.
        """

        def provide(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
            context[CONTEXT_KEY] = self
            return next()

        return provide

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

        return staff_for_slack(
            self.runtime.engine, self.runtime.keys, slack_user_id=user_id, email_of=email_of
        )


class Refused(Exception):
    """A caller refused by the authorization policy; ``text`` is what they are told, in their language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@contextmanager
def require_staff(
    slack: SlackContext,
    client: WebClient,
    user_id: str,
    action: Action,
    *,
    locale: str | None = None,
) -> Iterator[StaffMember]:
    """The staff member behind ``user_id``, for a block that does ``action``.

    One refusal for every listener: a Slack user who is not staff, and any ``NotAllowed``
    raised in the block (the policy's ``authorize``, a service), become ``Refused`` with
    the policy's message for ``action`` in ``locale`` (by default the user's Slack
    language). How it is shown (the command's answer, an ephemeral message, a modal's
    error) is the listener's.
    """
    staff = slack.staff(client, user_id)
    try:
        if staff is None:
            raise NotAllowed(action.value)
        yield staff
    except NotAllowed:
        text = gettext(locale or slack.locale_of(client, user_id), refusal(staff, action))
        raise Refused(text) from None
