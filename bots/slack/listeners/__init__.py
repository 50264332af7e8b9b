"""Slack listeners, one module per kind of request, as in Bolt's starter template.

Each module holds plain functions (bolt passes them ``ack``, ``body``, ``client``,
``context``, ...) and a ``register(app)`` that routes to them; ``SlackContext.of(context)``
gives them the runtime. Tests call the functions directly with doubles.
"""

from __future__ import annotations

from slack_bolt import App

from bots.slack.listeners import actions, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    for listeners in (commands, views, actions, shortcuts, events):
        listeners.register(app)
