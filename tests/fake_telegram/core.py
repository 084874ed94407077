"""FakeTelegram: an in-memory Bot API server state machine validated against the spec."""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .formatting import EntityParseError, parse, strip_text, utf16_len
from .spec import ApiSpec, Upload, load_spec

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]
JSON = dict[str, Any]
Parts = Mapping[str, tuple[str | None, bytes]]  # multipart part name -> (filename, content)

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
# Methods that post a message and therefore count towards flood limits.
_EXTRA_SEND_METHODS = frozenset(
    {"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"}
)
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one "
    "bot instance is running"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def is_send_method(method: str) -> bool:
    """Whether ``method`` posts a message (flood limits, blocked users)."""
    if method in _EXTRA_SEND_METHODS:
        return True
    return method.startswith("send") and method not in ("sendChatAction", "sendMessageDraft")


class ApiError(Exception):
    """An error response; ``violation`` marks it as a bug of the bot under test."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: bool = False,
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.parameters = parameters


class SimulatedTimeout(Exception):
    """Raised by ``handle`` when an injected timeout must reach the transport."""

    def __init__(self, delay: float | None) -> None:
        super().__init__("injected timeout")
        self.delay = delay


@dataclass
class Violation:
    """A request Telegram would reject because the bot misused the API."""

    method: str
    params: dict[str, str]
    problem: str


@dataclass
class RequestRecord:
    """One request as seen by the fake."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    files: tuple[str, ...] = ()
    time: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class StoredMessage:
    """A message in a chat's history (sent by the bot or by a fake user)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    raw_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_keyboard: JSON | None = None
    kind: str = "text"
    file_id: str | None = None
    edits: list[str | None] = field(default_factory=list)
    deleted: bool = False
    date: int = 0
    edit_date: int | None = None
    from_user_id: int | None = None
    reply_to_message_id: int | None = None
    payload: JSON = field(default_factory=dict)  # kind-specific Message fields

    @property
    def content(self) -> str | None:
        """Text, or caption for media messages."""
        return self.text if self.kind == "text" else self.caption

    @property
    def buttons(self) -> list[list[str]]:
        """Texts of the inline keyboard rows."""
        if not self.reply_markup:
            return []
        return [
            [b.get("text", "") for b in row]
            for row in self.reply_markup.get("inline_keyboard", [])
        ]

    def find_button(self, text: str) -> JSON | None:
        """The inline button labelled ``text``, if any."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == text:
                    return dict(button)
        return None


