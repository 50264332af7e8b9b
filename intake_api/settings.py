"""One settings object for every process: web, bots, scheduler and CLI.

Values come from ``INTAKE_*`` environment variables and a ``.env`` file. A
newcomer needs none of them: the store defaults to an SQLite file and the
secret key is generated once into the instance folder.
"""

from __future__ import annotations

import logging
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake_api import log_privacy

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Settings(BaseSettings):
    """Deployment configuration; channels whose secrets are missing are off."""

    model_config = SettingsConfigDict(
        env_prefix="INTAKE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    instance_path: Path = Field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str = ""
    secret_key: str = ""

    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: str = ""
    # Replies to chats, per second for the whole bot (Telegram allows about 30).
    telegram_reply_rate: float = Field(default=30.0, gt=0, le=10_000)
    # The bot's public username (without "@"), for the Hub's "write to us on Telegram" links;
    # no link without it.
    telegram_bot_username: str = Field(default="", pattern=r"^([A-Za-z][A-Za-z0-9_]{4,31})?$")

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"

    smtp_url: str = ""
    ratelimit_storage_url: str = "memory://"
    # Off only for load tests of the forms (bench/): every client would share one address there.
    ratelimit_enabled: bool = True
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    proxy_hops: int = Field(default=0, ge=0, le=5)
    # Below this age no contact details are kept and no quote is ever published.
    digital_consent_age: int = Field(default=16, ge=13, le=18)
    # Contact details and sealed original texts are purged this many days after a
    # review's consultation (a review may set its own number).
    contact_retention_days: int = Field(default=90, ge=0, le=3650)
    # Unfinished Telegram conversations are forgotten after this many idle days.
    conversation_retention_days: int = Field(default=30, ge=1, le=365)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        self.instance_path = self.instance_path.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.instance_path / 'gcm_intake.db'}"
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError(
                    "INTAKE_SECRET_KEY must be set in production: the generated key "
                    "lives on one host only"
                )
            self.secret_key = _instance_secret(self.instance_path)
        log_privacy.install()
        log_privacy.remember_secrets(self.secret_values())
        return self

    def secret_values(self) -> list[str]:
        """Every secret these settings hold, for the logs to mask wherever one turns up."""
        values = [
            self.secret_key,
            self.telegram_token,
            self.telegram_webhook_secret,
            self.slack_bot_token,
            self.slack_signing_secret,
        ]
        for url in (self.smtp_url, self.database_url, self.ratelimit_storage_url):
            try:
                password = urlsplit(url).password
            except ValueError:  # not a URL urllib can read; its own client will say so
                continue
            if password:
                values += [password, unquote(password)]
        return values

    @cached_property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @cached_property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    def log_disabled_channels(self) -> None:
        """Say once, at start-up, which channels are off and why."""
        if not self.telegram_enabled:
            log.info("Telegram channel off: INTAKE_TELEGRAM_TOKEN is not set")
        if not self.slack_enabled:
            log.info(
                "Slack channel off: INTAKE_SLACK_BOT_TOKEN and INTAKE_SLACK_SIGNING_SECRET "
                "are not both set"
            )
        if not self.smtp_url:
            log.info("E-mail digests off: INTAKE_SMTP_URL is not set")


def _instance_secret(instance_path: Path) -> str:
    """Read the generated secret key, creating it on first use.

    The key pseudonymises platform ids and encrypts contact details, so it must
    survive restarts: losing it orphans every contributor and e-mail address.
    """
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = instance_path / SECRET_KEY_FILE
    try:
        return key_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        with key_file.open("x", encoding="ascii") as handle:  # first writer wins
            handle.write(key)
        key_file.chmod(0o600)
        log.info("Generated a new secret key in %s", key_file)
        return key
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
