"""HTTP lanes to the Bot API: answers to button taps never wait behind a broadcast.

Two connection pools: a small one for answerCallbackQuery (the spinner on the person's
phone), one for everything else. Pools stay small on purpose: httpx's pool does work
proportional to requests x connections on every request, so fifty requests over fifty
connections are several times slower than over eight.
"""

from __future__ import annotations

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import BadRequest
from telegram.request import BaseRequest, HTTPXRequest, RequestData

FAST_METHODS = frozenset({"answerCallbackQuery"})


class LaneRequest(BaseRequest):
    """Routes each Bot API call to the fast lane or the general one by its method."""

    def __init__(self, general: BaseRequest | None = None, fast: BaseRequest | None = None):
        self.general = general or HTTPXRequest(connection_pool_size=16)
        self.fast = fast or HTTPXRequest(connection_pool_size=8)

    @property
    def read_timeout(self) -> float | None:
        return self.general.read_timeout

    async def initialize(self) -> None:
        await self.general.initialize()
        await self.fast.initialize()

    async def shutdown(self) -> None:
        await self.general.shutdown()
        await self.fast.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        lane = self.fast if url.rsplit("/", 1)[-1] in FAST_METHODS else self.general
        return await lane.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


def not_modified(exc: BadRequest) -> bool:
    """Telegram's answer to an edit that changes nothing (a double tap): harmless."""
    return "not modified" in str(exc).lower()
