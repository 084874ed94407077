"""The sandbox's web page: a Telegram-like chat in the browser, on 127.0.0.1 only.

The page (bot/sandbox/static) asks /api/state for one chat and redraws it whenever /events
says the sandbox changed. What a person does in the page goes through the stand-in's
FakeUser / FakeGroup, exactly like a handler test: the update reaches the real application,
whose answers come back through the stand-in. Nothing here accepts a token, and people's
text leaves as JSON strings that the page only ever puts in `textContent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import mimetypes
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import responses
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from bot.sandbox import demo
from bot.sandbox.core import Role, Sandbox
from bot.sandbox.fake_telegram import ChatState, FakeUser, StoredMessage

log = logging.getLogger("miroir.sandbox.web")
STATIC_DIR = Path(__file__).resolve().with_name("static")
SAMPLE_VOICE = STATIC_DIR / "sample.ogg"
HOST = "127.0.0.1"
GROUP = "group"
DEFAULT_ACTOR = "nadia"
# How often /events looks at the sandbox's version, and how often it says it is still there.
POLL_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0
MAX_BODY = 8 * 1024 * 1024
MAX_TEXT = 4096
# Dijon, Fontaine d'Ouche: where a location shared from the page points.
WORKSHOP_PLACE = (47.3183, 5.0047)
# Formatting the page may draw (as elements with textContent, never as HTML).
DRAWN_ENTITIES = frozenset(
    {"bold", "italic", "underline", "strikethrough", "code", "pre", "spoiler", "text_link"}
)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"OggS", "audio/ogg"),
    (b"\x1aE\xdf\xa3", "audio/webm"),
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
    (b"BEGIN:VCALENDAR", "text/calendar; charset=utf-8"),
)


class ClockMove(enum.StrEnum):
    HOUR = "hour"
    REMINDER = "reminder"
    AFTER = "after"


@dataclass
class Page:
    """What the server remembers about the page: toasts already shown, messages already seen."""

    sandbox: Sandbox
    port: int = 0
    closing: bool = False
    shown_answers: set[str] = field(default_factory=set)
    seen: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # What happened before the page opened (demo data) is neither a toast nor unread.
        self.shown_answers = {q for q, c in self.sandbox.fake.callbacks.items() if c.answer}
        self.seen = {key: len(self.chat(key).messages) for key in self.chat_keys()}

    def chat_keys(self) -> list[str]:
        return [*self.sandbox.personas, GROUP]

    def chat(self, key: str) -> ChatState:
        if key == GROUP:
            return self.sandbox.group.chat
        persona = self.sandbox.personas.get(key)
        if persona is None:
            raise HTTPError(404, reason="unknown chat")
        return persona.user.chat

    def actor(self, chat_key: str, actor_key: object) -> FakeUser:
        """Who acts: the chat's own person, or in the group the person chosen in the page."""
        key = chat_key if chat_key != GROUP else actor_key or DEFAULT_ACTOR
        persona = self.sandbox.personas.get(str(key))
        if persona is None:
            raise HTTPError(404, reason="unknown person")
        return persona.user


# ---------------------------------------------------------------------- the chat as JSON


def _file_url(file_id: str) -> str:
    return "/files/" + quote(file_id, safe="")


def _special_text(msg: StoredMessage) -> str:
    """What a sticker, a contact or a place shows instead of text."""
    payload = msg.payload
    if msg.kind == "sticker":
        return str(payload.get("sticker", {}).get("emoji", "🖼️"))
    if msg.kind == "contact":
        contact = payload.get("contact", {})
        return f"📞 {contact.get('first_name', '')} {contact.get('phone_number', '')}".strip()
    if msg.kind == "location":
        place = payload.get("location", {})
        return f"📍 {place.get('latitude', 0):.4f}, {place.get('longitude', 0):.4f}"
    if msg.kind == "dice":
        return str(payload.get("dice", {}).get("emoji", "🎲"))
    return ""


def _buttons(msg: StoredMessage) -> tuple[list[list[str]], dict[str, str]]:
    """Inline button labels by row, and the web address of those that open one."""
    rows: list[list[str]] = []
    urls: dict[str, str] = {}
    for row in (msg.reply_markup or {}).get("inline_keyboard", []):
        labels = []
        for button in row:
            label = str(button.get("text", ""))
            labels.append(label)
            url = button.get("url")
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                urls[label] = url
        rows.append(labels)
    return rows, urls


def _entities(msg: StoredMessage) -> list[dict[str, Any]]:
    drawn = []
    for entity in msg.entities:
        kind = entity.get("type")
        if kind not in DRAWN_ENTITIES:
            continue
        item = {"type": kind, "offset": entity["offset"], "length": entity["length"]}
        url = entity.get("url")
        if kind == "text_link" and isinstance(url, str) and url.startswith("https://"):
            item["url"] = url
        drawn.append(item)
    return drawn


