"""Miroir: the Telegram bot of the "Miroir de soi" workshops."""

__version__ = "0.1.0"
