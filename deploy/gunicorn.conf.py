"""gunicorn configuration for gcm-intake in production: `gunicorn -c deploy/gunicorn.conf.py`.

Tested by tests/deploy/test_gunicorn.py (PostgreSQL, two workers, /healthz, the access
log, SIGTERM, forwarded headers) and tests/deploy/test_two_processes.py. Anything here
can be overridden on the command line (`-w 8`, `-b 0.0.0.0:8000`) or in GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os
import re
import tempfile

# /metrics adds up the counters of every worker (intake_api.failures): prometheus_client's
# multiprocess mode keeps them in files in this folder, which must be set before the
# client is first imported and be empty at each start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gcm-intake-metrics-")

from gunicorn.glogging import Logger  # noqa: E402 - after the metrics folder is set
from prometheus_client import multiprocess  # noqa: E402 - after the metrics folder is set

from intake_api import log_privacy  # noqa: E402

# Before gunicorn's first record: every record of the master and its workers is masked when
# it is made (bot and Slack tokens, API tokens, passwords in URLs, e-mail addresses, long numbers).
log_privacy.install()
log_privacy.log_uncaught_exceptions()
wsgi_app = "intake_api.app:create_app()"

# Where the reverse proxy reaches the app (compose binds 0.0.0.0:8000 in its container).
bind = ["127.0.0.1:8000"]

# Processes x threads. Requests wait mostly on PostgreSQL and, for Telegram webhooks, on
# the Bot API, so a few threads per process serve a burst better than more processes.
# WEB_CONCURRENCY (gunicorn's own variable) or -w sets the processes. Each one keeps its
# own pool of store connections (5, up to 15): count workers x threads on every host
# against PostgreSQL's max_connections (100 by default).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = 4

# A worker whose main loop stops answering its master for this long is killed and
# replaced. With threads a long request (a streamed export) does not stop that loop.
timeout = 60
# On SIGTERM (systemd stop, docker stop, a deploy): the listening socket closes at once, so
# a balancer sees this host go and retries elsewhere; requests in flight get this long to
# finish. Keep it below systemd's TimeoutStopSec and compose's stop_grace_period.
graceful_timeout = 30
# Behind a proxy or a load balancer that reuses connections, gunicorn must not close an idle
# one first (the proxy would send a request into a closing socket and answer 502): keep this
# above the proxy's idle timeout (nginx upstream keepalive_timeout 60s; AWS ALB 60 s).
keepalive = 75
# Replace each worker after a while, spread out, so a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200

# X-Forwarded-For, -Proto and -Host are read by the app (werkzeug's ProxyFix, counting
# INTAKE_PROXY_HOPS from the right), never by gunicorn too: one reader, one answer.
# Without trusted proxies no forwarded header is trusted at all; with them, only from the
# proxies' addresses (FORWARDED_ALLOW_IPS, gunicorn's own variable; '*' when only the
# proxy can reach this port, as in deploy/compose.yaml).
_proxy_hops = int(os.environ.get("INTAKE_PROXY_HOPS", "0") or 0)
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _proxy_hops else ""

# Logs to stdout/stderr for journald or docker. The access log has no client address,
# no query string, no referrer or user agent, and receipt codes in paths are masked.
_RECEIPT = re.compile(r"\b(?:IN|PL|PR|RG)-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
access_log_format = '"%(m)s %(U)s %(H)s" status=%(s)s bytes=%(B)s ms=%(M)s'


class PrivateAccessLogger(Logger):
    """gunicorn's logger with the request path stripped of receipt codes and personal data."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        from intake_api.log_privacy import redact

        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact(_RECEIPT.sub("[receipt]", atoms["U"] or ""))
        return atoms


logger_class = PrivateAccessLogger
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private": {"()": "intake_api.log_privacy.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
            "filters": ["private"],
        },
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["private"],
        },
    },
    # The app's own records (intake_api, bots, models) go to stderr with gunicorn's.
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}


def on_starting(server):  # type: ignore[no-untyped-def]
    """Before any worker starts: refuse a store that several workers cannot share."""
    from pydantic import ValidationError

    from intake_api.deployment import CHECKED_ENV, UnsafeDeployment, check_workers
    from intake_api.settings import Settings

    try:
        check_workers(Settings(), server.cfg.workers)
    except (UnsafeDeployment, ValidationError) as refused:
        server.log.error("gcm-intake: %s", refused)
        raise SystemExit(1) from None
    os.environ[CHECKED_ENV] = str(server.cfg.workers)  # inherited by the workers


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker gone (killed, replaced): its live gauges leave /metrics, its counts stay.

    gunicorn's master runs this in its SIGCHLD handler, which a second worker's exit can
    interrupt: it must import nothing (an import cut short there left the module half made,
    the nested call failed, and the master died with every worker gone).
    """
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
