"""Taking the database away from a running bot, and giving it back.

`database_away` works on SQLite and PostgreSQL: for a while, every new transaction of the
Database finds a database file it cannot open, as when a disk or server is gone.
`TcpProxy` stands between the bot and a real PostgreSQL and can cut every connection and
refuse new ones, as a restart of the server does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.db import Database


@contextlib.asynccontextmanager
async def database_away(database: Database, nowhere: Path) -> AsyncIterator[None]:
    """Every transaction fails as if the database were gone, until the block ends.

    `nowhere` is a folder: SQLite cannot open a folder as a database file.
    """
    working = database.sessions
    broken = create_async_engine(f"sqlite+aiosqlite:///{nowhere}")
    database.sessions = async_sessionmaker(broken, expire_on_commit=False)
    try:
        yield
    finally:
        database.sessions = working
        await broken.dispose()


class TcpProxy:
    """A TCP relay to a server; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.connections = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The server goes down: open connections break, new ones are refused."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def restore(self) -> None:
        """The server is back, on the same port."""
        await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _relay(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            server_in, server_out = await asyncio.open_connection(*self.target)
        except OSError:
            client_out.transport.abort()
            return
        self._links.update({client_out, server_out})
        await asyncio.gather(
            _pipe(client_in, server_out), _pipe(server_in, client_out), return_exceptions=True
        )
        self._links.difference_update({client_out, server_out})


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    finally:
        sink.transport.abort()
