"""The sandbox's web page and its HTTP API, as the page (or a curious neighbour) uses them.

A real Sandbox runs on a temporary folder with its application started; the web server
listens on a free port of 127.0.0.1 in the test's own event loop, and httpx plays the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import TelegramError

from bot.migrate import upgrade
from bot.sandbox import demo, web
from bot.sandbox.core import Sandbox

State = dict[str, Any]
DOM_CONTRACT = (
    'id="messages"',
    'id="toast"',
    'id="keyboard"',
    '<textarea id="composer"',
    'id="send"',
    'id="record"',
    'id="voice-sample"',
    'id="now"',
    'id="violations"',
    'id="ui-lang"',
    'data-clock="hour">⏩ +1 h</button>',
    'data-clock="reminder"',
    'data-clock="after"',
    *(f'data-persona="{key}"' for key in ("nadia", "karim", "john", "claire", "group")),
)


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    folder = tmp_path / "sandbox"
    folder.mkdir()
    box = Sandbox(folder)
    await upgrade(box.rt.db.engine)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def served(sandbox: Sandbox) -> AsyncIterator[web.Listening]:
    listening = web.listen(sandbox, 0)
    yield listening
    listening.close()
    await listening.wait_closed()


@pytest.fixture
async def page(served: web.Listening) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{served.port}", timeout=10) as c:
        yield c


async def state(page: httpx.AsyncClient, chat: str = "nadia", **more: str) -> State:
    response = await page.get("/api/state", params={"chat": chat, **more})
    assert response.status_code == 200, response.text
    found: State = response.json()
    return found


async def until(
    page: httpx.AsyncClient, check: Callable[[State], bool], chat: str = "nadia"
) -> State:
    """The chat's state once `check` holds (the bot answers on its own loop, like Telegram)."""
    async with asyncio.timeout(10):
        while True:
            current = await state(page, chat)
            if check(current):
                return current
            await asyncio.sleep(0.02)


def bot_with_button(label: str) -> Callable[[State], bool]:
    return lambda s: any(label in row for m in s["messages"] for row in m["buttons"])


def message_with(s: State, label: str) -> State:
    return next(m for m in s["messages"] if any(label in row for row in m["buttons"]))


