"""Logs hold no secret and no personal data, whichever logger, handler or traceback writes them."""

from __future__ import annotations

import io
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from intake_api import log_privacy
from intake_api.app import create_app
from intake_api.log_privacy import RedactingFilter, redact
from intake_api.runtime import build_runtime
from intake_api.staff import add_staff, issue_token
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi

TELEGRAM_WEBHOOK_SECRET = "tg-webhook-secret-3f9a2c71e0"
SLACK_SIGNING_SECRET = "slack-signing-secret-5e0d1b9a"
SECRET_KEY = "secret-key-for-the-log-test-8c2e4f"
SMTP_PASSWORD = "smtp-pass-w0rd-77"


def test_redact_personal_data():
    assert (
        redact("write to amina@example.org or +962 7 9123 4567") == "write to [email] or [number]"
    )
    assert redact("update 42 for chat 5550123987") == "update 42 for chat [number]"
    assert redact("objective 23, year 2026") == "objective 23, year 2026"


@pytest.mark.parametrize(
    "secret",
    [
        "https://api.telegram.org/bot7012345678:AAF-x9Y_zQwErTyUiOpAsDfGhJkLzXcVbNm/sendMessage",
        "token 7012345678:AAF-x9Y_zQwErTyUiOpAsDfGhJkLzXcVbNm was refused",
        "xoxb-1234-5678-abcdefABCDEF",
        "xoxp-99-abc",
        "xapp-1-A01-123-abcdef",
        "Authorization: Bearer gcm_" + "Q" * 43,
        "bearer abc.def-ghi",
        "postgresql://intake:pg-pa55word@db:5432/gcm",
        "redis://:r3dis-pass@cache:6379/0",
        "smtp://digests:smtp%2Fpw@mail:587?starttls=1",
    ],
)
def test_secrets_are_masked_by_their_shape(secret):
    masked = redact(secret)
    assert "[secret]" in masked
    for part in (
        "AAF-x9Y",
        "abcdefABCDEF",
        "xoxp-99",
        "A01-123",
        "QQQQ",
        "abc.def",
        "pg-pa55word",
        "r3dis-pass",
        "smtp%2Fpw",
    ):
        assert part not in masked


def test_secrets_are_masked_by_their_value_from_the_settings(settings):
    log_privacy.remember_secrets(["a-webhook-secret-of-this-deployment"])
    assert redact("header was a-webhook-secret-of-this-deployment") == "header was [secret]"
    copied = settings.model_copy(update={"slack_signing_secret": "signing-secret-never-logged"})
    create_app(settings=copied)
    assert redact("x signing-secret-never-logged x") == "x [secret] x"
    assert redact("a k in a word") == "a k in a word"  # values under 8 characters are not secrets


def test_short_names_in_paths_are_left_alone():
    line = 'File "/srv/gcm/bots/telegram/channel.py", line 3, in gcm_capture'
    assert redact(line) == line


def test_every_record_is_masked_when_made_even_for_a_handler_added_later():
    """The record factory masks message, arguments, traceback and stack before any handler sees them."""
    log_privacy.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # no filter of ours on it, added after install
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger("httpx")
    logger.addHandler(handler)
    try:
        logger.warning(
            'HTTP Request: POST %s "%s"', f"http://127.0.0.1/bot{TOKEN}/getMe", "HTTP/1.1 200 OK"
        )
        try:
            raise RuntimeError(
                f"refused: xoxb-1234-abcd and https://x/bot{TOKEN}/y for a@example.org"
            )
        except RuntimeError:
            logger.exception("call failed")
        logger.info("stack", stack_info=True)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert (
        "TEST-TOKEN" not in output and "xoxb-1234" not in output and "a@example.org" not in output
    )
    assert "Traceback" in output and "RuntimeError: refused: [secret]" in output


def test_filter_rewrites_records():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user %s wrote %s", (5550123987, "a@b.org"), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "user [number] wrote [email]"


def test_a_malformed_logging_call_does_not_raise():
    log_privacy.install()
    logging.getLogger("intake_api.test").warning(
        "two %s %s", "only one"
    )  # logging itself reports it


def test_a_run_through_every_channel_logs_no_secret(settings, runtime, caplog):
    """Telegram webhook and Bot API calls (and a failing one), Slack, the JSON API and a
    traceback, with everything at DEBUG: the whole captured log holds none of the secrets."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the broadcast command quiets it in process
    bot_api, slack_api = FakeBotApi().start(), FakeSlackApi().start()
    slack_api.add_user("UADMIN", email="admin@un.example", locale="en-GB")
    configured = settings.model_copy(
        update={
            "telegram_token": TOKEN,
            "telegram_api_url": bot_api.base_url,
            "telegram_webhook_secret": TELEGRAM_WEBHOOK_SECRET,
            "telegram_reply_rate": 1000.0,
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SLACK_SIGNING_SECRET,
            "slack_api_url": slack_api.base_url,
            "secret_key": SECRET_KEY,
            "smtp_url": f"smtp://digests:{SMTP_PASSWORD}@127.0.0.1:2525",
        }
    )
    channel_runtime = build_runtime(configured)
    app = create_app(runtime=channel_runtime)
    client = app.test_client()
    try:
        add_staff(channel_runtime.engine, email="admin@un.example", role="admin", reviews=[])
        api_token = issue_token(channel_runtime.engine, staff_id=1)
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_WEBHOOK_SECRET}
        bot_api.fail_next("sendMessage", 500)
        update = {
            "update_id": 501,
            "message": {
                "message_id": 1,
                "date": 1_764_000_000,
                "text": "/start",
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "T"},
            },
        }
        assert client.post("/telegram/webhook", json=update, headers=headers).status_code == 200
        app.extensions["telegram"].get().replies.drain()
        assert bot_api.sent("sendMessage")

        body = urlencode(
            {
                "command": "/gcm",
                "text": "new",
                "user_id": "UADMIN",
                "channel_id": "C1",
                "team_id": "T1",
                "trigger_id": "t1",
                "response_url": "https://hooks.example/x",
            }
        )
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(
            timestamp=stamp, body=body
        )
        assert (
            client.post(
                "/slack/events",
                data=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": signature,
                },
            ).status_code
            == 200
        )
        assert slack_api.sent("views.open")

        assert (
            client.get(
                "/api/v1/submissions", headers={"Authorization": f"Bearer {api_token}"}
            ).status_code
            == 200
        )
        logging.getLogger("intake_api").info("settings in use: %r", configured)
        try:
            raise ConnectionError(
                f"could not reach http://127.0.0.1/bot{TOKEN}/getMe with {api_token}"
            )
        except ConnectionError:
            logging.getLogger("telegram.ext").exception("network error")
    finally:
        if (telegram := app.extensions["telegram"]._channel) is not None:
            telegram.close()
        channel_runtime.engine.dispose()
        bot_api.stop()
        slack_api.stop()

    output = caplog.text + "".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert (
        "HTTP Request: POST" in output and "Traceback" in output
    )  # the lines that used to carry them
    for secret in (
        TOKEN,
        "TEST-TOKEN",
        TELEGRAM_WEBHOOK_SECRET,
        BOT_TOKEN,
        SLACK_SIGNING_SECRET,
        SECRET_KEY,
        SMTP_PASSWORD,
        api_token,
        api_token[4:],
    ):
        assert secret not in output, secret
