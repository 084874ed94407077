"""The fake Bot API behaves like Telegram when driven by PTB's real request code."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.sandbox.fake_telegram import (
    FakeTelegram,
    LoopbackServer,
    ThreadedLoopbackServer,
    parse,
    ptb_request,
    validate_call,
)

# PTB 22 itself reads RetryAfter.retry_after, which warns about its future timedelta type.
pytestmark = pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")


class Clock:
    """A hand-driven clock for rate-limit tests."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    yield fake
    assert fake.violations == []


@asynccontextmanager
async def ptb_bot(fake: FakeTelegram, **request_kw: Any) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(
        fake.token,
        request=ptb_request(fake, **request_kw),
        get_updates_request=ptb_request(fake, **request_kw),
    )
    async with bot:
        yield bot


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in buttons])


def expect_violation(fake: FakeTelegram, fragment: str) -> None:
    """Assert exactly one recorded violation mentions ``fragment`` and consume it."""
    assert len(fake.violations) == 1, fake.violations
    assert fragment in fake.violations[0].problem, fake.violations[0].problem
    fake.violations.clear()


def retry_seconds(error: RetryAfter) -> int:
    value = error.retry_after
    return int(value.total_seconds()) if isinstance(value, dtm.timedelta) else value


# ---------------------------------------------------------------------- messages


@pytest.mark.asyncio
async def test_send_message_returns_realistic_message(tg: FakeTelegram) -> None:
    alice = tg.user(42, "Alice", username="alice")
    tg.user(43, "Bob")
    async with ptb_bot(tg) as bot:
        assert bot.username == "miroir_test_bot"
        first = await bot.send_message(42, "hello")
        second = await bot.send_message(42, "again")
        other = await bot.send_message(43, "bob")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == 42 and first.chat.type == "private"
    assert first.chat.username == "alice"
    assert first.from_user is not None and first.from_user.is_bot
    assert alice.texts == ["hello", "again"]
    assert alice.last is not None and alice.last.message_id == 2


