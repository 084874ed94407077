"""FakeState: what the fake server remembers, and the primitives every part builds on.

FakeTelegram is assembled from mixins (faults, API methods, user actions); they all derive
from FakeState so that each sees the whole state with its real types. Only what several of
them share lives here: the constructor, request bookkeeping, change notification, update
delivery, rendering stored messages as Message objects, and the file store.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .chats import ChatState
from .records import (
    JSON,
    ApiError,
    FileRecord,
    RequestRecord,
    Stats,
    StoredMessage,
    UpdateSink,
    Violation,
    _Callback,
)
from .spec import ApiSpec, load_spec

if TYPE_CHECKING:
    from .actors import FakeUser
    from .faults import _Injection


# Update types Telegram sends when allowed_updates is empty / never set.
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class FakeState:
    """Configuration and state of the fake server (see FakeTelegram for the full API)."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-token",
        bot_id: int = 123456,
        bot_username: str = "miroir_test_bot",
        bot_first_name: str = "Miroir",
        now: Callable[[], float] | None = None,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        private_burst: int = 1,
        spec: ApiSpec | None = None,
        timeout_delay: float = 6.0,
        privacy_mode: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.now: Callable[[], float] = now or time.time
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        self.private_per_second = private_per_second
        self.group_per_minute = group_per_minute
        self.private_burst = private_burst
        self.spec = spec or load_spec()
        # Server mode: how long an injected timeout holds the response back.
        self.timeout_delay = timeout_delay
        # Group privacy (BotFather default): non-admin bots only see messages meant for them.
        self.privacy_mode = privacy_mode

        self.violations: list[Violation] = []
        self.requests: list[RequestRecord] = []
        self.stats = Stats()
        self.updates_sent: list[JSON] = []
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, FakeUser] = {}
        self.files: dict[str, FileRecord] = {}
        self.commands_by_scope: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short, lang)
        self.webhook_url = ""
        self.callbacks: dict[str, _Callback] = {}

        self._sink: UpdateSink | None = None
        self._queue: list[JSON] = []
        self._next_update_id = 1
        self._allowed: frozenset[str] = DEFAULT_ALLOWED
        self._poll_generation = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._activity: list[tuple[int, StoredMessage]] = []
        # Kept here with the rest of the state so one place lists it all; used by faults.py.
        self._injections: list[_Injection] = []
        self._fail_rate: tuple[float, tuple[int, ...], random.Random] | None = None
        self._sends_global: deque[float] = deque()
        self._sends_chat: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, updated at)
        self._retry_until: dict[int | None, float] = {}

        self._file_counter = 0
        self._callback_counter = 0

    @property
    def bot_user(self) -> JSON:
        """The bot as a User object (as in getMe)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ------------------------------------------------------------------ request log

    def _reply(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, bytes],
        status: int,
        *,
        error: str,
        parameters: JSON | None = None,
    ) -> tuple[int, JSON]:
        self._record(method, dict(params), files, status, error)
        body: JSON = {"ok": False, "error_code": status, "description": error}
        if parameters:
            body["parameters"] = parameters
        return status, body

    def _record(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, bytes],
        status: int,
        description: str | None = None,
    ) -> None:
        self.requests.append(
            RequestRecord(method, dict(params), status, description, tuple(files), self.now())
        )

    # ------------------------------------------------------------------ change notification

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.get_loop().call_soon_threadsafe(_resolve, fut)

    async def _wait_change(self, delay: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, delay)
        except TimeoutError:
            pass
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)

    # ------------------------------------------------------------------ updates and messages

    async def deliver(
        self, kind: str, payload: JSON, chat_id: int | None = None
    ) -> list[StoredMessage]:
        """Send an update of type ``kind``; returns the bot messages it produced in ``chat_id``.

        With an update sink the call returns once the sink (all handlers) finished; otherwise
        the update is queued for getUpdates and [] is returned immediately.
        """
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        problems = self.spec.check_object("Update", update, "update")
        if problems:
            raise AssertionError(f"fake built an invalid update: {problems}")
        self.updates_sent.append(update)
        if self._sink is None:
            if kind in self._allowed:  # Telegram never creates updates the bot did not allow
                self._queue.append(update)
            self._notify()
            return []
        start = len(self._activity)
        await self._sink(update)
        produced: list[StoredMessage] = []
        for cid, msg in self._activity[start:]:
            if (chat_id is None or cid == chat_id) and all(m is not msg for m in produced):
                produced.append(msg)
        return produced

    def message_dict(self, msg: StoredMessage, *, with_reply: bool = True) -> JSON:
        """The full Message object for a stored message, in its current state."""
        chat = self.chats[msg.chat_id]
        out: JSON = {"message_id": msg.message_id, "date": msg.date, "chat": chat.to_dict()}
        if msg.from_bot:
            if chat.type == "channel":
                out["sender_chat"] = chat.to_dict()
            else:
                out["from"] = self.bot_user
        elif msg.from_user_id is not None:
            if msg.from_user_id in self.users:
                out["from"] = self.users[msg.from_user_id].to_dict()
        else:
            out["sender_chat"] = chat.to_dict()
        if msg.reply_to_message_id is not None and with_reply:
            original = next(
                (m for m in chat.messages if m.message_id == msg.reply_to_message_id), None
            )
            if original is not None and not original.deleted:
                out["reply_to_message"] = self.message_dict(original, with_reply=False)
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        out.update(msg.payload)
        if msg.kind == "text":
            out["text"] = msg.text or ""
            if msg.entities:
                out["entities"] = msg.entities
        elif msg.caption:
            out["caption"] = msg.caption
            if msg.entities:
                out["caption_entities"] = msg.entities
        if msg.reply_markup is not None:
            out["reply_markup"] = msg.reply_markup
        return out

    def _store(self, chat: ChatState, msg: StoredMessage) -> StoredMessage:
        chat.messages.append(msg)
        if msg.from_bot:
            self._activity.append((chat.id, msg))
        return msg

    def _next_id(self, chat: ChatState) -> int:
        mid = chat.next_message_id
        chat.next_message_id += 1
        return mid

    def _resolve_chat(self, chat_id: Any) -> ChatState:
        if isinstance(chat_id, int):
            if chat_id in self.chats:
                return self.chats[chat_id]
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == chat_id[1:].lower():
                    return chat
        raise ApiError(400, "Bad Request: chat not found", violation=True)

    # ------------------------------------------------------------------ files

    def _new_file(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> FileRecord:
        self._file_counter += 1
        n = self._file_counter
        ext = {
            "photo": "jpg",
            "voice": "oga",
            "audio": "mp3",
            "video": "mp4",
            "animation": "mp4",
            "sticker": "webp",
            "video_note": "mp4",
        }.get(kind, "bin")
        if kind in ("document", "audio") and file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1]
        record = FileRecord(
            file_id=f"FAKE-{kind}-{n:06d}-{self.bot_id}",
            file_unique_id=f"U{kind[:3]}{n:06d}",
            kind=kind,
            content=content,
            file_path=f"{kind}s/file_{n}.{ext}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[record.file_id] = record
        return record

    def _file_object(self, record: FileRecord, kind: str, values: Mapping[str, Any]) -> JSON:
        base: JSON = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.content),
        }
        duration = values.get("duration", 1)
        if kind in ("voice", "audio", "video", "animation", "video_note"):
            base["duration"] = duration if isinstance(duration, int) else 1
        if kind in ("video", "animation"):
            base["width"] = values.get("width", 640)
            base["height"] = values.get("height", 360)
        if kind == "video_note":
            base["length"] = values.get("length", 240)
        if kind == "voice":
            base["mime_type"] = "audio/ogg"
        if kind == "audio":
            base["mime_type"] = record.mime_type or "audio/mpeg"
            for key in ("title", "performer"):
                if isinstance(values.get(key), str):
                    base[key] = values[key]
        if kind in ("document", "animation", "audio") and record.file_name:
            base["file_name"] = record.file_name
        if kind == "document" and record.mime_type:
            base["mime_type"] = record.mime_type
        if kind == "sticker":
            base.update(
                {
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            )
        return base

    def _photo_sizes(self, record: FileRecord) -> list[JSON]:
        sizes = []
        for suffix, (w, h) in (("s", (90, 67)), ("m", (320, 240)), ("", (800, 600))):
            file_id = record.file_id + (f"-{suffix}" if suffix else "")
            if file_id not in self.files:
                self.files[file_id] = FileRecord(
                    file_id,
                    record.file_unique_id + suffix,
                    "photo",
                    record.content,
                    record.file_path.replace(".", f"{suffix}.", 1) if suffix else record.file_path,
                )
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": record.file_unique_id + suffix,
                    "file_size": len(record.content),
                    "width": w,
                    "height": h,
                }
            )
        return sizes


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