def message_json(page: Page, chat: ChatState, msg: StoredMessage) -> dict[str, Any]:
    """One message as the page draws it (text is plain text; formatting comes apart)."""
    fake = page.sandbox.fake
    local = datetime.fromtimestamp(msg.date, page.sandbox.settings.tz)
    if msg.from_bot:
        sender = fake.bot_first_name
    else:
        user = fake.users.get(msg.from_user_id or 0)
        sender = user.first_name if user is not None else ""
    rows, urls = _buttons(msg)
    out: dict[str, Any] = {
        "id": msg.message_id,
        "from": "bot" if msg.from_bot else "user",
        "sender": sender,
        "kind": msg.kind,
        "text": msg.content or _special_text(msg),
        "entities": _entities(msg),
        "buttons": rows,
        "urls": urls,
        "edited": bool(msg.edits),
        "date": local.isoformat(),
        "time": local.strftime("%H:%M"),
    }
    if msg.file_id and msg.kind in ("photo", "voice", "audio", "document", "video"):
        out["file"] = _file_url(msg.file_id)
        media = msg.payload.get(msg.kind)
        if isinstance(media, Mapping):
            out["file_name"] = media.get("file_name") or ""
            out["duration"] = media.get("duration") or 0
    if msg.reply_to_message_id is not None:
        original = chat.find(msg.reply_to_message_id)
        if original is not None:
            out["reply_to"] = {
                "id": original.message_id,
                "text": (original.content or _special_text(original) or original.kind)[:120],
            }
    return out


def _keyboard(chat: ChatState) -> tuple[list[list[str]], str]:
    """The reply keyboard's labels by row, and the hint it puts in the text field."""
    markup = chat.reply_keyboard or {}
    rows = [
        [str(b if isinstance(b, str) else b.get("text", "")) for b in row]
        for row in markup.get("keyboard", [])
    ]
    return rows, str(markup.get("input_field_placeholder", ""))


def _key_button(chat: ChatState, label: str) -> Mapping[str, Any] | None:
    for row in (chat.reply_keyboard or {}).get("keyboard", []):
        for button in row:
            button_obj = {"text": button} if isinstance(button, str) else button
            if button_obj.get("text") == label:
                return dict(button_obj)
    return None


def _toasts(page: Page, chat: ChatState) -> list[dict[str, Any]]:
    """Callback answers with a text in this chat that the page has not shown yet."""
    toasts = []
    for query_id, callback in page.sandbox.fake.callbacks.items():
        if callback.chat_id != chat.id or not callback.answer:
            continue
        if query_id in page.shown_answers:
            continue
        page.shown_answers.add(query_id)
        text = callback.answer.get("text")
        if text:
            alert = callback.answer.get("show_alert") in (True, "true", "True", "1")
            toasts.append({"text": str(text), "alert": alert})
    return toasts


def now_json(page: Page) -> dict[str, Any]:
    sandbox = page.sandbox
    now = sandbox.clock.now()
    tz = sandbox.settings.tz
    translator = sandbox.rt.translator
    return {
        "now": now.astimezone(tz).isoformat(),
        "tz": sandbox.settings.timezone,
        "now_text": {lang: translator.format_datetime(now, lang, tz) for lang in ("fr", "en")},
    }


def state_json(page: Page, key: str, actor_key: object) -> dict[str, Any]:
    """Everything the page needs to draw chat `key` (and to mark its toasts as shown)."""
    sandbox = page.sandbox
    chat = page.chat(key)
    actor = page.actor(key, actor_key)
    keyboard, placeholder = _keyboard(chat)
    page.seen[key] = len(chat.messages)
    people: list[dict[str, Any]] = [
        {
            "key": p.key,
            "name": p.name,
            "language": p.language,
            "role": p.role.value,
            "facilitator": p.role is Role.FACILITATOR,
        }
        for p in sandbox.personas.values()
    ]
    people.append({"key": GROUP, "name": chat_title(page, GROUP), "role": "group"})
    for person in people:
        other = page.chat(person["key"])
        person["unread"] = sum(
            1 for m in other.messages[page.seen.get(person["key"], 0) :] if m.from_bot
        )
    return {
        "version": sandbox.version,
        "chat": {
            "key": key,
            "title": chat_title(page, key),
            "type": "group" if key == GROUP else "private",
            "actor": next(k for k, p in sandbox.personas.items() if p.user is actor),
            "members": len(chat.members) + 1 if key == GROUP else 0,
        },
        "personas": people,
        "messages": [message_json(page, chat, m) for m in chat.messages if not m.deleted],
        "keyboard": keyboard,
        "placeholder": placeholder,
        "toasts": _toasts(page, chat),
        "violations": [
            {"method": v.method, "description": v.problem} for v in sandbox.fake.violations
        ],
        **now_json(page),
    }


