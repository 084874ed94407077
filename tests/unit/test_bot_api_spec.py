"""The committed compact Bot API spec: present, current, and as strict as the full one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.fake_telegram.derive_spec import COMPACT_PATH, derive, dumps
from bot.sandbox.fake_telegram.spec import (
    COMPACT_SPEC_PATH,
    SPEC_ENV,
    ApiSpec,
    default_spec_path,
    load_spec,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_API_JSON = REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
REGENERATE = f"python -m bot.sandbox.fake_telegram.derive_spec {SHARED_API_JSON}"

needs_shared = pytest.mark.skipif(
    not SHARED_API_JSON.is_file(),
    reason=f"full Bot API spec not available at {SHARED_API_JSON}",
)


def problems(spec: ApiSpec, method: str, **params: Any) -> list[str]:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    canonical = spec.canonical_method(method)
    assert canonical is not None
    return spec.check_call(canonical, encoded)[1]


@pytest.fixture
def compact() -> ApiSpec:
    return load_spec(COMPACT_PATH)


def test_committed_compact_spec_has_version_and_source() -> None:
    raw = json.loads(COMPACT_PATH.read_text(encoding="utf-8"))
    assert raw["bot_api_version"].startswith("Bot API ")
    assert raw["release_date"]
    assert raw["source"]["repository"] == "https://github.com/PaulSonOfLars/telegram-bot-api-spec"
    assert raw["source"]["file"] == "api.json"
    assert raw["derived_by"] == "bot/sandbox/fake_telegram/derive_spec.py"
    spec = ApiSpec(raw)
    assert spec.version == raw["bot_api_version"]
    assert {"sendMessage", "setMyCommands", "getUpdates"} <= spec.methods.keys()


def test_empty_or_unset_env_means_the_committed_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert COMPACT_SPEC_PATH == COMPACT_PATH  # the loader reads what the script writes
    monkeypatch.delenv(SPEC_ENV, raising=False)
    assert default_spec_path() == COMPACT_PATH
    monkeypatch.setenv(SPEC_ENV, "")
    assert default_spec_path() == COMPACT_PATH
    monkeypatch.setenv(SPEC_ENV, "/elsewhere/api.json")
    assert default_spec_path() == Path("/elsewhere/api.json")


@needs_shared
def test_committed_compact_spec_is_derived_from_the_shared_api_json() -> None:
    derived = derive(json.loads(SHARED_API_JSON.read_text(encoding="utf-8")))
    committed = json.loads(COMPACT_PATH.read_text(encoding="utf-8"))
    assert derived == committed, f"{COMPACT_PATH.name} is stale; regenerate it: {REGENERATE}"
    assert dumps(derived) == COMPACT_PATH.read_text(encoding="utf-8"), f"reformat: {REGENERATE}"


@needs_shared
def test_full_and_compact_spec_build_the_same_validator(compact: ApiSpec) -> None:
    full = load_spec(SHARED_API_JSON)
    for attr in ("version", "methods", "returns", "types", "subtypes", "string_allowed"):
        assert getattr(full, attr) == getattr(compact, attr), attr
    assert full.discriminators == compact.discriminators


def test_compact_spec_rejects_text_over_4096_characters(compact: ApiSpec) -> None:
    assert problems(compact, "sendMessage", chat_id=1, text="x" * 4096) == []
    (problem,) = problems(compact, "sendMessage", chat_id=1, text="x" * 4097)
    assert "message is too long" in problem and "4097 characters" in problem
    # The limit counts the text after entities parsing: markup does not use it up.
    html = "<b>" + "x" * 4096 + "</b>"
    assert problems(compact, "sendMessage", chat_id=1, text=html, parse_mode="HTML") == []


def test_compact_spec_rejects_missing_required_parameter(compact: ApiSpec) -> None:
    assert problems(compact, "sendMessage", text="hi") == [
        "parameter 'chat_id' is required for method sendMessage"
    ]


def test_compact_spec_checks_bytes_limits_and_union_discriminators(compact: ApiSpec) -> None:
    button = {"text": "A", "callback_data": "é" * 33}  # 66 bytes, over 64
    markup = {"inline_keyboard": [[button]]}
    (problem,) = problems(compact, "sendMessage", chat_id=1, text="x", reply_markup=markup)
    assert "BUTTON_DATA_INVALID" in problem
    commands = [{"command": "start", "description": "Start"}]
    assert problems(compact, "setMyCommands", commands=commands, scope={"type": "chat"}) == [
        "scope.chat_id: required field of BotCommandScopeChat is missing"
    ]
    (problem,) = problems(compact, "setMyCommands", commands=commands, scope={"type": "chats"})
    assert "unknown BotCommandScope type 'chats'" in problem
    # KeyboardButton accepts a plain string in its place.
    keyboard = {"keyboard": [["Yes", "No"]]}
    assert problems(compact, "sendMessage", chat_id=1, text="x", reply_markup=keyboard) == []
