"""Group commit: requests that arrive while one batch is being written go in the next.

Fifty people tapping "Je viens" at once all touch the same session row, so their
transactions cannot run side by side. Writing them one by one makes the last one wait
for forty-nine others; writing whoever is waiting in one transaction does not. A lone
request is processed at once, alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")


class Batcher(Generic[Req, Res]):
    """Runs `process` on everything queued; one batch at a time, results in order."""

    def __init__(
        self, process: Callable[[Sequence[Req]], Awaitable[Sequence[Res]]], max_batch: int = 200
    ) -> None:
        self._process = process
        self._max_batch = max_batch
        self._queue: list[tuple[Req, asyncio.Future[Res]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0

    async def submit(self, request: Req) -> Res:
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            self.batches += 1
            try:
                results = await self._process([request for request, _ in batch])
            except Exception as exc:  # every waiter learns of the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