def chat_title(page: Page, key: str) -> str:
    if key == GROUP:
        return page.sandbox.group.chat.title or ""
    return page.sandbox.fake.bot_first_name


# ---------------------------------------------------------------------- HTTP


class Base(RequestHandler):
    """Shared by every route: only this machine's page may talk to the sandbox."""

    page: Page

    def initialize(self, page: Page) -> None:
        self.page = page

    @property
    def sandbox(self) -> Sandbox:
        return self.page.sandbox

    def prepare(self) -> None:
        # A site the browser visits could point its own name at 127.0.0.1 (DNS rebinding)
        # or post a form here: the Host and the Origin must both be this page.
        port = self.page.port
        allowed = {f"{HOST}:{port}", f"localhost:{port}"}
        if self.request.host not in allowed:
            raise HTTPError(403, reason="wrong host")
        origin = self.request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc not in allowed:
            raise HTTPError(403, reason="wrong origin")

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        error = kwargs.get("exc_info", (None, None, None))[1]
        reason = error.reason if isinstance(error, HTTPError) else None
        self.finish(reason or responses.get(status_code, "error"))

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise HTTPError(400, reason="the body is not JSON") from exc
        if not isinstance(data, dict):
            raise HTTPError(400, reason="the body is not a JSON object")
        return data

    def chat_key(self, data: Mapping[str, Any]) -> str:
        key = data.get("chat")
        if not isinstance(key, str):
            raise HTTPError(400, reason="chat is missing")
        self.page.chat(key)
        return key

    def done(self) -> None:
        self.write({"ok": True, "version": self.sandbox.version})


