"""The fake Bot API over real HTTP on 127.0.0.1 (asyncio streams, HTTP/1.1 keep-alive)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from .core import FakeTelegram, SimulatedTimeout, StoredMessage
from .transport import HttpResponse, dispatch, json_response

T = TypeVar("T")
_MAX_HEADER_LINES = 100


class LoopbackServer:
    """Serve ``fake`` over HTTP: ``async with LoopbackServer(fake) as srv: srv.base_url``."""

    def __init__(self, fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / TELEGRAM_API_BASE_URL."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Bind the socket (an OS-assigned port when port=0)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop open connections (long polls included)."""
        if self._server is None:
            return
        self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away
        except asyncio.CancelledError:
            # stop() cancels us; end normally because Python 3.11's stream callback logs
            # cancelled connection tasks as errors.
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False when the connection must be closed."""
        line = await reader.readline()
        while line in (b"\r\n", b"\n"):
            line = await reader.readline()
        if not line:
            return False
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            await self._write(
                writer,
                json_response(400, {"ok": False, "error_code": 400, "description": "Bad Request"}),
                False,
            )
            return False
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADER_LINES):
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            key, _, value = raw.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        body = await self._read_body(reader, headers)
        keep_alive = (
            version.upper() == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        )
        path, _, query = target.partition("?")
        if path.startswith("/_fake/"):
            response = await self._control(method, path, body)
        else:
            task = asyncio.ensure_future(dispatch(self.fake, method, path, headers, body, query))
            try:
                # Like Telegram, forget a request (e.g. a long poll) whose client hung up, so
                # that the next getUpdates is not reported as a conflict.
                while not (await asyncio.wait({task}, timeout=0.05))[0]:
                    if reader.at_eof():
                        return False
                response = task.result()
            except SimulatedTimeout as exc:
                # Hold the response past the client's read timeout, then drop the connection.
                await asyncio.sleep(
                    exc.delay if exc.delay is not None else self.fake.timeout_delay
                )
                return False
            finally:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        await self._write(writer, response, keep_alive)
        return keep_alive

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readline()
        return b""

    @staticmethod
    async def _write(
        writer: asyncio.StreamWriter, response: HttpResponse, keep_alive: bool
    ) -> None:
        reason = "OK" if response.status == 200 else "Error"
        head = (
            f"HTTP/1.1 {response.status} {reason}\r\n"
            f"Content-Type: {response.content_type}\r\n"
            f"Content-Length: {len(response.body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + response.body)
        await writer.drain()

    # ------------------------------------------------------------------ control API

    async def _control(self, method: str, path: str, body: bytes) -> HttpResponse:
        """Tiny JSON API to drive the fake from another process (standalone mode)."""
        fake = self.fake
        data: dict[str, Any] = json.loads(body) if body.strip() else {}
        try:
            if path == "/_fake/state" and method == "GET":
                return json_response(200, state_snapshot(fake))
            if path in ("/_fake/send", "/_fake/tap") and method == "POST":
                user = fake.user(int(data["user_id"]), data.get("first_name", "Alice"))
                if path == "/_fake/send":
                    produced = await user.send(str(data["text"]))
                else:
                    produced = await user.tap(str(data["button"]))
                return json_response(200, {"ok": True, "messages": [_brief(m) for m in produced]})
        except (KeyError, ValueError, AssertionError) as exc:
            return json_response(400, {"ok": False, "description": str(exc)})
        return json_response(404, {"ok": False, "description": "unknown control endpoint"})


def _brief(msg: StoredMessage) -> dict[str, Any]:
    return {
        "message_id": msg.message_id,
        "from_bot": msg.from_bot,
        "kind": msg.kind,
        "text": msg.content,
        "buttons": msg.buttons,
        "deleted": msg.deleted,
        "edits": len(msg.edits),
    }


def state_snapshot(fake: FakeTelegram) -> dict[str, Any]:
    """JSON-friendly view of the fake (violations, stats, chat histories)."""
    stats = fake.stats
    return {
        "violations": [vars(v) for v in fake.violations],
        "stats": {
            "sent_total": stats.sent_total,
            "rejected_429": stats.rejected_429,
            "injected_failures": stats.injected_failures,
            "sends_during_retry_after": stats.sends_during_retry_after,
            "max_per_second": stats.max_in_window(1.0),
            "per_chat_sent": {str(k): v for k, v in stats.per_chat_sent.items()},
        },
        "pending_updates": len(fake.pending_updates),
        "chats": {
            str(cid): [_brief(m) for m in chat.messages] for cid, chat in fake.chats.items()
        },
    }


class ThreadedLoopbackServer:
    """A LoopbackServer on its own event loop in a background thread.

    For tests that run the bot as a subprocess: ``with ThreadedLoopbackServer(fake) as srv``,
    then drive users with ``srv.call(user.send("/start"))`` and ``srv.wait_for(...)``.
    """

    def __init__(self, fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.server = LoopbackServer(fake, host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def base_file_url(self) -> str:
        return self.server.base_file_url

    def start(self) -> ThreadedLoopbackServer:
        """Start the thread and wait until the port is bound."""
        ready: Future[None] = Future()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self.server.start())
            except BaseException as exc:  # report bind errors to the starting thread
                ready.set_exception(exc)
                loop.close()
                return
            ready.set_result(None)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.server.stop())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop the server and join the thread."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._thread = None

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coro`` (e.g. ``user.send("hi")``) on the server loop and return its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("server not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate()`` holds, evaluated on the server loop."""
        self.call(self.fake.wait_for(predicate, timeout), timeout + 5.0)

    def __enter__(self) -> ThreadedLoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_in_thread(
    fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Start a threaded server; returns (base_url, stop)."""
    server = ThreadedLoopbackServer(fake, host, port).start()
    return server.base_url, server.stop
