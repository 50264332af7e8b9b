"""`gcm-intake broadcast` as staff run it: a dry run, a whole run, and a process killed midway."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter

import pytest
from click.testing import CliRunner

from bots.telegram.broadcast import MAX_IN_FLIGHT
from intake_api import broadcasts
from intake_api.cli import main
from tests.bots.telegram.test_broadcast import MESSAGE, _people
from tests.fakes.bot_api import TOKEN, FakeBotApi, Limits
from tests.processes import GCM_INTAKE, clean_env


@pytest.fixture
def telegram_api():  # type: ignore[no-untyped-def]
    api = FakeBotApi(Limits()).start()  # Telegram's own limits, enforced
    yield api
    api.stop()


def _env(runtime, api: FakeBotApi) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "INTAKE_DATABASE_URL": runtime.settings.database_url,
        "INTAKE_SECRET_KEY": runtime.settings.secret_key,
        "INTAKE_TELEGRAM_TOKEN": TOKEN,
        "INTAKE_TELEGRAM_API_URL": api.base_url,
    }


def _message_files(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "message.txt").write_text(MESSAGE + "\n", encoding="utf-8")
    (tmp_path / "message.fr.txt").write_text(
        "La consultation régionale a lieu le 12 mars.\n", encoding="utf-8"
    )
    return [
        "--review",
        "escwa",
        "--message-file",
        str(tmp_path / "message.txt"),
        "--translation",
        f"fr={tmp_path / 'message.fr.txt'}",
    ]


def test_dry_run_then_send_with_progress(service, runtime, telegram_api, tmp_path, monkeypatch):
    people = _people(service, runtime, range(71_001, 71_006))
    for name, value in _env(runtime, telegram_api).items():
        monkeypatch.setenv(name, value)
    args = ["broadcast", *_message_files(tmp_path), "--group", "-1001234"]

    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "5 contributors of ESCWA agreed to messages; 1 groups" in dry.output
        and "--- fr" in dry.output
    )
    assert telegram_api.sent() == []

    refused = CliRunner().invoke(main, args, input="n\n")
    assert refused.exit_code != 0 and telegram_api.sent() == []

    sent = CliRunner().invoke(main, [*args, "--yes"])
    assert sent.exit_code == 0, sent.output
    assert (
        "6 recipients" in sent.output
        and "this run: 6 reached" in sent.output
        and "0 answered 429" in sent.output
    )
    assert telegram_api.messages_per_chat() == Counter(
        {**{str(p): 1 for p in people}, "-1001234": 2}
    )

    again = CliRunner().invoke(main, [*args, "--yes"])
    assert "(resuming)" in again.output and "this run: 0 reached" in again.output
    assert sum(telegram_api.messages_per_chat().values()) == 7


def test_bad_arguments_are_explained(runtime, tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_DATABASE_URL", runtime.settings.database_url)
    (tmp_path / "m.txt").write_text("Hello", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    for args, why in (
        (["--review", "nowhere", "--message-file", str(tmp_path / "m.txt")], "unknown review"),
        (["--review", "eca", "--message-file", str(tmp_path / "empty.txt")], "is empty"),
        (
            [
                "--review",
                "eca",
                "--message-file",
                str(tmp_path / "m.txt"),
                "--translation",
                "xx=m.txt",
            ],
            "LOCALE=FILE",
        ),
        (
            ["--review", "eca", "--message-file", str(tmp_path / "m.txt"), "--group", "12345"],
            "negative",
        ),
        (["--review", "eca", "--message-file", str(tmp_path / "m.txt")], "INTAKE_TELEGRAM_TOKEN"),
    ):
        result = CliRunner().invoke(main, ["broadcast", *args, "--yes"])
        assert result.exit_code != 0 and why in result.output, (args, result.output)


@pytest.mark.slow
def test_a_killed_broadcast_resumes_without_sending_twice(service, runtime, telegram_api, tmp_path):
    people = _people(service, runtime, range(71_101, 71_161))
    command = [*GCM_INTAKE, "broadcast", *_message_files(tmp_path), "--yes"]
    env = clean_env(**_env(runtime, telegram_api))

    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while sum(telegram_api.messages_per_chat().values()) < 15 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # mid-broadcast: no goodbye, nothing flushed
    process.communicate(timeout=10)
    before = sum(telegram_api.messages_per_chat().values())
    assert 15 <= before < len(people)

    finished = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    received = telegram_api.messages_per_chat()
    assert max(received.values()) == 1  # nobody twice
    totals = broadcasts.summary(runtime.engine, 1)
    # In flight when killed (a handful at most): maybe received, not sent again (at most once).
    assert (
        totals["sent"] + totals.get("uncertain", 0) == len(people)
        and totals.get("uncertain", 0) <= MAX_IN_FLIGHT
    )
    assert len(people) - len(received) <= totals.get("uncertain", 0)
    assert f"{totals.get('uncertain', 0)} uncertain" in finished.stdout
    assert telegram_api.too_many_requests == 0
    assert "Traceback" not in finished.stdout + finished.stderr
