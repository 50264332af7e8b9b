"""The gettext catalogs shared by every channel (web, Telegram, Slack, e-mail)."""

from pathlib import Path

LOCALES_DIR = Path(__file__).parent
DOMAIN = "messages"