@pytest.mark.asyncio
async def test_text_limit_is_4096_characters(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        await bot.send_message(42, "x" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(42, "x" * 4097)
    expect_violation(tg, "message is too long")


@pytest.mark.asyncio
async def test_html_is_measured_after_entity_parsing(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        msg = await bot.send_message(42, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        assert msg.text == "x" * 4096
        assert msg.entities[0].type == "bold" and msg.entities[0].length == 4096
        amp = await bot.send_message(42, "a &lt;b&gt; &amp; <i>c</i>", parse_mode="HTML")
        assert amp.text == "a <b> & c"
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(42, "<b>unclosed", parse_mode="HTML")
        expect_violation(tg, "start tag")
        with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
            await bot.send_message(42, "line<br>break", parse_mode="HTML")
        expect_violation(tg, '"br"')


@pytest.mark.asyncio
async def test_markdown_v2_reserved_characters_must_be_escaped(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        ok = await bot.send_message(42, r"*Done*\. 1\+1", parse_mode="MarkdownV2")
        assert ok.text == "Done. 1+1"
        with pytest.raises(BadRequest, match=r"(?i)reserved"):
            await bot.send_message(42, "Done.", parse_mode="MarkdownV2")
    expect_violation(tg, "Character '.'")


def test_formatting_parsers() -> None:
    assert parse('<a href="https://x.y/?a=1&amp;b=2">link</a>', "HTML") == (
        "link",
        [{"type": "text_link", "offset": 0, "length": 4, "url": "https://x.y/?a=1&b=2"}],
    )
    text, entities = parse('<pre><code class="language-py">x</code></pre>', "HTML")
    assert (text, entities[0]["language"]) == ("x", "py")
    assert parse("__u__ ||s|| [t](https://e.org)", "MarkdownV2")[0] == "u s t"
    assert parse("*b* _i_ `c`", "Markdown")[0] == "b i c"
    assert parse("😀<b>x</b>", "HTML")[1][0]["offset"] == 2  # UTF-16 offsets


# ---------------------------------------------------------------------- spec checks


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_is_rejected(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        await bot.send_message(42, "ok", reply_markup=keyboard(("A", "a" * 64)))
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(42, "ko", reply_markup=keyboard(("A", "é" * 33)))
    expect_violation(tg, "66 bytes")


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage'")
async def test_unknown_and_missing_parameters_are_rejected(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        with pytest.raises(BadRequest, match=r"(?i)unknown parameter 'txt'"):
            await bot.send_message(42, "hi", api_kwargs={"txt": "typo"})
        expect_violation(tg, "'txt'")
        with pytest.raises(BadRequest, match=r"(?i)'text' is required"):
            await bot.do_api_request("sendMessage", api_kwargs={"chat_id": 42})
        expect_violation(tg, "required")
        with pytest.raises(BadRequest, match=r"(?i)expected Integer"):
            await bot.do_api_request(
                "sendMessage", api_kwargs={"chat_id": 42, "text": "x", "message_thread_id": "abc"}
            )
        expect_violation(tg, "message_thread_id")


def test_nested_objects_are_validated_recursively() -> None:
    def call(**params: Any) -> list[str]:
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        return validate_call("setMyCommands", encoded)

    good = [{"command": "start", "description": "Start"}]
    assert call(commands=good, scope={"type": "chat", "chat_id": 42}) == []
    assert "chat_id" in call(commands=good, scope={"type": "chat"})[0]
    assert "unknown BotCommandScope type" in call(commands=good, scope={"type": "chats"})[0]
    assert "BOT_COMMAND_INVALID" in call(commands=[{"command": "Start", "description": "x"}])[0]
    assert "unknown field" in call(commands=[{**good[0], "emoji": "x"}])[0]
    buttons = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "url": "https://e.org"}]]}
    problems = validate_call(
        "sendMessage", {"chat_id": "1", "text": "x", "reply_markup": json.dumps(buttons)}
    )
    assert "exactly one" in problems[0]


# ---------------------------------------------------------------------- state


@pytest.mark.asyncio
async def test_set_my_commands_is_stored_per_scope(tg: FakeTelegram) -> None:
    async with ptb_bot(tg) as bot:
        await bot.set_my_commands([BotCommand("start", "Démarrer")])
        await bot.set_my_commands(
            [BotCommand("admin", "Admin")], scope=BotCommandScopeChat(9001), language_code="fr"
        )
        listed = await bot.get_my_commands(scope=BotCommandScopeChat(9001), language_code="fr")
    assert [c.command for c in listed] == ["admin"]
    assert tg.commands({"type": "chat", "chat_id": 9001}, "fr") == [
        {"command": "admin", "description": "Admin"}
    ]
    assert tg.commands() == [{"command": "start", "description": "Démarrer"}]
    assert tg.commands({"type": "all_private_chats"}) is None


@pytest.mark.asyncio
async def test_edits_are_recorded_and_noop_edits_rejected(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    async with ptb_bot(tg) as bot:
        sent = await bot.send_message(42, "v1", reply_markup=keyboard(("Go", "go")))
        edited = await bot.edit_message_text(
            "<b>v2</b>",
            42,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("Go", "go")),
        )
        assert isinstance(edited, telegram.Message)
        assert edited.text == "v2" and edited.edit_date is not None
        stored = alice.messages[0]
        assert (stored.text, stored.edits, stored.raw_text) == ("v2", ["v1"], "<b>v2</b>")
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text(
                "<b>v2</b>",
                42,
                sent.message_id,
                parse_mode="HTML",
                reply_markup=keyboard(("Go", "go")),
            )
        expect_violation(tg, "not modified")
        # No reply_markup in an edit removes the inline keyboard, as on Telegram.
        await bot.edit_message_text("v2", 42, sent.message_id)
        assert alice.inline_buttons() == []
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", 42, 999)
        expect_violation(tg, "edit not found")
        assert await bot.delete_message(42, sent.message_id)
        assert alice.last is None and alice.messages[0].deleted
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(42, sent.message_id)
        expect_violation(tg, "delete not found")


@pytest.mark.asyncio
async def test_text_is_trimmed_and_old_messages_cannot_be_deleted() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock)
    alice = fake.user(42)
    async with ptb_bot(fake) as bot:
        msg = await bot.send_message(42, "\n <b>Bonjour</b> \n", parse_mode="HTML")
        assert msg.text == "Bonjour" and msg.entities[0].offset == 0
        clock.t += 48 * 3600
        with pytest.raises(BadRequest, match=r"(?i)can't be deleted"):
            await bot.delete_message(42, msg.message_id)
    expect_violation(fake, "can't be deleted")
    assert alice.texts == ["Bonjour"]


@pytest.mark.asyncio
async def test_reply_keyboard_is_tracked(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    async with ptb_bot(tg) as bot:
        await bot.send_message(42, "menu", reply_markup=ReplyKeyboardMarkup([["Agenda", "Aide"]]))
        assert alice.reply_keyboard == [["Agenda", "Aide"]]
        assert alice.last is not None and alice.last.reply_markup is None  # not echoed
        await bot.send_message(42, "bye", reply_markup=ReplyKeyboardRemove())
        assert alice.reply_keyboard is None


# ---------------------------------------------------------------------- user actions


@pytest.mark.asyncio
async def test_tap_delivers_callback_query_to_sink(tg: FakeTelegram) -> None:
    alice = tg.user(42, "Alice")
    received: list[dict[str, Any]] = []
    async with ptb_bot(tg) as bot:

        async def sink(update: dict[str, Any]) -> None:
            received.append(update)
            parsed = telegram.Update.de_json(update, bot)
            query = parsed.callback_query
            if query:
                await query.answer("Noté")
                await query.edit_message_text(f"Choix: {query.data}")
            elif parsed.message and parsed.message.text:
                await bot.send_message(
                    42,
                    f"echo {parsed.message.text}",
                    reply_markup=keyboard(("Oui", "yes"), ("Non", "no")),
                )

        tg.set_update_sink(sink)
        produced = await alice.send("/start payload")
        assert [m.text for m in produced] == ["echo /start payload"]
        assert received[0]["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": 6}
        ]
        assert alice.inline_buttons() == [["Oui"], ["Non"]]
        with pytest.raises(AssertionError, match="Oui"):
            await alice.tap("Peut-être")
        produced = await alice.tap("Non")
    assert [m.text for m in produced] == ["Choix: no"]
    query = received[-1]["callback_query"]
    assert query["data"] == "no" and query["message"]["message_id"] == 2
    assert alice.callback_answers[0]["text"] == "Noté"
    assert tg.unanswered_callbacks() == []
    assert alice.inline_buttons() == []  # the edit carried no reply_markup


@pytest.mark.asyncio
async def test_polling_get_updates_returns_queued_update(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    async with ptb_bot(tg) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.01)
        assert not poll.done()  # long polling waits
        assert await alice.send("hi") == []
        updates = await asyncio.wait_for(poll, 1)
        assert [u.message.text for u in updates if u.message] == ["hi"]
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
        # A second poller (two bot instances) terminates the first one, as on Telegram.
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.01)
        assert await bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 1)
        assert tg.stats.poll_conflicts == 1
        assert tg.pending_updates == []


