"""Deployment settings, read from the environment and `.env`."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Every setting of a deployment; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    database_url: str = "sqlite+aiosqlite:///data/miroir.db"
    telegram_api_base_url: str = TELEGRAM_BASE_URL
    facilitator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Paris"
    default_language: Literal["fr", "en"] = "fr"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Delivery outbox (the sender in scheduler/outbox.py).
    outbox_rate_per_second: float = Field(default=30.0, gt=0)
    outbox_private_per_second: float = Field(default=1.0, gt=0)
    outbox_group_per_minute: float = Field(default=20.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)

    # Reminders (local time of TIMEZONE).
    reminder_day_before_at: time = time(18, 0)
    reminder_hours_before: int = Field(default=2, ge=1, le=24)
    # Facilitators run the sessions: they get participants' reminders only if they ask.
    remind_facilitators: bool = False

    # Mood check-ins: the prompt after a session, and how long answers are kept.
    mood_prompt_delay_minutes: int = Field(default=60, ge=0, le=24 * 60)
    mood_retention_months: int = Field(default=12, ge=1, le=120)

    # How participants reach a person (shown in Aide): a phone number, optional.
    contact_phone: str | None = None

    # People who have not used the bot for this long are told, then removed a month later.
    inactive_months: int = Field(default=24, ge=1, le=120)
    inactive_grace_days: int = Field(default=30, ge=1, le=365)

    # Flood protection: more than FLOOD_UPDATES updates from one person within
    # FLOOD_WINDOW_SECONDS gets one gentle message and a pause for that person only.
    flood_updates: int = Field(default=20, ge=2)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    flood_pause_seconds: float = Field(default=30.0, gt=0)

    # Webhook mode: set WEBHOOK_URL (https, public) to receive updates by webhook instead
    # of polling; Telegram then sends WEBHOOK_SECRET in a header the bot checks.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    # Health and metrics (/healthz, /metrics): off when HEALTH_PORT is empty.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_listen: str = "127.0.0.1"

    # The funders' monthly report, sent to facilitators on the first day of each month.
    monthly_report: bool = False
    workshop_name: str = "Miroir de soi"

    @field_validator("contact_phone", "webhook_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("health_port", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("malformed token")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("facilitator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def telegram_file_base_url(self) -> str:
        """Telegram serves files under /file/bot<token>: derive it from the API base URL."""
        base = self.telegram_api_base_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one sentence for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable sentence."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        fields = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        if "bot_token" in fields:
            raise ConfigError(
                "BOT_TOKEN is missing or malformed: talk to @BotFather in Telegram, "
                "send /newbot, and put the token it gives (like 123456789:AAH...) "
                "in the .env file as BOT_TOKEN=..."
            ) from None
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise ConfigError(f"{name} is not valid: {first['msg']}.") from None
