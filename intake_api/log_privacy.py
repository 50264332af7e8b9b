"""Keep secrets and personal data out of the logs, whatever a library or a handler writes there.

One mechanism: a log-record factory (``install``). Every record that any logger of the
process creates, ours or a library's (httpx's request lines carry the Bot API URL with
the bot token in it, slack_sdk's debug lines, gunicorn, waitress), has its message, its
traceback and its stack masked the moment it is created, before any filter or handler
sees it, so a handler added later, by us or by a library, cannot miss it.

Masked: the deployment's own secrets by value (``remember_secrets``, fed from the
settings), secrets recognisable by their shape wherever they come from (bot tokens and
``/bot<token>/`` in URLs, Slack ``xox?-`` and ``xapp-`` tokens, our API tokens
``gcm_...``, bearer credentials, passwords in URLs), then e-mail addresses and long
numbers (phone numbers, chat and account ids).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

SECRET = "[secret]"  # noqa: S105 - the mask, not a secret
MIN_SECRET_LENGTH = 8  # shorter values ("k" in a test) would mask ordinary words

_SECRET_SHAPES = (
    (
        re.compile(r"(?<=/bot)\d+:[^/\s'\"?#]+"),
        SECRET,
    ),  # Bot API URLs: https://api.telegram.org/bot<token>/...
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}"), SECRET),  # a Telegram bot token on its own
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), SECRET),  # Slack bot, user and refresh tokens
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), SECRET),  # Slack app-level tokens
    (re.compile(r"\bgcm_[A-Za-z0-9_-]{40,}"), SECRET),  # the JSON API's bearer tokens
    (
        re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"),
        rf"\1 {SECRET}",
    ),  # any other bearer credential
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@"),
        rf"\1{SECRET}@",
    ),  # scheme://user:pw@host
)
_PERSONAL_DATA = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\+?\d[\d ().-]{7,}\d"), "[number]"),  # phone numbers, chat and account ids
)

_known_secrets: set[str] = set()
_known_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def remember_secrets(values: Iterable[str]) -> None:
    """Mask these values (tokens, keys, passwords of this deployment) in every record from now on."""
    global _known_pattern
    fresh = {value for value in values if value and len(value) >= MIN_SECRET_LENGTH}
    with _lock:
        if fresh <= _known_secrets:
            return
        _known_secrets.update(fresh)
        longest_first = sorted(_known_secrets, key=len, reverse=True)
        _known_pattern = re.compile("|".join(re.escape(value) for value in longest_first))


def redact(text: str) -> str:
    """The text with secrets, then e-mail addresses and long numbers, masked."""
    known = _known_pattern
    if known is not None:
        text = known.sub(SECRET, text)
    for pattern, replacement in (*_SECRET_SHAPES, *_PERSONAL_DATA):
        text = pattern.sub(replacement, text)
    return text


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record's message (with its arguments merged in), traceback and stack, in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call must not break the caller's logging
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        # Formatters print exc_text as it is; the exception itself (its message, its frames'
        # locals) is dropped, so that no handler can format it again unmasked.
        record.exc_text, record.exc_info = redact(record.exc_text), None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class _MaskingFactory:
    """Wraps the record factory that was in place, so records are masked as they are made."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(self.inner(*args, **kwargs))


def install() -> None:
    """Mask every record of this process from now on (idempotent)."""
    with _lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _MaskingFactory):
            logging.setLogRecordFactory(_MaskingFactory(current))


def log_uncaught_exceptions() -> None:
    """Uncaught exceptions of the main thread and of other threads go through logging, masked.

    Python prints them to stderr itself otherwise, past the record factory. For the
    processes the CLI and gunicorn start; tests keep pytest's own hooks.
    """
    uncaught = logging.getLogger("gcm_intake.uncaught")

    def main_thread(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        uncaught.critical("Uncaught %s", kind.__name__, exc_info=(kind, error, trace))

    def other_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        uncaught.error(
            "Uncaught %s in thread %s",
            args.exc_type.__name__,
            name,
            exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
        )

    sys.excepthook = main_thread
    threading.excepthook = other_thread


class RedactingFilter(logging.Filter):
    """The same masking as a filter, for handler configurations that name one (deploy/)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True
