"""The systemd unit and the Dockerfile start the bot the way the README says, as nobody special."""

from __future__ import annotations

import configparser
import json
import shlex

from tests.utils import ROOT


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((ROOT / "deploy" / name).read_text(encoding="utf-8"))
    return parser


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines)
        if word and not word.startswith("#")
    ]


def test_the_systemd_unit_runs_the_bot_as_its_own_user() -> None:
    service = unit("miroir.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/python") and command[1:] == ["-m", "bot", "run"]
    assert service["User"] not in ("", "root")
    assert service["EnvironmentFile"].startswith("/")
    assert service["StateDirectory"] == "miroir"  # /var/lib/miroir, the SQLite database
    # A setting to fix (exit status 2) is not retried in a loop.
    assert service["RestartPreventExitStatus"] == "2"


def test_the_backup_unit_backs_up_with_the_bot_command() -> None:
    service = unit("miroir-backup.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[1:4] == ["-m", "bot", "backup"]
    assert unit("miroir-backup.timer")["Timer"]["OnCalendar"]


def test_the_image_runs_the_bot_as_a_user_with_a_data_volume() -> None:
    instructions = dockerfile()
    cmd = [args for word, args in instructions if word == "CMD"]
    assert [json.loads(c) for c in cmd] == [["python", "-m", "bot", "run"]]
    users = [args for word, args in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    volumes = [json.loads(args) for word, args in instructions if word == "VOLUME"]
    assert ["/data"] in volumes
    env = " ".join(args for word, args in instructions if word == "ENV")
    assert "DATABASE_URL=sqlite+aiosqlite:////data/" in env


def test_secrets_and_local_data_stay_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", ".git", "data", "*.db"} <= ignored