async def test_the_page_keeps_its_contract_and_loads_nothing_from_elsewhere(
    page: httpx.AsyncClient,
) -> None:
    response = await page.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for needle in DOM_CONTRACT:
        assert needle in html, needle
    assert "http://" not in html and "https://" not in html
    # The browser itself refuses anything not served from here.
    assert "default-src 'none'" in response.headers["content-security-policy"]
    script = await page.get("/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    for html_sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert html_sink not in script.text
    assert "http://" not in script.text and "https://" not in script.text
    assert (await page.get("/static/style.css")).status_code == 200
    sample = await page.get("/static/sample.ogg")
    assert sample.content.startswith(b"OggS") and b"OpusHead" in sample.content


async def test_a_person_starts_and_chooses_a_language_through_the_page(
    page: httpx.AsyncClient,
) -> None:
    sent = await page.post("/api/send", json={"chat": "nadia", "text": "/start"})
    assert sent.status_code == 200
    asked = await until(page, bot_with_button("🇫🇷 Français"))
    mine, question = asked["messages"][0], message_with(asked, "🇫🇷 Français")
    assert (mine["from"], mine["text"]) == ("user", "/start")
    assert question["from"] == "bot"
    assert "Choisissez votre langue" in question["text"]

    tapped = await page.post(
        "/api/tap", json={"chat": "nadia", "message_id": question["id"], "text": "🇫🇷 Français"}
    )
    assert tapped.status_code == 200
    consent = await until(page, bot_with_button("✅ Je suis d'accord"))
    answered = next(m for m in consent["messages"] if m["id"] == question["id"])
    assert answered["edited"] and answered["buttons"] == []
    # Karim's chat saw none of it.
    assert (await state(page, "karim"))["messages"] == []


async def test_a_button_that_is_not_there_is_a_404(page: httpx.AsyncClient) -> None:
    await page.post("/api/send", json={"chat": "nadia", "text": "/start"})
    asked = await until(page, bot_with_button("🇫🇷 Français"))
    question = message_with(asked, "🇫🇷 Français")
    tap = {"chat": "nadia", "message_id": question["id"], "text": "🇩🇪 Deutsch"}
    assert (await page.post("/api/tap", json=tap)).status_code == 404
    key = await page.post("/api/key", json={"chat": "nadia", "text": "📅 Prochains ateliers"})
    assert key.status_code == 404
    assert (await page.post("/api/send", json={"chat": "nadia", "text": "  "})).status_code == 400
    assert (await page.post("/api/send", json={"chat": "bob", "text": "hi"})).status_code == 404


async def test_the_event_stream_says_when_something_happened(
    page: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    async with page.stream("GET", "/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.aiter_lines()

        async def next_version() -> int:
            async with asyncio.timeout(5):
                async for line in lines:
                    if line.startswith("data: "):
                        return int(line.removeprefix("data: "))
            raise AssertionError("the stream ended")

        first = await next_version()
        assert first == sandbox.version
        await page.post("/api/send", json={"chat": "karim", "text": "/start"})
        assert await next_version() > first


async def test_the_clock_moves_one_hour(page: httpx.AsyncClient, sandbox: Sandbox) -> None:
    before = sandbox.clock.now()
    moved = await page.post("/api/clock", json={"move": "hour"})
    assert moved.status_code == 200
    after = sandbox.clock.now()
    assert timedelta(hours=1) <= after - before < timedelta(hours=1, seconds=30)
    shown = datetime.fromisoformat(moved.json()["now"])
    assert abs(shown - after) < timedelta(seconds=5)
    assert " à " in moved.json()["now_text"]["fr"]
    assert (await page.post("/api/clock", json={"move": "back"})).status_code == 400


async def test_the_clock_goes_to_the_next_reminder_or_says_there_is_none(
    page: httpx.AsyncClient, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = sandbox.clock.now() + timedelta(days=2, hours=3)

    async def nothing(_sandbox: Sandbox) -> datetime | None:
        return None

    async def in_two_days(_sandbox: Sandbox) -> datetime | None:
        return target

    monkeypatch.setattr(demo, "next_reminder", nothing)
    monkeypatch.setattr(demo, "after_next_session", nothing)
    for move in ("reminder", "after"):
        refused = await page.post("/api/clock", json={"move": move})
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("text/plain")
        assert "no " in refused.text
    assert sandbox.clock.now() < target - timedelta(days=1)

    monkeypatch.setattr(demo, "next_reminder", in_two_days)
    moved = await page.post("/api/clock", json={"move": "reminder"})
    assert moved.status_code == 200
    assert abs(sandbox.clock.now() - target) < timedelta(seconds=5)


async def test_a_request_telegram_would_refuse_shows_as_a_violation(
    page: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    assert (await state(page))["violations"] == []
    with contextlib.suppress(TelegramError):
        await sandbox.app.bot.send_message(chat_id=1001, text="")
    violations = (await state(page))["violations"]
    assert [v["method"] for v in violations] == ["sendMessage"]
    assert violations[0]["description"]


async def test_html_a_person_writes_stays_plain_text(page: httpx.AsyncClient) -> None:
    await page.post("/api/send", json={"chat": "john", "text": "<b>html</b> & <script>"})
    shown = (await state(page, "john"))["messages"][0]
    assert shown["text"] == "<b>html</b> & <script>"
    assert shown["entities"] == []


async def test_the_bot_formatting_comes_apart_from_the_text(
    page: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    await sandbox.app.bot.send_message(1003, "<b>Hello</b> you", parse_mode="HTML")
    shown = (await state(page, "john"))["messages"][-1]
    assert shown["text"] == "Hello you"
    assert shown["entities"] == [{"type": "bold", "offset": 0, "length": 5}]


async def test_the_sample_voice_note_is_kept_and_served(page: httpx.AsyncClient) -> None:
    sent = await page.post("/api/voice", json={"chat": "nadia", "sample": True})
    assert sent.status_code == 200
    voice = (await state(page))["messages"][0]
    assert (voice["from"], voice["kind"], voice["duration"]) == ("user", "voice", 1)
    played = await page.get(voice["file"])
    assert played.headers["content-type"] == "audio/ogg"
    assert played.content == (web.STATIC_DIR / "sample.ogg").read_bytes()
    assert (await page.get("/files/FAKE-nothing")).status_code == 404


async def test_a_recording_from_the_page_is_uploaded(page: httpx.AsyncClient) -> None:
    recording = b"\x1aE\xdf\xa3" + b"webm-opus" * 20
    sent = await page.post(
        "/api/voice",
        data={"chat": "karim", "duration": "3.4"},
        files={"voice": ("voice.webm", recording, "audio/webm")},
    )
    assert sent.status_code == 200
    voice = (await state(page, "karim"))["messages"][0]
    assert (voice["kind"], voice["duration"]) == ("voice", 3)
    assert (await page.get(voice["file"])).content == recording


async def test_in_the_group_the_chosen_person_speaks(page: httpx.AsyncClient) -> None:
    await page.post("/api/send", json={"chat": "group", "text": "Bonjour à tous", "as": "karim"})
    await page.post("/api/send", json={"chat": "group", "text": "Salut"})
    group = await state(page, "group", **{"as": "claire"})
    assert group["chat"] == {
        "key": "group",
        "title": "Miroir de soi",
        "type": "group",
        "actor": "claire",
        "members": 5,
    }
    said = [(m["sender"], m["text"]) for m in group["messages"]]
    assert said == [("Karim", "Bonjour à tous"), ("Nadia", "Salut")]
    voice = await page.post("/api/voice", json={"chat": "group", "sample": True})
    assert voice.status_code == 400


async def test_a_toast_shows_once_and_other_chats_count_unread_messages(
    page: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    await page.post("/api/send", json={"chat": "nadia", "text": "/start"})
    asked = await until(page, bot_with_button("🇫🇷 Français"))
    question = message_with(asked, "🇫🇷 Français")
    tap = {"chat": "nadia", "message_id": question["id"], "text": "🇫🇷 Français"}
    await page.post("/api/tap", json=tap)
    noted = await until(page, lambda s: bool(s["toasts"]))
    assert noted["toasts"] == [{"text": "C'est noté ✅", "alert": False}]
    assert (await state(page))["toasts"] == []
    # A button that no longer works answers with an alert.
    nadia = sandbox.personas["nadia"].user
    await nadia.press_callback("zz:1", question["id"])
    stale = await until(page, lambda s: bool(s["toasts"]))
    assert [t["alert"] for t in stale["toasts"]] == [True]
    assert stale["toasts"][0]["text"].startswith("⌛")

    assert asked["personas"][1]["unread"] == 0
    await page.post("/api/send", json={"chat": "karim", "text": "/start"})
    seen = await until(page, lambda s: s["personas"][1]["unread"] > 0)
    assert [p["key"] for p in seen["personas"]] == ["nadia", "karim", "john", "claire", "group"]
    assert seen["personas"][0]["unread"] == 0
    await state(page, "karim")
    assert (await state(page))["personas"][1]["unread"] == 0


async def test_it_listens_on_127_0_0_1_only_and_answers_only_its_own_page(
    served: web.Listening, page: httpx.AsyncClient
) -> None:
    addresses = {s.getsockname()[0] for s in served.sockets}
    assert addresses == {"127.0.0.1"}
    # Another loopback address of this machine does not reach it.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", served.port), 2):
        pass
    # A site pretending to be here (DNS rebinding) or posting from elsewhere is refused.
    renamed = await page.get("/api/state", headers={"Host": f"evil.example:{served.port}"})
    assert renamed.status_code == 403
    forged = await page.post(
        "/api/send",
        json={"chat": "nadia", "text": "hi"},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    assert (await page.get("/", headers={"Host": f"localhost:{served.port}"})).status_code == 200


async def test_listening_on_port_0_gives_the_real_port(sandbox: Sandbox) -> None:
    listening = web.listen(sandbox, 0)
    try:
        assert listening.port > 0
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{listening.port}/api/state")
        assert answer.json()["chat"]["key"] == "nadia"
    finally:
        listening.close()
        await listening.wait_closed()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{listening.port}/")
