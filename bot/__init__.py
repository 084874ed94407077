"""Miroir: the Telegram bot of the "Miroir de soi" workshops."""

__version__ = "0.1.0"

import os as _os

# Opt in to python-telegram-bot's future behaviour (durations as timedelta) so that
# reading RetryAfter.retry_after raises no deprecation warning; our code accepts both.
_os.environ.setdefault("PTB_TIMEDELTA", "1")
