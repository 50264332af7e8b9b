"""HTTP methods: HEAD is GET and never processes a body; every state change is guarded.

The policy, for every route of the app:

- A route declares its methods. Flask answers HEAD with the GET view and OPTIONS by
  itself; any other method (TRACE, PROPFIND, PUT on a form, ...) gets 405 with an
  ``Allow`` header listing the declared ones (``intake_api.web.errors`` writes it).
- GET, HEAD and OPTIONS are safe. Their body is dropped before the app sees the request
  (``SafeMethodsCarryNoBody``), and views tell a submission apart by ``changes_state``
  (POST, PUT, PATCH, DELETE), never by "not GET": a HEAD with a complete form, or with
  ``action=erase_confirmed``, is a page view.
- A route that accepts a state-changing method is either guarded, each such request
  counted against a per-client rate limit and then refused without a valid CSRF token
  (``intake_api.web.security.guard_state_changes`` marks it with ``mark_guarded``), or
  belongs to a blueprint that authenticates every call by a secret, a signature or a
  bearer token (the Telegram and Slack webhooks, the JSON API). ``install`` refuses to
  build an app with any other kind.

tests/intake_api/policies/test_methods_walk.py walks the URL map and proves each promise
for every route and method.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_GUARDED = "_gcm_state_changes_guarded"

View = TypeVar("View", bound=Callable[..., Any])


class UnguardedRoute(RuntimeError):
    """A route accepts a state-changing method without a rate limit and a CSRF check."""


def changes_state(method: str) -> bool:
    """True for the methods that may write: the only ones a view may treat as a submission."""
    return method.upper() in STATE_CHANGING_METHODS


def mark_guarded(view: View) -> View:
    """Record that a view's state-changing methods are rate-limited and CSRF-checked."""
    setattr(view, _GUARDED, True)
    return view


def is_guarded(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, _GUARDED, False))


class SafeMethodsCarryNoBody:
    """WSGI middleware: a request whose method cannot change state reaches the app without a body."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not changes_state(environ.get("REQUEST_METHOD", "")):
            environ["wsgi.input"] = io.BytesIO(b"")
            environ["CONTENT_LENGTH"] = "0"
            environ.pop("CONTENT_TYPE", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def unguarded_routes(app: Flask, *, authenticated_blueprints: Iterable[str]) -> list[str]:
    """Rules that accept a state-changing method with neither a guard nor per-call authentication."""
    trusted = set(authenticated_blueprints)
    found = []
    for rule in app.url_map.iter_rules():
        if not STATE_CHANGING_METHODS & set(rule.methods or ()):
            continue
        if rule.endpoint.split(".", 1)[0] in trusted and "." in rule.endpoint:
            continue
        if not is_guarded(app.view_functions[rule.endpoint]):
            found.append(f"{rule.rule} ({rule.endpoint})")
    return found


def install(app: Flask, *, authenticated_blueprints: Iterable[str]) -> None:
    """Drop the bodies of safe methods; refuse an app with a state-changing route left open."""
    unguarded = unguarded_routes(app, authenticated_blueprints=authenticated_blueprints)
    if unguarded:
        raise UnguardedRoute(
            "state-changing methods without a rate limit and CSRF check "
            f"(use web.security.guard_state_changes): {', '.join(unguarded)}"
        )
    app.wsgi_app = SafeMethodsCarryNoBody(app.wsgi_app)  # type: ignore[method-assign]
