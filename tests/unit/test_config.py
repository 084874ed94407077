"""Settings: defaults, parsing, and one readable sentence when the token is wrong."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import ConfigError, Settings, load_settings
from tests.utils import ROOT, TOKEN


def test_defaults() -> None:
    s = Settings(_env_file=None, bot_token=SecretStr(TOKEN))  # type: ignore[call-arg]
    assert s.database_url == "sqlite+aiosqlite:///data/miroir.db"
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert s.timezone == "Europe/Paris"
    assert s.default_language == "fr"
    assert s.quiet_hours_start == time(21, 0)


def test_facilitator_ids_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("FACILITATOR_IDS", "12, 34,,56")
    assert load_settings(_env_file=None).facilitator_ids == {12, 34, 56}


def test_local_api_server_base_url_gives_the_file_url() -> None:
    s = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=SecretStr(TOKEN),
        telegram_api_base_url="http://127.0.0.1:8081/bot/",
    )
    assert s.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert s.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    "token", ["", "abc", "123:short", "notanumber:AAHdqTcvCH1vGWJxfSeofSAs0K5PAL"]
)
def test_bad_token_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", token)
    with pytest.raises(ConfigError, match="@BotFather"):
        load_settings(_env_file=None)


def test_unknown_time_zone_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="TIMEZONE"):
        load_settings(_env_file=None)


def test_missing_token_exits_2_without_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "@BotFather" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_a_token_python_m_bot_starts_the_sandbox_and_says_so(tmp_path: Path) -> None:
    """The README's first command on a fresh machine: the sandbox, announced in one line."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--port", "0", "--fresh"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        address = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert first.startswith("Miroir: no BOT_TOKEN, so this is the sandbox")
    assert "@BotFather" in first
    assert address.startswith("Miroir sandbox: open http://127.0.0.1:")
    assert proc.returncode == 0, rest
    assert (tmp_path / "data" / "sandbox" / "sandbox.db").exists()
    assert not (tmp_path / "data" / "miroir.db").exists()  # never the production database


def test_a_malformed_token_in_env_file_is_reported_not_hidden(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=not-a-token\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "@BotFather" in proc.stderr