# ---------------------------------------------------------------------- failures


@pytest.mark.asyncio
async def test_injected_429_raises_retry_after(tg: FakeTelegram) -> None:
    tg.user(42)
    tg.fail_next(429, method="sendMessage", retry_after=7)
    async with ptb_bot(tg) as bot:
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(42, "hi")
        assert retry_seconds(info.value) == 7
        await bot.send_message(42, "hi")  # only the next request failed
    assert tg.stats.rejected_429 == 1


@pytest.mark.asyncio
async def test_blocked_user_gives_forbidden(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    alice.block()
    async with ptb_bot(tg) as bot:
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(42, "hi")
        alice.unblock()
        await bot.send_message(42, "hi")


@pytest.mark.asyncio
async def test_server_errors_and_timeouts(tg: FakeTelegram) -> None:
    tg.user(42)
    async with ptb_bot(tg) as bot:
        tg.fail_next(502, method="sendMessage")
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway") as info:
            await bot.send_message(42, "hi")
        assert not isinstance(info.value, BadRequest)
        tg.timeout_next("sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hi")
        tg.timeout_next("sendMessage", processed=True)
        with pytest.raises(TimedOut):
            await bot.send_message(42, "delivered anyway")
    assert tg.users[42].texts == ["delivered anyway"]


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(tg: FakeTelegram) -> None:
    other = telegram.Bot("999:wrong", request=ptb_request(tg))
    with pytest.raises(InvalidToken):
        await other.initialize()
    async with ptb_bot(tg) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    expect_violation(tg, "unknown method")


@pytest.mark.asyncio
async def test_fail_rate_is_seeded(tg: FakeTelegram) -> None:
    tg.user(42)
    tg.fail_rate(0.5, seed=3)
    failures = 0
    async with ptb_bot(tg) as bot:
        for _ in range(20):
            try:
                await bot.send_message(42, "x")
            except NetworkError:
                failures += 1
    assert 0 < failures < 20 and tg.stats.injected_failures == failures


@pytest.mark.asyncio
async def test_private_chat_flood_limit() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock, enforce_limits=True)
    fake.user(42)
    fake.user(43)
    async with ptb_bot(fake) as bot:
        await bot.send_message(42, "one")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(42, "two")
        assert retry_seconds(info.value) == 1
        await bot.send_message(43, "other chat is fine")
        clock.t += 0.5
        with pytest.raises(RetryAfter):  # ignoring retry_after is counted
            await bot.send_message(42, "too early")
        clock.t += 0.6
        await bot.send_message(42, "two")
    assert fake.stats.rejected_429 == 2
    assert fake.stats.sends_during_retry_after == 1
    assert fake.stats.per_chat_sent[42] == 2
    assert fake.violations == []


