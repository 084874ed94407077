"""The sandbox's web page (placeholder until built)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.core import Sandbox


@dataclass
class Listening:
    port: int

    def close(self) -> None:
        """Stop serving."""


def listen(sandbox: Sandbox, port: int) -> Listening:
    """Serve the page on 127.0.0.1:port (0: any free port) and return where it listens."""
    return Listening(port)