@dataclass
class FileRecord:
    """A file known to the fake (uploaded, sent by a user or referenced by URL)."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class Stats:
    """Counters for flood-control assertions and benchmarks."""

    sent_total: int = 0
    rejected_429: int = 0
    injected_failures: int = 0
    sends_during_retry_after: int = 0
    poll_conflicts: int = 0
    per_chat_sent: Counter[int] = field(default_factory=Counter)
    send_times: list[float] = field(default_factory=list)

    def max_in_window(self, window: float = 1.0) -> int:
        """Largest number of accepted sends within any ``window`` seconds."""
        best, lo = 0, 0
        times = sorted(self.send_times)
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def average_rate(self) -> float:
        """Accepted sends per second between the first and the last one."""
        if len(self.send_times) < 2:
            return 0.0
        span = max(self.send_times) - min(self.send_times)
        return (len(self.send_times) - 1) / span if span > 0 else math.inf


@dataclass
class _Injection:
    status: int | None  # None = timeout
    method: str | None
    chat_id: int | None
    remaining: int
    retry_after: int | None = None
    description: str | None = None
    delay: float | None = None
    processed: bool = False

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is None:
            # Untargeted injections leave the polling loop alone.
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or chat_id == self.chat_id


@dataclass
class _Callback:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: JSON | None = None


class ChatState:
    """Server-side state of one chat."""

    def __init__(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        user: FakeUser | None = None,
        username: str | None = None,
    ) -> None:
        self.id = chat_id
        self.type = chat_type
        self.title = title
        self.user = user
        self.username = username
        self.messages: list[StoredMessage] = []
        self.next_message_id = 1
        self.reply_keyboard: JSON | None = None
        self.bot_status = "administrator" if chat_type == "channel" else "member"
        self.members: dict[int, str] = {}
        self.actions: list[str] = []

    def to_dict(self) -> JSON:
        """The Chat object."""
        chat: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        else:
            chat["title"] = self.title or ""
            if self.username:
                chat["username"] = self.username
        return chat

    def find(self, message_id: Any) -> StoredMessage | None:
        for msg in self.messages:
            if msg.message_id == message_id and not msg.deleted:
                return msg
        return None


class FakeTelegram:
    """A Bot API server in memory: validates every call and simulates Telegram's answers."""

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
        self._injections: list[_Injection] = []
        self._fail_rate: tuple[float, tuple[int, ...], random.Random] | None = None
        self._sends_global: deque[float] = deque()
        self._sends_chat: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, updated at)
        self._retry_until: dict[int | None, float] = {}
        self._file_counter = 0
        self._callback_counter = 0

    # ================================================================== public helpers

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

    # ------------------------------------------------------------------ error injection

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with an error (getUpdates only if named)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._injections.append(
            _Injection(status, method, chat_id, times, retry_after, description)
        )

    def timeout_next(
        self,
        method: str | None = None,
        times: int = 1,
        *,
        chat_id: int | None = None,
        delay: float | None = None,
        processed: bool = False,
    ) -> None:
        """Make the next matching requests time out.

        ``processed=True`` performs the request first (the response is lost, as when Telegram
        delivered the message but the connection dropped). ``delay`` is the server-mode hold
        time (default ``timeout_delay``); the mock transport raises httpx.ReadTimeout at once.
        """
        self._injections.append(
            _Injection(None, method, chat_id, times, delay=delay, processed=processed)
        )

    def fail_rate(
        self, rate: float, statuses: Iterable[int] = (500, 502), *, seed: int = 0
    ) -> None:
        """Fail a random ``rate`` fraction of message-sending requests (0 disables)."""
        self._fail_rate = (rate, tuple(statuses), random.Random(seed)) if rate > 0 else None

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

    # ------------------------------------------------------------------ bookkeeping

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

    def _take_injection(self, method: str, chat_id: Any) -> _Injection | None:
        for injection in self._injections:
            if injection.remaining > 0 and injection.matches(method, chat_id):
                injection.remaining -= 1
                if injection.remaining == 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _injected_error(
        self,
        method: str,
        values: Mapping[str, Any],
        files: Mapping[str, bytes],
        injection: _Injection,
    ) -> tuple[int, JSON]:
        status = injection.status or 500
        parameters = None
        description = injection.description or _default_description(status)
        if status == 429:
            retry = injection.retry_after or 1
            parameters = {"retry_after": retry}
            if injection.description is None:
                description = f"Too Many Requests: retry after {retry}"
            self.stats.rejected_429 += 1
            chat_id = values.get("chat_id")
            key = chat_id if isinstance(chat_id, int) else None
            self._retry_until[key] = self.now() + retry
        return self._reply(method, values, files, status, error=description, parameters=parameters)

    def _check_flood(self, chat: ChatState) -> None:
        t = self.now()
        if t < max(self._retry_until.get(None, 0.0), self._retry_until.get(chat.id, 0.0)):
            self.stats.sends_during_retry_after += 1
        if not self.enforce_limits:
            return
        checks: list[tuple[deque[float], float, int, int | None]] = [
            (self._sends_global, 1.0, self.global_per_second, None)
        ]
        if chat.type != "private":
            per_chat = self._sends_chat.setdefault(chat.id, deque())
            checks.append((per_chat, 60.0, self.group_per_minute, chat.id))
        for sends, window, limit, key in checks:
            while sends and sends[0] <= t - window:
                sends.popleft()
            if len(sends) >= limit:
                # The exact moment a slot frees up; retry_after is that, rounded up.
                self._flood(key, sends[0] + window, t)
        if chat.type == "private":
            # Token bucket: `private_burst` messages at once, then `private_per_second`.
            rate = float(self.private_per_second)
            tokens, last = self._buckets.get(chat.id, (float(self.private_burst), t))
            tokens = min(float(self.private_burst), tokens + (t - last) * rate)
            if tokens < 1.0 - 1e-9:
                self._buckets[chat.id] = (tokens, t)
                self._flood(chat.id, t + (1.0 - tokens) / rate, t)
            self._buckets[chat.id] = (tokens - 1.0, t)

    def _flood(self, key: int | None, free_at: float, t: float) -> None:
        retry = max(1, math.ceil(free_at - t - 1e-9))
        self.stats.rejected_429 += 1
        self._retry_until[key] = max(self._retry_until.get(key, 0.0), free_at)
        raise ApiError(
            429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry}
        )

    def _count_send(self, chat: ChatState) -> None:
        t = self.now()
        per_chat = self._sends_chat.setdefault(chat.id, deque())
        for sends, window in ((self._sends_global, 1.0), (per_chat, 60.0)):
            sends.append(t)
            while sends[0] <= t - window:  # keep memory bounded in long benchmarks
                sends.popleft()
        self.stats.sent_total += 1
        self.stats.per_chat_sent[chat.id] += 1
        self.stats.send_times.append(t)

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

    # ================================================================== updates

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

    # ================================================================== messages

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

    def _resolve_chat(self, chat_id: Any) -> ChatState:
        if isinstance(chat_id, int):
            if chat_id in self.chats:
                return self.chats[chat_id]
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == chat_id[1:].lower():
                    return chat
        raise ApiError(400, "Bad Request: chat not found", violation=True)

    def _formatted(
        self, text: str, parse_mode: str | None, entities: list[JSON] | None
    ) -> tuple[str, list[JSON]]:
        if entities is not None or not parse_mode:
            return strip_text(text, list(entities or []))
        try:
            plain, parsed = strip_text(*parse(text, parse_mode))
        except (EntityParseError, ValueError) as exc:  # already rejected by the spec check
            raise ApiError(
                400, f"Bad Request: can't parse entities: {exc}", violation=True
            ) from exc
        for entity in parsed:  # tg://user?id= links mention the full user, as on Telegram
            if entity["type"] == "text_mention" and entity["user"]["id"] in self.users:
                entity["user"] = self.users[entity["user"]["id"]].to_dict()
        return plain, parsed

    def _apply_markup(
        self, chat: ChatState, values: Mapping[str, Any]
    ) -> tuple[JSON | None, JSON | None]:
        """Return (inline markup echoed back, reply keyboard) and update the chat keyboard."""
        markup = values.get("reply_markup")
        if not isinstance(markup, dict):
            return None, None
        if "inline_keyboard" in markup:
            return markup, None
        if "keyboard" in markup:
            chat.reply_keyboard = markup
            return None, markup
        if markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None, None

    def _reply_target(self, chat: ChatState, values: Mapping[str, Any]) -> int | None:
        params = values.get("reply_parameters")
        if not isinstance(params, dict):
            return None
        target_chat = chat
        if "chat_id" in params:
            target_chat = self._resolve_chat(params["chat_id"])
        if target_chat.find(params.get("message_id")) is None:
            if params.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found", violation=True)
        return int(params["message_id"]) if target_chat is chat else None

    def _bot_message(
        self,
        chat: ChatState,
        values: Mapping[str, Any],
        kind: str,
        payload: JSON | None = None,
        file_id: str | None = None,
    ) -> StoredMessage:
        reply_to = self._reply_target(chat, values)
        raw_text = values.get("text") if kind == "text" else values.get("caption")
        entity_field = "entities" if kind == "text" else "caption_entities"
        plain: str | None = None
        entities: list[JSON] = []
        if isinstance(raw_text, str):
            plain, entities = self._formatted(
                raw_text, values.get("parse_mode"), values.get(entity_field)
            )
        inline, keyboard = self._apply_markup(chat, values)
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=True,
            text=plain if kind == "text" else None,
            caption=plain if kind != "text" else None,
            parse_mode=values.get("parse_mode"),
            raw_text=raw_text,
            entities=entities,
            reply_markup=inline,
            reply_keyboard=keyboard,
            kind=kind,
            file_id=file_id,
            date=int(self.now()),
            reply_to_message_id=reply_to,
            payload=payload or {},
        )
        return self._store(chat, msg)

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

    def _input_file(self, value: Any, kind: str, parts: Parts) -> FileRecord:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://") :]
            value = Upload(name, parts[name][1]) if name in parts else value
        if isinstance(value, Upload):
            filename = parts[value.part][0] if value.part in parts else None
            return self._new_file(kind, value.content, file_name=filename)
        if isinstance(value, str):
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                return self._new_file(kind, b"", file_name=value.rsplit("/", 1)[-1] or None)
        raise ApiError(
            400, "Bad Request: wrong file identifier/HTTP URL specified", violation=True
        )

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

    async def _send_media(
        self, kind: str, values: Mapping[str, Any], chat: ChatState | None, parts: Parts
    ) -> JSON:
        assert chat is not None
        record = self._input_file(values[kind], kind, parts)
        if kind == "photo":
            payload: JSON = {"photo": self._photo_sizes(record)}
        else:
            payload = {kind: self._file_object(record, kind, values)}
            if kind == "animation":  # Telegram mirrors animations as documents
                payload["document"] = self._file_object(record, "document", values)
        msg = self._bot_message(chat, values, kind, payload, record.file_id)
        return self.message_dict(msg)

    # ================================================================== API methods

    async def _api_getMe(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        return self.bot_user

    async def _api_logOut(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        return True

    async def _api_close(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        return True

    async def _api_setWebhook(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        self.webhook_url = values["url"]
        if values.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_deleteWebhook(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        self.webhook_url = ""
        if values.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_getWebhookInfo(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _api_getUpdates(self, values: JSON, chat: ChatState | None, _: Any) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violation=True,
            )
        allowed = values.get("allowed_updates")
        if allowed is not None:
            self._allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        offset = values.get("offset", 0)
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = min(max(values.get("limit", 100), 1), 100)
        timeout = max(values.get("timeout", 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll so that it reports the conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                # Grace period: a poll whose client just hung up (bot restarting) is cancelled
                # by the server meanwhile and is not a real conflict.
                await asyncio.sleep(0.1)
                self.stats.poll_conflicts += 1
                raise ApiError(409, _CONFLICT_POLL)
            if self._queue or loop.time() >= deadline:
                return self._queue[:limit]
            await self._wait_change(deadline - loop.time())

    async def _api_sendMessage(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        return self.message_dict(self._bot_message(chat, values, "text"))

    async def _api_sendPhoto(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("photo", values, chat, f)

    async def _api_sendVoice(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("voice", values, chat, f)

    async def _api_sendDocument(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("document", values, chat, f)

    async def _api_sendAudio(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("audio", values, chat, f)

    async def _api_sendVideo(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("video", values, chat, f)

    async def _api_sendAnimation(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("animation", values, chat, f)

    async def _api_sendSticker(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("sticker", values, chat, f)

    async def _api_sendVideoNote(self, values: JSON, chat: ChatState | None, f: Any) -> JSON:
        return await self._send_media("video_note", values, chat, f)

    async def _api_sendLocation(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        location = {"latitude": float(values["latitude"]), "longitude": float(values["longitude"])}
        return self.message_dict(
            self._bot_message(chat, values, "location", {"location": location})
        )

    async def _api_sendContact(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        contact = {
            k: values[k]
            for k in ("phone_number", "first_name", "last_name", "vcard")
            if k in values
        }
        return self.message_dict(self._bot_message(chat, values, "contact", {"contact": contact}))

    async def _api_sendDice(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        emoji = values.get("emoji", "🎲")
        dice = {"emoji": emoji, "value": 1 + self._file_counter % 6}
        return self.message_dict(self._bot_message(chat, values, "dice", {"dice": dice}))

    async def _api_sendMediaGroup(
        self, values: JSON, chat: ChatState | None, parts: Parts
    ) -> list[JSON]:
        assert chat is not None
        out = []
        group_id = f"{chat.id}{chat.next_message_id}"
        for item in values["media"]:
            kind = item["type"]
            record = self._input_file(item["media"], kind, parts)
            item_values = {**item, "reply_parameters": values.get("reply_parameters")}
            payload: JSON = (
                {"photo": self._photo_sizes(record)}
                if kind == "photo"
                else {kind: self._file_object(record, kind, item)}
            )
            payload["media_group_id"] = group_id
            msg = self._bot_message(chat, item_values, kind, payload, record.file_id)
            out.append(self.message_dict(msg))
        return out

    async def _api_sendChatAction(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        assert chat is not None
        chat.actions.append(values["action"])
        return True

    def _source_message(self, values: JSON, verb: str) -> StoredMessage:
        source = self._resolve_chat(values["from_chat_id"]).find(values["message_id"])
        if source is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found", violation=True)
        return source

    def _clone(
        self, source: StoredMessage, chat: ChatState, values: JSON, forward: bool
    ) -> StoredMessage:
        caption = values.get("caption", source.caption) if not forward else source.caption
        entities = source.entities
        if not forward and "caption" in values:
            caption, entities = self._formatted(
                values["caption"], values.get("parse_mode"), values.get("caption_entities")
            )
        inline, keyboard = self._apply_markup(chat, values)
        payload = dict(source.payload)
        if forward:
            src_chat = self.chats[source.chat_id]
            if src_chat.type == "channel":
                origin: JSON = {
                    "type": "channel",
                    "chat": src_chat.to_dict(),
                    "message_id": source.message_id,
                    "date": source.date,
                }
            elif source.from_bot:
                origin = {"type": "user", "sender_user": self.bot_user, "date": source.date}
            elif source.from_user_id in self.users:
                origin = {
                    "type": "user",
                    "date": source.date,
                    "sender_user": self.users[source.from_user_id].to_dict(),
                }
            else:
                origin = {"type": "chat", "sender_chat": src_chat.to_dict(), "date": source.date}
            payload["forward_origin"] = origin
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=True,
            text=source.text,
            caption=caption,
            raw_text=source.raw_text,
            entities=entities,
            reply_markup=inline if not forward else None,
            reply_keyboard=keyboard,
            kind=source.kind,
            file_id=source.file_id,
            date=int(self.now()),
            reply_to_message_id=self._reply_target(chat, values),
            payload=payload,
        )
        return self._store(chat, msg)

    async def _api_copyMessage(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        msg = self._clone(self._source_message(values, "copy"), chat, values, forward=False)
        return {"message_id": msg.message_id}

    async def _api_forwardMessage(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        msg = self._clone(self._source_message(values, "forward"), chat, values, forward=True)
        return self.message_dict(msg)

    def _editable(self, values: JSON) -> StoredMessage | None:
        """The stored message an edit targets (None for inline messages)."""
        if "inline_message_id" in values:
            return None
        if "chat_id" not in values or "message_id" not in values:
            raise ApiError(400, "Bad Request: message identifier is not specified", violation=True)
        msg = self._resolve_chat(values["chat_id"]).find(values["message_id"])
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found", violation=True)
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited", violation=True)
        return msg

    def _commit_edit(
        self,
        msg: StoredMessage,
        *,
        content: str | None,
        raw: str | None,
        entities: list[JSON],
        markup: JSON | None,
        parse_mode: str | None,
    ) -> JSON:
        if content == msg.content and entities == msg.entities and markup == msg.reply_markup:
            raise ApiError(400, f"Bad Request: {_NOT_MODIFIED}", violation=True)
        msg.edits.append(msg.content)
        if msg.kind == "text":
            msg.text = content
        else:
            msg.caption = content
        msg.raw_text, msg.entities, msg.reply_markup = raw, entities, markup
        msg.parse_mode = parse_mode
        msg.edit_date = int(self.now())
        self._activity.append((msg.chat_id, msg))
        return self.message_dict(msg)

    async def _api_editMessageText(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        if msg.kind != "text":
            raise ApiError(
                400, "Bad Request: there is no text in the message to edit", violation=True
            )
        plain, entities = self._formatted(
            values["text"], values.get("parse_mode"), values.get("entities")
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        return self._commit_edit(
            msg,
            content=plain,
            raw=values["text"],
            entities=entities,
            markup=values.get("reply_markup"),
            parse_mode=values.get("parse_mode"),
        )

    async def _api_editMessageCaption(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        if msg.kind == "text":
            raise ApiError(
                400, "Bad Request: there is no caption in the message to edit", violation=True
            )
        raw = values.get("caption")
        plain: str | None = None
        entities: list[JSON] = []
        if isinstance(raw, str):
            plain, entities = self._formatted(
                raw, values.get("parse_mode"), values.get("caption_entities")
            )
        return self._commit_edit(
            msg,
            content=plain or None,
            raw=raw,
            entities=entities,
            markup=values.get("reply_markup"),
            parse_mode=values.get("parse_mode"),
        )

    async def _api_editMessageReplyMarkup(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        markup = values.get("reply_markup")
        if markup == msg.reply_markup:
            raise ApiError(400, f"Bad Request: {_NOT_MODIFIED}", violation=True)
        msg.reply_markup = markup
        msg.edit_date = int(self.now())
        self._activity.append((msg.chat_id, msg))
        return self.message_dict(msg)

    async def _api_deleteMessage(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        assert chat is not None
        msg = chat.find(values["message_id"])
        if msg is None:
            raise ApiError(400, "Bad Request: message to delete not found", violation=True)
        self._check_deletable(chat, msg)
        msg.deleted = True
        return True

    def _check_deletable(self, chat: ChatState, msg: StoredMessage) -> None:
        # Bot API: only messages younger than 48 hours; others' messages in groups need admin.
        too_old = self.now() - msg.date >= 48 * 3600
        foreign = not msg.from_bot and chat.type != "private"
        if too_old or (foreign and chat.bot_status not in ("administrator", "creator")):
            raise ApiError(
                400, "Bad Request: message can't be deleted for everyone", violation=True
            )

    async def _api_deleteMessages(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        assert chat is not None
        for message_id in values["message_ids"]:
            msg = chat.find(message_id)
            if msg is not None:
                self._check_deletable(chat, msg)
                msg.deleted = True
        return True

    async def _api_answerCallbackQuery(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        query = self.callbacks.get(values["callback_query_id"])
        if query is None or query.answer is not None:
            raise ApiError(400, f"Bad Request: {_QUERY_INVALID}", violation=True)
        query.answer = dict(values)
        return True

    async def _api_setMyCommands(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        self.commands_by_scope[key] = list(values["commands"])
        return True

    async def _api_getMyCommands(self, values: JSON, chat: ChatState | None, _: Any) -> list[JSON]:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        return list(self.commands_by_scope.get(key, []))

    async def _api_deleteMyCommands(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        self.commands_by_scope.pop(key, None)
        return True

    async def _api_setChatMenuButton(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        self.menu_buttons[chat.id if chat else None] = values.get(
            "menu_button", {"type": "default"}
        )
        return True

    async def _api_getChatMenuButton(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        key = chat.id if chat else None
        return self.menu_buttons.get(key, self.menu_buttons.get(None, {"type": "commands"}))

    def _set_text(self, kind: str, values: JSON) -> bool:
        self.bot_texts[(kind, values.get("language_code", ""))] = values.get(kind, "")
        return True

    def _get_text(self, kind: str, values: JSON, default: str = "") -> JSON:
        lang = values.get("language_code", "")
        text = self.bot_texts.get((kind, lang), self.bot_texts.get((kind, ""), default))
        return {kind: text}

    async def _api_setMyName(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        return self._set_text("name", values)

    async def _api_getMyName(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        return self._get_text("name", values, self.bot_first_name)

    async def _api_setMyDescription(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        return self._set_text("description", values)

    async def _api_getMyDescription(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        return self._get_text("description", values)

    async def _api_setMyShortDescription(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> bool:
        return self._set_text("short_description", values)

    async def _api_getMyShortDescription(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> JSON:
        return self._get_text("short_description", values)

    async def _api_getChat(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        info = chat.to_dict()
        gifts = {
            name: True for name, fs in self.spec.types["AcceptedGiftTypes"].items() if fs.required
        }
        info.update({"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts})
        return info

    def _member(self, chat: ChatState, user_id: int) -> JSON:
        if user_id == self.bot_id:
            status, user = chat.bot_status, self.bot_user
        elif user_id in self.users:
            user = self.users[user_id].to_dict()
            if chat.type == "private":
                status = "member" if chat.id == user_id else "left"
            else:
                status = chat.members.get(user_id, "left")
        else:
            raise ApiError(400, "Bad Request: user not found")
        return _member_object(self.spec, status, user)

    async def _api_getChatMember(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        assert chat is not None
        return self._member(chat, values["user_id"])

    async def _api_getChatAdministrators(
        self, values: JSON, chat: ChatState | None, _: Any
    ) -> list[JSON]:
        assert chat is not None
        ids = [uid for uid, st in chat.members.items() if st in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, uid) for uid in ids]

    async def _api_getChatMemberCount(self, values: JSON, chat: ChatState | None, _: Any) -> int:
        assert chat is not None
        if chat.type == "private":
            return 2
        active = [s for s in chat.members.values() if s not in ("left", "kicked")]
        return len(active) + (chat.bot_status not in ("left", "kicked"))

    async def _api_leaveChat(self, values: JSON, chat: ChatState | None, _: Any) -> bool:
        assert chat is not None
        chat.bot_status = "left"
        return True

    async def _api_getFile(self, values: JSON, chat: ChatState | None, _: Any) -> JSON:
        record = self.files.get(values["file_id"])
        if record is None:
            raise ApiError(400, "Bad Request: invalid file_id", violation=True)
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.content),
            "file_path": record.file_path,
        }

    # ================================================================== user-side actions

    def _user_message(
        self,
        chat: ChatState,
        user: FakeUser,
        kind: str,
        *,
        text: str | None = None,
        caption: str | None = None,
        payload: JSON | None = None,
        reply_to: int | None = None,
        file_id: str | None = None,
    ) -> StoredMessage:
        entities = _command_entities(text) if text is not None else []
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=False,
            text=text,
            caption=caption,
            raw_text=text if text is not None else caption,
            entities=entities,
            kind=kind,
            file_id=file_id,
            date=int(self.now()),
            from_user_id=user.id,
            reply_to_message_id=reply_to,
            payload=payload or {},
        )
        if chat.type != "private" and user.id not in chat.members:
            chat.members[user.id] = "member"
        return self._store(chat, msg)

    async def _post_user(
        self, chat: ChatState, user: FakeUser, kind: str, **kw: Any
    ) -> list[StoredMessage]:
        msg = self._user_message(chat, user, kind, **kw)
        if chat.type != "private" and not self._bot_sees(chat, msg):
            return []
        update_kind = "channel_post" if chat.type == "channel" else "message"
        return await self.deliver(update_kind, self.message_dict(msg), chat.id)

    def _bot_sees(self, chat: ChatState, msg: StoredMessage) -> bool:
        """Whether Telegram would deliver a group message to the bot (privacy mode)."""
        if chat.bot_status in ("left", "kicked"):
            return False
        if not self.privacy_mode or chat.bot_status in ("administrator", "creator"):
            return True
        text = msg.text or msg.caption or ""
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            return "@" not in command or command.endswith(f"@{self.bot_username}")
        replied = chat.find(msg.reply_to_message_id) if msg.reply_to_message_id else None
        return (replied is not None and replied.from_bot) or f"@{self.bot_username}" in text

    async def _tap(
        self, chat: ChatState, user: FakeUser, button_text: str, message_id: int | None = None
    ) -> list[StoredMessage]:
        candidates = [
            m
            for m in reversed(chat.messages)
            if m.from_bot and not m.deleted and (message_id is None or m.message_id == message_id)
        ]
        for msg in candidates:
            button = msg.find_button(button_text)
            if button is None:
                continue
            if "callback_data" not in button:
                raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
            return await self._callback(chat, user, msg, button["callback_data"])
        keyboard = chat.reply_keyboard
        if message_id is None and keyboard is not None:
            for row in keyboard.get("keyboard", []):
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if label == button_text:
                        return await self._post_user(chat, user, "text", text=button_text)
        available = {m.message_id: m.buttons for m in candidates if m.buttons}
        raise AssertionError(
            f"no button {button_text!r} in chat {chat.id}; inline buttons by message: "
            f"{available}; reply keyboard: {_keyboard_texts(keyboard)}"
        )

    async def _callback(
        self, chat: ChatState, user: FakeUser, msg: StoredMessage, data: str
    ) -> list[StoredMessage]:
        self._callback_counter += 1
        query_id = f"{self.bot_id}{self._callback_counter:09d}"
        self.callbacks[query_id] = _Callback(query_id, user.id, chat.id, msg.message_id, data)
        payload = {
            "id": query_id,
            "from": user.to_dict(),
            "message": self.message_dict(msg),
            "chat_instance": str((chat.id * 2654435761 + self.bot_id) % 10**18),
            "data": data,
        }
        return await self.deliver("callback_query", payload, chat.id)

    async def _chat_member_update(
        self, chat: ChatState, actor: FakeUser, member: JSON, old: str, new: str
    ) -> list[StoredMessage]:
        payload = {
            "chat": chat.to_dict(),
            "from": actor.to_dict(),
            "date": int(self.now()),
            "old_chat_member": _member_object(self.spec, old, member),
            "new_chat_member": _member_object(self.spec, new, member),
        }
        return await self.deliver("my_chat_member", payload, chat.id)


class _ChatView:
    """Read-only helpers shared by users, groups and channels."""

    fake: FakeTelegram
    _chat: ChatState

    @property
    def chat(self) -> ChatState:
        """Server-side state of the chat."""
        return self._chat

    @property
    def messages(self) -> list[StoredMessage]:
        """All bot messages in this chat, in order, including deleted ones (flagged)."""
        return [m for m in self.chat.messages if m.from_bot]

    @property
    def visible(self) -> list[StoredMessage]:
        """Bot messages not deleted."""
        return [m for m in self.messages if not m.deleted]

    @property
    def last(self) -> StoredMessage | None:
        """Newest bot message still visible."""
        visible = self.visible
        return visible[-1] if visible else None

    @property
    def texts(self) -> list[str | None]:
        """Plain text (caption for media) of the visible bot messages."""
        return [m.content for m in self.visible]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Current reply keyboard as rows of button texts (None if none)."""
        return _keyboard_texts(self.chat.reply_keyboard)

    def inline_buttons(self, message: StoredMessage | int | None = None) -> list[list[str]]:
        """Inline button texts of ``message`` (or of the newest visible one with buttons)."""
        if isinstance(message, int):
            found = self.chat.find(message)
            return found.buttons if found else []
        if message is not None:
            return message.buttons
        for msg in reversed(self.visible):
            if msg.buttons:
                return msg.buttons
        return []

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions (typing, ...) the bot sent here."""
        return list(self.chat.actions)


class FakeUser(_ChatView):
    """A Telegram user talking to the bot in a private chat."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self.blocked = False

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> JSON:
        """The User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def callback_answers(self) -> list[JSON]:
        """answerCallbackQuery parameters for this user's queries, in order."""
        return [
            c.answer
            for c in self.fake.callbacks.values()
            if c.user_id == self.id and c.answer is not None
        ]

    # ------------------------------------------------------------------ actions

    async def send(self, text: str) -> list[StoredMessage]:
        """Send a text message (a leading /command gets a bot_command entity)."""
        return await self.fake._post_user(self.chat, self, "text", text=text)

    async def reply_to(self, message_id: int, text: str) -> list[StoredMessage]:
        """Reply to message ``message_id`` of this chat."""
        if self.chat.find(message_id) is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._post_user(self.chat, self, "text", text=text, reply_to=message_id)

    async def edit(self, message_id: int, new_text: str) -> list[StoredMessage]:
        """Edit one of this user's text messages (edited_message update)."""
        msg = self.chat.find(message_id)
        if msg is None or msg.from_bot or msg.kind != "text":
            raise AssertionError(f"user message {message_id} not found")
        msg.edits.append(msg.text)
        msg.text = msg.raw_text = new_text
        msg.entities = _command_entities(new_text)
        msg.edit_date = int(self.fake.now())
        return await self.fake.deliver("edited_message", self.fake.message_dict(msg), self.id)

    async def send_sticker(self, emoji: str = "👍") -> list[StoredMessage]:
        """Send a sticker."""
        record = self.fake._new_file("sticker", b"RIFF-fake-webp")
        sticker = self.fake._file_object(record, "sticker", {})
        sticker["emoji"] = emoji
        return await self.fake._post_user(
            self.chat, self, "sticker", payload={"sticker": sticker}, file_id=record.file_id
        )

    async def send_photo(
        self, caption: str | None = None, *, content: bytes = b"\xff\xd8fake-jpeg"
    ) -> list[StoredMessage]:
        """Send a photo (three sizes, like Telegram)."""
        record = self.fake._new_file("photo", content)
        sizes = self.fake._photo_sizes(record)
        return await self.fake._post_user(
            self.chat,
            self,
            "photo",
            caption=caption,
            payload={"photo": sizes},
            file_id=sizes[-1]["file_id"],
        )

    async def send_voice(
        self, duration: int = 3, *, content: bytes = b"OggS-fake-voice"
    ) -> list[StoredMessage]:
        """Send a voice note."""
        record = self.fake._new_file("voice", content, mime_type="audio/ogg")
        voice = self.fake._file_object(record, "voice", {"duration": duration})
        return await self.fake._post_user(
            self.chat, self, "voice", payload={"voice": voice}, file_id=record.file_id
        )

    async def send_document(
        self,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        *,
        content: bytes = b"%PDF-1.4 fake",
        caption: str | None = None,
    ) -> list[StoredMessage]:
        """Send a document."""
        record = self.fake._new_file("document", content, file_name=file_name, mime_type=mime_type)
        document = self.fake._file_object(record, "document", {})
        return await self.fake._post_user(
            self.chat,
            self,
            "document",
            caption=caption,
            payload={"document": document},
            file_id=record.file_id,
        )

    async def send_location(self, latitude: float, longitude: float) -> list[StoredMessage]:
        """Share a location."""
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return await self.fake._post_user(
            self.chat, self, "location", payload={"location": location}
        )

    async def tap(self, button_text: str) -> list[StoredMessage]:
        """Tap the button labelled ``button_text`` on the newest message that has it.

        Inline buttons send a callback_query; otherwise a matching reply-keyboard button
        sends its text. Raises AssertionError listing the available buttons.
        """
        return await self.fake._tap(self.chat, self, button_text)

    async def tap_in(self, message_id: int, button_text: str) -> list[StoredMessage]:
        """Tap an inline button of a specific (possibly older) message."""
        return await self.fake._tap(self.chat, self, button_text, message_id)

    async def press_callback(
        self, data: str, message_id: int | None = None
    ) -> list[StoredMessage]:
        """Send a callback_query with arbitrary (possibly forged) data."""
        if message_id is None:
            last = self.last
            if last is None:
                raise AssertionError("no bot message to attach the callback query to")
            message_id = last.message_id
        msg = self.chat.find(message_id)
        if msg is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._callback(self.chat, self, msg, data)

    def block(self) -> None:
        """Block the bot: sends to this chat now get 403 (no update is sent)."""
        self.blocked = True

    def unblock(self) -> None:
        """Unblock the bot (no update is sent)."""
        self.blocked = False

    async def block_and_notify(self) -> list[StoredMessage]:
        """Block the bot and deliver the my_chat_member update Telegram sends (kicked)."""
        self.block()
        return await self.fake._chat_member_update(
            self.chat, self, self.fake.bot_user, "member", "kicked"
        )

    async def unblock_and_notify(self) -> list[StoredMessage]:
        """Unblock the bot and deliver the my_chat_member update (member)."""
        self.unblock()
        return await self.fake._chat_member_update(
            self.chat, self, self.fake.bot_user, "kicked", "member"
        )


class FakeGroup(_ChatView):
    """A group or supergroup containing the bot."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self.fake = fake
        self._chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    def add_member(self, user: FakeUser, status: str = "member") -> None:
        """Make ``user`` a member ("member", "administrator", "creator", ...)."""
        self.chat.members[user.id] = status

    def set_bot_admin(self, admin: bool = True) -> None:
        """Change the bot's status without an update."""
        self.chat.bot_status = "administrator" if admin else "member"

    async def send(self, user: FakeUser, text: str) -> list[StoredMessage]:
        """``user`` posts ``text``; with privacy mode only commands, replies to the bot and
        mentions reach a non-admin bot (others return [] without an update)."""
        return await self.fake._post_user(self.chat, user, "text", text=text)

    async def reply_to(self, user: FakeUser, message_id: int, text: str) -> list[StoredMessage]:
        """``user`` replies to message ``message_id`` of the group."""
        if self.chat.find(message_id) is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._post_user(self.chat, user, "text", text=text, reply_to=message_id)

    async def tap(self, user: FakeUser, button_text: str) -> list[StoredMessage]:
        """``user`` taps a button (see FakeUser.tap)."""
        return await self.fake._tap(self.chat, user, button_text)

    async def add_bot(self, by: FakeUser | None = None) -> list[StoredMessage]:
        """Add the bot (my_chat_member update left -> member)."""
        actor = by or self._admin()
        old = self.chat.bot_status
        self.chat.bot_status = "member"
        return await self.fake._chat_member_update(
            self.chat, actor, self.fake.bot_user, old if old != "member" else "left", "member"
        )

    async def remove_bot(self, by: FakeUser | None = None) -> list[StoredMessage]:
        """Remove the bot (my_chat_member update -> left); later sends get 403."""
        actor = by or self._admin()
        old = self.chat.bot_status
        self.chat.bot_status = "left"
        return await self.fake._chat_member_update(
            self.chat, actor, self.fake.bot_user, old, "left"
        )

    def _admin(self) -> FakeUser:
        for uid, status in self.chat.members.items():
            if status in ("creator", "administrator"):
                return self.fake.users[uid]
        admin = self.fake.user(999_000_000 + len(self.fake.users), "Admin")
        self.chat.members[admin.id] = "creator"
        return admin


class FakeChannel(_ChatView):
    """A channel where the bot is an administrator."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self.fake = fake
        self._chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    async def post(self, text: str) -> list[StoredMessage]:
        """Publish a channel post (channel_post update)."""
        msg = StoredMessage(
            message_id=self.fake._next_id(self.chat),
            chat_id=self.chat.id,
            from_bot=False,
            text=text,
            raw_text=text,
            date=int(self.fake.now()),
        )
        self.fake._store(self.chat, msg)
        return await self.fake.deliver("channel_post", self.fake.message_dict(msg), self.id)


# ====================================================================== helpers


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    scope = dict(scope or {"type": "default"})
    return json.dumps(scope, sort_keys=True)


def _command_entities(text: str) -> list[JSON]:
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def _keyboard_texts(markup: Mapping[str, Any] | None) -> list[list[str]] | None:
    if not markup:
        return None
    return [
        [b if isinstance(b, str) else b.get("text", "") for b in row]
        for row in markup.get("keyboard", [])
    ]


def _member_object(spec: ApiSpec, status: str, user: JSON) -> JSON:
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        for name, fs in spec.types["ChatMemberAdministrator"].items():
            if fs.required and fs.types == ("Boolean",):
                member[name] = name not in ("is_anonymous", "can_be_edited")
    elif status == "restricted":
        for name, fs in spec.types["ChatMemberRestricted"].items():
            if fs.required and name not in member:
                member[name] = 0 if fs.types == ("Integer",) else True
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _default_description(status: int) -> str:
    known = {
        400: "Bad Request: injected error",
        403: "Forbidden: bot was blocked by the user",
        409: _CONFLICT_POLL,
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


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