class IndexPage(Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", CSP)
        self.finish((STATIC_DIR / "index.html").read_bytes())


class Events(Base):
    """Server-sent events: the sandbox's version whenever it changes, until the page goes."""

    gone = False

    def on_connection_close(self) -> None:
        self.gone = True

    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("X-Accel-Buffering", "no")
        sent: int | None = None
        quiet = 0.0
        self.write("retry: 1000\n\n")
        try:
            while not self.gone and not self.page.closing:
                version = self.sandbox.version
                if version != sent:
                    self.write(f"data: {version}\n\n")
                    await self.flush()
                    sent, quiet = version, 0.0
                elif quiet >= KEEPALIVE_SECONDS:
                    self.write(": still here\n\n")
                    await self.flush()
                    quiet = 0.0
                await asyncio.sleep(POLL_SECONDS)
                quiet += POLL_SECONDS
        except StreamClosedError:
            return
        with contextlib.suppress(StreamClosedError):
            self.finish()


class State(Base):
    def get(self) -> None:
        key = self.get_query_argument("chat", DEFAULT_ACTOR)
        self.write(state_json(self.page, key, self.get_query_argument("as", None)))


class Send(Base):
    async def post(self) -> None:
        data = self.body()
        key = self.chat_key(data)
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise HTTPError(400, reason="text is empty")
        if len(text) > MAX_TEXT:
            raise HTTPError(400, reason="text is too long")
        actor = self.page.actor(key, data.get("as"))
        if key == GROUP:
            await self.sandbox.group.send(actor, text)
        else:
            await actor.send(text)
        self.done()


class Tap(Base):
    """An inline button under a given message (the same label may be under several)."""

    async def post(self) -> None:
        data = self.body()
        key = self.chat_key(data)
        text, message_id = data.get("text"), data.get("message_id")
        if not isinstance(text, str) or not isinstance(message_id, int):
            raise HTTPError(400, reason="text and message_id are needed")
        actor = self.page.actor(key, data.get("as"))
        try:
            if key == GROUP:
                # FakeGroup.tap takes the newest message with that label; the page knows which.
                await self.sandbox.fake._tap(self.sandbox.group.chat, actor, text, message_id)
            else:
                await actor.tap_in(message_id, text)
        except AssertionError as exc:
            raise HTTPError(404, reason="no such button") from exc
        self.done()


class Key(Base):
    """A reply keyboard button: it sends its text, or the person's number or place."""

    async def post(self) -> None:
        data = self.body()
        key = self.chat_key(data)
        text = data.get("text")
        chat = self.page.chat(key)
        button = _key_button(chat, text) if isinstance(text, str) else None
        if button is None or not isinstance(text, str):
            raise HTTPError(404, reason="no such key")
        actor = self.page.actor(key, data.get("as"))
        if key == GROUP:
            await self.sandbox.group.send(actor, text)
        elif button.get("request_contact"):
            await actor.send_contact(f"+3360000{actor.id}")
        elif button.get("request_location"):
            await actor.send_location(*WORKSHOP_PLACE)
        else:
            await actor.send(text)
        self.done()


class Voice(Base):
    """A voice note: the built-in sample, or what the page recorded (multipart "voice")."""

    async def post(self) -> None:
        upload = self.request.files.get("voice")
        if upload:
            key = self.get_body_argument("chat", "")
            self.page.chat(key)
            actor_key: object = self.get_body_argument("as", None)
            content = upload[0].body
            duration = _seconds(self.get_body_argument("duration", "1"))
        else:
            data = self.body()
            key = self.chat_key(data)
            actor_key = data.get("as")
            if data.get("sample") is not True:
                raise HTTPError(400, reason="send a recording or sample: true")
            content = SAMPLE_VOICE.read_bytes()
            duration = 1
        if key == GROUP:
            raise HTTPError(400, reason="voice notes go to a private chat")
        if not content:
            raise HTTPError(400, reason="the recording is empty")
        await self.page.actor(key, actor_key).send_voice(duration, content=content)
        self.done()


def _seconds(value: str) -> int:
    try:
        return max(1, min(3600, round(float(value))))
    except ValueError:
        return 1


class Clock(Base):
    """Move the sandbox's clock forward, then let the scheduled work catch up."""

    async def post(self) -> None:
        move = self.body().get("move")
        if move not in tuple(ClockMove):
            raise HTTPError(400, reason="move is hour, reminder or after")
        moment = await _destination(self.sandbox, ClockMove(move))
        if moment is None:
            what = "reminder" if move == ClockMove.REMINDER else "session"
            raise HTTPError(409, reason=f"no {what} to move to")
        await self.sandbox.move_clock(moment)
        self.write({"ok": True, "version": self.sandbox.version, **now_json(self.page)})


async def _destination(sandbox: Sandbox, move: ClockMove) -> datetime | None:
    if move is ClockMove.HOUR:
        return sandbox.clock.now() + timedelta(hours=1)
    if move is ClockMove.REMINDER:
        return await demo.next_reminder(sandbox)
    return await demo.after_next_session(sandbox)


class Files(Base):
    """The bytes of a picture, voice note or document the stand-in keeps."""

    def get(self, file_id: str) -> None:
        record = self.sandbox.fake.files.get(file_id)
        if record is None:
            raise HTTPError(404, reason="no such file")
        content = record.content
        kind = next((mime for magic, mime in MAGIC if content.startswith(magic)), None)
        if kind is None and record.file_name:
            kind = mimetypes.guess_type(record.file_name)[0]
        self.set_header("Content-Type", kind or record.mime_type or "application/octet-stream")
        self.set_header("Cache-Control", "private, max-age=3600")
        if record.kind == "document":
            name = record.file_name or record.file_path.rsplit("/", 1)[-1]
            self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
        self.finish(content)


class Static(StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")


# ---------------------------------------------------------------------- serving


@dataclass
class Listening:
    """Where the page is served, and how to stop serving it."""

    port: int
    server: HTTPServer
    page: Page
    sockets: list[socket.socket]
    _closing: set[asyncio.Task[None]] = field(default_factory=set)

    def close(self) -> None:
        """Stop listening; open event streams end within one poll."""
        self.page.closing = True
        self.server.stop()
        task = asyncio.ensure_future(self.server.close_all_connections())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def wait_closed(self) -> None:
        await asyncio.gather(*self._closing)


def _log_request(handler: RequestHandler) -> None:
    """Only the server's own failures reach the terminal: a 404 or 409 is the page's business."""
    if handler.get_status() >= 500:
        request = handler.request
        log.error("%s %s %s", handler.get_status(), request.method, request.uri)


def application(page: Page) -> Application:
    args = {"page": page}
    return Application(
        [
            (r"/", IndexPage, args),
            (r"/events", Events, args),
            (r"/api/state", State, args),
            (r"/api/send", Send, args),
            (r"/api/tap", Tap, args),
            (r"/api/key", Key, args),
            (r"/api/voice", Voice, args),
            (r"/api/clock", Clock, args),
            (r"/files/([^/]+)", Files, args),
            (r"/static/(.*)", Static, {"path": str(STATIC_DIR)}),
        ],
        log_function=_log_request,
    )


def listen(sandbox: Sandbox, port: int) -> Listening:
    """Serve the page on 127.0.0.1:port (0: any free port) and return where it listens."""
    page = Page(sandbox)
    sockets = bind_sockets(port, address=HOST, family=socket.AF_INET)
    page.port = sockets[0].getsockname()[1]
    server = HTTPServer(application(page), max_body_size=MAX_BODY, xheaders=False)
    server.add_sockets(sockets)
    return Listening(page.port, server, page, sockets)
