"""FakeTelegram: an in-memory Bot API server state machine validated against the spec.

The class is assembled from parts, each in its own module:

- state.py: constructor, server state, update delivery, Message rendering, file store;
- faults.py: injected errors and timeouts, flood limits;
- methods.py: the simulated Bot API methods;
- actors.py: FakeUser / FakeGroup / FakeChannel and what their actions do server-side;
- records.py, chats.py: the data the others share.

This module keeps the request pipeline (``handle``) and the helpers tests call directly.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from .actors import FakeChannel, FakeGroup, FakeUser, UserActions
from .chats import ChatState
from .faults import Faults, _default_description
from .methods import ApiMethods, _scope_key
from .records import (
    JSON,
    ApiError,
    FileRecord,
    Parts,
    RequestRecord,
    SimulatedTimeout,
    Stats,
    StoredMessage,
    UpdateSink,
    Violation,
)
from .spec import Upload

# Names importable from here before the split; server.py and transport.py still use some.
__all__ = [
    "ApiError",
    "ChatState",
    "FakeChannel",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "FileRecord",
    "RequestRecord",
    "SimulatedTimeout",
    "Stats",
    "StoredMessage",
    "Violation",
    "is_send_method",
]

# Methods that post a message and therefore count towards flood limits.
_EXTRA_SEND_METHODS = frozenset(
    {"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"}
)


def is_send_method(method: str) -> bool:
    """Whether ``method`` posts a message (flood limits, blocked users)."""
    if method in _EXTRA_SEND_METHODS:
        return True
    return method.startswith("send") and method not in ("sendChatAction", "sendMessageDraft")


class FakeTelegram(ApiMethods, Faults, UserActions):
    """A Bot API server in memory: validates every call and simulates Telegram's answers.

    The constructor and all state come from FakeState (state.py), shared by every base.
    """

    # ================================================================== public helpers

    def user(
        self,
        user_id: int,
        first_name: str = "Alice",
        *,
        language_code: str | None = "fr",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """The fake user ``user_id`` (created once; its private chat id is ``user_id``)."""
        if user_id in self.users:
            return self.users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        fake_user = FakeUser(
            self,
            user_id,
            first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        self.users[user_id] = fake_user
        self.chats[user_id] = fake_user._chat = ChatState(user_id, "private", user=fake_user)
        return fake_user

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        type: str = "group",
        *,
        username: str | None = None,
    ) -> FakeGroup:
        """A group or supergroup (negative id) that already contains the bot."""
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        return FakeGroup(self, self._new_chat(chat_id, type, title, username))

    def channel(
        self, chat_id: int, title: str = "Channel", *, username: str | None = None
    ) -> FakeChannel:
        """A channel (negative id) where the bot is an administrator."""
        return FakeChannel(self, self._new_chat(chat_id, "channel", title, username))

    def _new_chat(self, chat_id: int, kind: str, title: str, username: str | None) -> ChatState:
        if chat_id >= 0:
            raise ValueError("group and channel ids are negative")
        if chat_id not in self.chats:
            self.chats[chat_id] = ChatState(chat_id, kind, title=title, username=username)
        return self.chats[chat_id]

    def set_update_sink(self, sink: UpdateSink | None) -> None:
        """Deliver updates by awaiting ``sink(update_dict)`` instead of queueing them."""
        self._sink = sink

    def register_file(
        self,
        kind: str = "document",
        content: bytes = b"fake-bytes",
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> str:
        """Make a file_id known (e.g. a stock sticker the bot sends); returns it."""
        return self._new_file(kind, content, file_name=file_name, mime_type=mime_type).file_id

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON] | None:
        """Commands set for exactly this scope and language (None if never set)."""
        return self.commands_by_scope.get((_scope_key(scope), language_code))

    def calls(self, method: str) -> list[RequestRecord]:
        """Requests made to ``method`` (any outcome)."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def duplicates(self, key: Callable[[StoredMessage], Any] | None = None) -> list[Any]:
        """Keys shared by several bot messages (default key: chat and content)."""
        key = key or (lambda m: (m.chat_id, m.kind, m.content))
        counts = Counter(
            key(m) for chat in self.chats.values() for m in chat.messages if m.from_bot
        )
        return [k for k, n in counts.items() if n > 1]

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids the bot never answered."""
        return [c.query_id for c in self.callbacks.values() if c.answer is None]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued for getUpdates."""
        return list(self._queue)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain deadline keeps test code short
    ) -> None:
        """Wait until ``predicate()`` holds (checked after every state change)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self._wait_change(min(remaining, 0.05))

    # ================================================================== entry points

    async def handle(
        self,
        token: str,
        method: str,
        params: Mapping[str, str],
        files: Mapping[str, bytes] | None = None,
        *,
        filenames: Mapping[str, str] | None = None,
    ) -> tuple[int, JSON]:
        """Serve one Bot API call; returns (HTTP status, JSON body)."""
        files = files or {}
        raw = dict(params)
        if token != self.token:
            return self._reply(method, raw, files, 401, error="Unauthorized")
        canonical = self.spec.canonical_method(method)
        if canonical is None:
            self.violations.append(Violation(method, raw, f"unknown method {method!r}"))
            return self._reply(method, raw, files, 404, error="Not Found")
        values, problems = self.spec.check_call(canonical, raw, files)
        if problems:
            problem = "; ".join(problems)
            self.violations.append(Violation(canonical, raw, problem))
            return self._reply(canonical, raw, files, 400, error=f"Bad Request: {problem}")

        parts = {name: ((filenames or {}).get(name), content) for name, content in files.items()}
        injection = self._take_injection(canonical, values.get("chat_id"))
        if injection is not None and injection.status is None:
            if injection.processed:
                self._record(canonical, values, files, 200)
                await self._execute(canonical, values, parts)
            raise SimulatedTimeout(injection.delay)
        if injection is not None and injection.status is not None:
            self.stats.injected_failures += 1
            return self._injected_error(canonical, values, files, injection)
        sending = is_send_method(canonical)
        if sending and self._fail_rate is not None:
            rate, statuses, rng = self._fail_rate
            if rng.random() < rate:
                self.stats.injected_failures += 1
                status = rng.choice(statuses)
                return self._reply(
                    canonical, values, files, status, error=_default_description(status)
                )
        status, body = await self._execute(canonical, values, parts)
        self._record(canonical, values, files, status, body.get("description"))
        return status, body

    async def _execute(
        self, method: str, values: dict[str, Any], parts: Parts
    ) -> tuple[int, JSON]:
        try:
            chat = self._target_chat(method, values)
            if is_send_method(method) and chat is not None:
                self._check_flood(chat)
            handler = getattr(self, f"_api_{method}", None)
            if handler is not None:
                result = await handler(values, chat, parts)
            elif self.spec.returns[method] == ("Boolean",):
                result = True
            else:
                raise ApiError(
                    400, "Bad Request: method not simulated by the fake", violation=True
                )
        except ApiError as err:
            if err.violation:
                self.violations.append(Violation(method, _as_strings(values), err.description))
            body: JSON = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            return err.status, body
        finally:
            self._notify()
        problems = self.spec.check_returns(method, result)
        if problems:  # a bug of the fake itself: make it loud
            self.violations.append(
                Violation(
                    method,
                    _as_strings(values),
                    "fake produced an invalid result: " + "; ".join(problems),
                )
            )
        if is_send_method(method) and chat is not None:
            self._count_send(chat)
        return 200, {"ok": True, "result": result}

    def download(self, token: str, file_path: str) -> tuple[int, bytes]:
        """Serve ``{file_base}/{token}/{file_path}``."""
        if token != self.token:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        for record in self.files.values():
            if record.file_path == file_path:
                return 200, record.content
        return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'

    # ------------------------------------------------------------------ chat checks

    def _target_chat(self, method: str, values: Mapping[str, Any]) -> ChatState | None:
        if "chat_id" not in values:
            return None
        chat = self._resolve_chat(values["chat_id"])
        if (
            chat.type == "private"
            and chat.user is not None
            and chat.user.blocked
            and (is_send_method(method) or method == "sendChatAction")
        ):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if (
            chat.type != "private"
            and chat.bot_status in ("left", "kicked")
            and (is_send_method(method) or method.startswith(("edit", "sendChat")))
        ):
            verb = "was kicked from" if chat.bot_status == "kicked" else "is not a member of"
            raise ApiError(403, f"Forbidden: bot {verb} the {chat.type} chat")
        return chat


def _as_strings(values: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        if isinstance(value, Upload):
            out[key] = f"<upload {value.part}: {len(value.content)} bytes>"
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = json.dumps(value, ensure_ascii=False)
    return out
