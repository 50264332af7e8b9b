"""The Telegram bot (python-telegram-bot): migrants and youth write in, in their language."""