@pytest.mark.asyncio
async def test_private_burst_then_one_per_second() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock, enforce_limits=True, private_burst=3)
    fake.user(42)
    async with ptb_bot(fake) as bot:
        for text in ("reply", "menu", "hint"):
            await bot.send_message(42, text)
        with pytest.raises(RetryAfter):
            await bot.send_message(42, "one too many")
        clock.t += 1.0
        await bot.send_message(42, "next second")
    assert fake.stats.max_in_window(1.0) == 3 and fake.stats.sent_total == 4


@pytest.mark.asyncio
async def test_group_flood_limit_and_membership() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock, enforce_limits=True, group_per_minute=3)
    group = fake.group(-1001, "Atelier", type="supergroup")
    bob = fake.user(7, "Bob")
    async with ptb_bot(fake) as bot:
        for i in range(3):
            await bot.send_message(-1001, f"m{i}")
            clock.t += 1
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(-1001, "m3")
        assert retry_seconds(info.value) == 57
        received: list[dict[str, Any]] = []

        async def sink(update: dict[str, Any]) -> None:
            received.append(update)

        fake.set_update_sink(sink)
        await group.send(bob, "/agenda@miroir_test_bot")
        await group.send(bob, "bonjour")  # privacy mode: plain chatter never reaches the bot
        await group.send(bob, "/help@other_bot")
        assert len(received) == 1
        await group.remove_bot(bob)
        assert received[-1]["my_chat_member"]["new_chat_member"]["status"] == "left"
        clock.t += 120
        with pytest.raises(Forbidden, match=r"(?i)not a member"):
            await bot.send_message(-1001, "still here?")
    assert received[0]["message"]["chat"]["type"] == "supergroup"
    assert fake.violations == []


async def test_an_identical_edit_is_refused_as_telegram_refuses_it(tg: FakeTelegram) -> None:
    """Text and buttons unchanged, or buttons alone unchanged: 400 "not modified"."""
    tg.user(42)
    async with ptb_bot(tg) as bot:
        sent = await bot.send_message(42, "✅ Vous venez.", reply_markup=keyboard(("Go", "go")))
        with pytest.raises(
            BadRequest, match=r"(?i)message is not modified: specified new message"
        ):
            await bot.edit_message_text(
                "✅ Vous venez.", 42, sent.message_id, reply_markup=keyboard(("Go", "go"))
            )
        expect_violation(tg, "not modified")
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_reply_markup(
                42, sent.message_id, reply_markup=keyboard(("Go", "go"))
            )
        expect_violation(tg, "not modified")
        await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=None)
        expect_violation(tg, "not modified")


