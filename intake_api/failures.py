"""Every failure leaves one trace: a log line with its request or job id and cause, and a count.

The cause is the exception's type and its causes' types, never its message: a database
error quotes the values it was given, a Telegram error the text it could not send.
Counts are Prometheus counters (``/metrics``), so monitoring sees a rise in 503s or in
messages given up on without reading logs. Under gunicorn each worker counts its own;
with ``PROMETHEUS_MULTIPROC_DIR`` set (``deploy/gunicorn.conf.py`` sets it) ``/metrics``
adds them up across workers.
"""

from __future__ import annotations

import logging
import os

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess

log = logging.getLogger(__name__)
# Decided once, as prometheus_client decides at its import whether values live in files.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

SERVER_ERRORS = Counter(
    "gcm_intake_http_server_errors",
    "Requests answered with a 5xx, by route pattern, status and cause.",
    ["route", "status", "cause"],
)
STORE_UNAVAILABLE = Counter(
    "gcm_intake_store_unavailable",
    "Times the store could not be reached or written, by where it was needed.",
    ["where"],
)
OUTBOUND_RETRIES = Counter(
    "gcm_intake_outbound_retries",
    "Outbound messages tried again after a failure, by kind (reply, broadcast, moderation, digest, email).",
    ["kind", "cause"],
)
OUTBOUND_GIVE_UPS = Counter(
    "gcm_intake_outbound_give_ups",
    "Outbound messages given up on and recorded as failed, by kind.",
    ["kind", "cause"],
)


def cause_of(error: BaseException) -> str:
    """The exception's type and its causes' types: what failed, without what it said."""
    kinds, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kinds.append(f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    return " caused by ".join(kinds)


def short_cause(error: BaseException) -> str:
    """The innermost cause's class name: few enough distinct values to be a metric label."""
    current, seen = error, set()
    while (current.__cause__ or current.__context__) is not None and id(current) not in seen:
        seen.add(id(current))
        current = current.__cause__ or current.__context__  # type: ignore[assignment]
    return type(current).__name__


def store_unavailable(
    where: str, ident: str, error: BaseException, *, then: str = "answered 503, nothing stored"
) -> None:
    """Log once (a warning: the service did what it should) and count a store outage met.

    ``then``: what was done about it (a request answers 503; a background loop waits).
    """
    STORE_UNAVAILABLE.labels(where=where).inc()
    log.warning("store unavailable at %s, %s; %s: %s", where, ident, then, cause_of(error))


def server_error(route: str, status: int, error: BaseException) -> None:
    SERVER_ERRORS.labels(route=route, status=str(status), cause=short_cause(error)).inc()


def outbound_retry(kind: str, error: BaseException) -> None:
    OUTBOUND_RETRIES.labels(kind=kind, cause=short_cause(error)).inc()


def outbound_give_up(kind: str, ident: str, error: BaseException | str) -> None:
    """Log once and count a message that will not be sent; the caller records it as failed."""
    cause = error if isinstance(error, str) else short_cause(error)
    OUTBOUND_GIVE_UPS.labels(kind=kind, cause=cause).inc()
    detail = error if isinstance(error, str) else cause_of(error)
    log.error("gave up sending %s %s; recorded as failed: %s", kind, ident, detail)


def exposition() -> bytes:
    """The counters in Prometheus' text format, summed across gunicorn workers when configured."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()
