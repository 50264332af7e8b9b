"""Real processes with every secret configured: their whole output holds none of them.

The webhook process (``gcm-intake serve`` and gunicorn with deploy/gunicorn.conf.py)
takes a Telegram update and replies through the fake Bot API (the bot token is in every
Bot API URL), answers a signed Slack command through the fake Slack Web API and a JSON
API call with a bearer token; ``gcm-intake telegram`` polls the fake Bot API, which
fails once. Everything each process printed is searched for each secret.
"""

from __future__ import annotations

import re
import subprocess
import time
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from tests.bots.telegram.conftest import TelegramUser
from tests.deploy.servers import SERVERS, migrate
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.processes import GCM_INTAKE, clean_env

pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "tg-webhook-secret-in-a-process-4d1c"
SIGNING_SECRET = "slack-signing-secret-in-a-process-77e0"
SECRET_KEY = "secret-key-of-the-process-test-0b9f3a"
SMTP_PASSWORD = "smtp-password-of-the-process-test"


@pytest.fixture
def fakes():  # type: ignore[no-untyped-def]
    bot_api, slack_api = FakeBotApi().start(), FakeSlackApi().start()
    slack_api.add_user("UADMIN", email="admin@un.example", locale="en-GB")
    yield bot_api, slack_api
    bot_api.stop()
    slack_api.stop()


def _env(tmp_path, bot_api, slack_api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return clean_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        INTAKE_SECRET_KEY=SECRET_KEY,
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=bot_api.base_url,
        INTAKE_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        INTAKE_TELEGRAM_REPLY_RATE="1000",
        INTAKE_SLACK_BOT_TOKEN=BOT_TOKEN,
        INTAKE_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        INTAKE_SLACK_API_URL=slack_api.base_url,
        INTAKE_SMTP_URL=f"smtp://digests:{SMTP_PASSWORD}@127.0.0.1:1",
    )


def _wait_until(condition, what: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(0.05)


def _assert_no_secret(output: str, *extra: str) -> None:
    for secret in (
        TOKEN,
        "TEST-TOKEN",
        WEBHOOK_SECRET,
        BOT_TOKEN,
        SIGNING_SECRET,
        SECRET_KEY,
        SMTP_PASSWORD,
        *extra,
    ):
        assert secret not in output, f"{secret!r} in the log:\n{output[-3000:]}"


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_a_webhook_process_logs_no_secret(server, fakes, tmp_path):
    bot_api, slack_api = fakes
    env = _env(tmp_path, bot_api, slack_api)
    migrate(env, tmp_path)
    staff = subprocess.run(
        [*GCM_INTAKE, "staff", "add", "admin@un.example", "--role", "admin"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    api_token = re.search(r"gcm_\S+", staff.stdout).group(0)
    args = ("-w", "1") if server == "gunicorn" else ()
    with SERVERS[server](env, tmp_path, *args) as running:
        bot_api.fail_next("sendMessage", 500)  # a failed call is logged, and then retried
        update = TelegramUser(7001, "fr").text("/start")
        answer = httpx.post(
            f"{running.url}/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert answer.status_code == 200
        _wait_until(lambda: len(bot_api.texts()) >= 1, "the reply to /start")

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
        signed = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
        slack = httpx.post(
            f"{running.url}/slack/events",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed,
            },
        )
        assert slack.status_code == 200 and slack_api.sent("views.open")

        api = httpx.get(
            f"{running.url}/api/v1/submissions", headers={"Authorization": f"Bearer {api_token}"}
        )
        assert api.status_code == 200
    output = running.output()
    assert "HTTP Request: POST" in output  # httpx's request lines, which carried the bot token
    _assert_no_secret(output, api_token)


def test_polling_logs_no_secret(fakes, tmp_path):
    bot_api, slack_api = fakes
    env = _env(tmp_path, bot_api, slack_api)
    migrate(env, tmp_path)
    bot_api.fail_next("getUpdates", 500)
    log = tmp_path / "telegram.log"
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [*GCM_INTAKE, "telegram"], cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        bot_api.push_update(TelegramUser(7002, "es").text("/start"))
        _wait_until(lambda: len(bot_api.texts()) >= 1, "the reply to /start")
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log.read_text(encoding="utf-8")
    assert "HTTP Request: POST" in output and "get_updates failed" in output
    _assert_no_secret(output)