@pytest.mark.asyncio
async def test_a_button_pressed_in_a_group_comes_from_the_group(tg: FakeTelegram) -> None:
    """A forged tap in a group: the callback query's message is the group's, its sender
    the person who pressed."""
    group = tg.group(-1001, "Atelier", type="supergroup")
    bob = tg.user(7, "Bob")
    received: list[dict[str, Any]] = []

    async def sink(update: dict[str, Any]) -> None:
        received.append(update)

    async with ptb_bot(tg) as bot:
        await bot.send_message(-1001, "🔔 Rappel", reply_markup=keyboard(("✅", "rv:y:1")))
        tg.set_update_sink(sink)
        await group.press_callback(bob, "lang:fr")
    (update,) = received
    query = update["callback_query"]
    assert query["data"] == "lang:fr" and query["from"]["id"] == 7
    assert query["message"]["chat"] == {"id": -1001, "type": "supergroup", "title": "Atelier"}
    assert group.chat.members[7] == "member"


# ---------------------------------------------------------------------- files


@pytest.mark.asyncio
async def test_multipart_photo_upload_and_download(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    async with ptb_bot(tg) as bot:
        msg = await bot.send_photo(
            42,
            b"\x89PNG fake image",
            caption="<i>Affiche</i>",
            parse_mode="HTML",
            filename="affiche.png",
        )
        assert msg.caption == "Affiche" and len(msg.photo) == 3
        again = await bot.send_photo(42, msg.photo[-1].file_id)  # reuse by file_id
        assert again.photo[-1].file_id == msg.photo[-1].file_id
        file = await bot.get_file(msg.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake image"
        doc = await bot.send_document(42, b"a,b\n1,2\n", filename="export.csv")
        assert doc.document is not None and doc.document.file_name == "export.csv"
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(42, "not-a-file-id")
        expect_violation(tg, "wrong file identifier")
    assert [m.kind for m in alice.messages] == ["photo", "photo", "document"]
    await alice.send_photo(caption="mine")
    await alice.send_voice()
    assert tg.pending_updates[-1]["message"]["voice"]["duration"] == 3


# ---------------------------------------------------------------------- real HTTP


@pytest.mark.asyncio
async def test_loopback_server_with_concurrent_long_poll(tg: FakeTelegram) -> None:
    alice = tg.user(42)
    async with LoopbackServer(tg) as srv:
        bot = telegram.Bot(tg.token, base_url=srv.base_url, base_file_url=srv.base_file_url)
        async with bot:
            poll = asyncio.create_task(bot.get_updates(timeout=5))
            sent = await bot.send_photo(42, b"bytes over the wire", caption="c")
            assert sent.chat.id == 42
            await alice.send("ping")
            updates = await asyncio.wait_for(poll, 2)
            assert updates[0].message is not None and updates[0].message.text == "ping"
            file = await bot.get_file(sent.photo[-1].file_id)
            assert bytes(await file.download_as_bytearray()) == b"bytes over the wire"
            tg.fail_next(403, method="sendMessage")
            with pytest.raises(Forbidden):
                await bot.send_message(42, "x")
            tg.timeout_next("sendMessage", delay=0.5)  # held past the client's read timeout
            with pytest.raises(TimedOut):
                await bot.send_message(42, "x", read_timeout=0.05)
        async with httpx.AsyncClient() as client:
            state = (await client.get(f"{srv.url}/_fake/state")).json()
    assert state["chats"]["42"][0]["text"] == "c"


def test_threaded_server_drives_users_from_sync_code() -> None:
    fake = FakeTelegram()
    alice = fake.user(42)
    with ThreadedLoopbackServer(fake) as srv:
        assert srv.call(alice.send("hello")) == []
        srv.wait_for(lambda: len(fake.pending_updates) == 1, timeout=1)
        response = httpx.post(f"{srv.base_url}{fake.token}/getUpdates", data={"timeout": "0"})
        assert response.json()["result"][0]["message"]["text"] == "hello"
    assert fake.violations == []
