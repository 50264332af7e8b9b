"""Settings: zero configuration for a newcomer, clear switches for channels."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from intake_api.settings import Settings


def test_defaults_need_no_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'gcm_intake.db'}"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.ratelimit_storage_url == "memory://"
    assert not settings.telegram_enabled and not settings.slack_enabled


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = Settings().secret_key
    assert len(first) >= 48
    assert Settings().secret_key == first
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o077 == 0


def test_environment_and_dotenv_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("INTAKE_TELEGRAM_TOKEN=123:abc\nINTAKE_SLACK_BOT_TOKEN=xoxb-1\n")
    monkeypatch.setenv("INTAKE_SLACK_SIGNING_SECRET", "s3cret")
    settings = Settings()
    assert settings.telegram_enabled and settings.slack_enabled


def test_production_refuses_a_generated_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTAKE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="INTAKE_SECRET_KEY"):
        Settings()


def test_missing_channel_secrets_are_logged_once_each_and_crash_nothing(
    tmp_path, caplog, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="intake_api.settings"):
        Settings().log_disabled_channels()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Telegram channel off" in m for m in messages) == 1
    assert sum("Slack channel off" in m for m in messages) == 1
