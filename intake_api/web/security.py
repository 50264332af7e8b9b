"""What keeps the public forms safe: CSRF, rate limits, size limits and security headers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, make_response, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from intake_api.policies.methods import STATE_CHANGING_METHODS, changes_state, mark_guarded
from intake_api.policies.requests import loads_bounded
from intake_api.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])

MAX_REQUEST_BYTES = 256 * 1024  # the longest form is far below; anything bigger is refused

csrf = CSRFProtect()
limiter = Limiter(get_remote_address, headers_enabled=True)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)


class BoundedJsonProvider(DefaultJSONProvider):
    """Flask's JSON, read with a depth limit: too deep a body is invalid JSON, so
    ``request.get_json`` answers 400 (or None when silent), never a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s)


def init_app(app: Flask, settings: Settings) -> None:
    app.json = BoundedJsonProvider(app)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        WTF_CSRF_TIME_LIMIT=4 * 3600,  # a long input takes a while to write
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        # Redis down: count in this process until it is back, rather than fail every form.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production",
    )
    if settings.proxy_hops:
        # Behind a reverse proxy the client is in X-Forwarded-For; trust only our own hops.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_hops,
            x_proto=settings.proxy_hops,
            x_host=settings.proxy_hops,
        )
    # The limiter's headers go on in an after_request of its own; these two hooks run just
    # before it (registered after it) and just after it (registered before it).
    app.after_request(_retry_after_as_answered)
    limiter.init_app(app)
    app.after_request(_note_retry_after)
    csrf.init_app(app)
    app.after_request(_security_headers)


def guard_state_changes(limit: str) -> Callable[[View], View]:
    """An HTML route's state-changing methods: counted against ``limit`` per client, then
    refused without a valid CSRF token (so failed tokens count too). See policies.methods."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if changes_state(request.method):
                csrf.protect()
            return view(*args, **kwargs)

        csrf.exempt(checked)  # from CSRFProtect's own check, which would run before the limit
        limited = limiter.limit(limit, methods=sorted(STATE_CHANGING_METHODS))(checked)
        return mark_guarded(limited)  # type: ignore[return-value]

    return decorate


def no_store(rv: ResponseReturnValue) -> Response:
    """Form and receipt pages hold what a person typed: never cache them."""
    response = make_response(rv)
    response.headers["Cache-Control"] = "no-store"
    return response


def _note_retry_after(response: Response) -> Response:
    """The Retry-After the answer's handler gave, before the limiter's hook sees it."""
    g.answered_retry_after = response.headers.get("Retry-After")
    return response


def _retry_after_as_answered(response: Response) -> Response:
    """Retry-After as the answer meant it, not the rate limit window's reset.

    Flask-Limiter puts the time until its window resets into Retry-After on every answer
    of a limited route, a 200 or a 503 alike (raising a 503's 30 s to up to a minute).
    A client should wait for the window only when refused for the limit (429); any other
    answer keeps the Retry-After its handler gave (a store unavailable:
    ``policies.availability``), or has none.
    """
    if response.status_code == 429:
        return response
    answered = g.pop("answered_retry_after", None)
    if answered is None:
        response.headers.pop("Retry-After", None)
    else:
        response.headers["Retry-After"] = answered
    return response


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin keeps the Referer on our own POSTs, which CSRF checks over HTTPS.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
