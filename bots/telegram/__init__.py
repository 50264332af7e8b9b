"""The Telegram bot (python-telegram-bot): migrants and youth write in, in their language."""

import os

# Opt in to python-telegram-bot's next behaviour (durations as timedelta) instead of
# its deprecation warning on every 429 it waits out.
os.environ.setdefault("PTB_TIMEDELTA", "1")
