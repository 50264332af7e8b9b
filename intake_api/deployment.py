"""What a deployment must get right before it serves: a store every worker can share.

SQLite is one file with one writer at a time. Threads of one process take turns on
it well (WAL and a busy timeout); several gunicorn workers queue on the same file
lock, and a worker on a second host does not see the file at all. So production
refuses SQLite under several workers and development only warns.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from intake_api.settings import Settings

log = logging.getLogger(__name__)

# deploy/gunicorn.conf.py checks in gunicorn's master, before forking, with gunicorn's
# own resolved worker count, and leaves it here so that the workers do not check again.
CHECKED_ENV = "GCM_INTAKE_WORKERS_CHECKED"


class UnsafeDeployment(RuntimeError):
    """The configuration would lose or block inputs under load."""


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse an SQLite store under several workers in production; warn in development."""
    if workers <= 1 or make_url(settings.database_url).get_backend_name() != "sqlite":
        return
    if settings.environment == "production":
        raise UnsafeDeployment(
            f"refusing to start {workers} gunicorn workers on an SQLite store in production: "
            "set INTAKE_DATABASE_URL to PostgreSQL (postgresql://...), or run a single worker"
        )
    log.warning(
        "%d gunicorn workers share an SQLite store: they take turns to write. Fine to try "
        "things out; in production use PostgreSQL (INTAKE_DATABASE_URL=postgresql://...)",
        workers,
    )


def gunicorn_workers(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> int | None:
    """How many workers gunicorn starts, read as gunicorn reads them; None outside gunicorn.

    The command line wins over ``GUNICORN_CMD_ARGS``, which wins over ``WEB_CONCURRENCY``.
    A ``workers`` line in a config file other than deploy/gunicorn.conf.py is not seen
    here: that file checks in gunicorn's master instead (see ``CHECKED_ENV``).
    """
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if not argv or "gunicorn" not in Path(argv[0]).parts:
        return None  # `gunicorn ...` or `python -m gunicorn ...` (argv[0] is gunicorn/__main__.py)
    from gunicorn.config import Config

    parser = Config().parser()
    command_line, _ = parser.parse_known_args(list(argv[1:]))
    from_env, _ = parser.parse_known_args(shlex.split(environ.get("GUNICORN_CMD_ARGS", "")))
    for value in (command_line.workers, from_env.workers, environ.get("WEB_CONCURRENCY")):
        if value:
            return int(value)
    return 1


def check_gunicorn_workers(settings: Settings) -> None:
    """In a gunicorn worker that its master has not checked, check its worker count.

    A refusal is raised as gunicorn's AppImportError, which gunicorn prints as it is
    and then stops, instead of booting worker after worker.
    """
    if os.environ.get(CHECKED_ENV):
        return
    workers = gunicorn_workers()
    if workers is None:
        return
    try:
        check_workers(settings, workers)
    except UnsafeDeployment as refused:
        from gunicorn.errors import AppImportError

        raise AppImportError(str(refused)) from None
