"""Standalone fake server: ``python -m bot.sandbox.fake_telegram --port 0`` prints its base URL.

Drive it from another process through the control API:
``POST /_fake/send {"user_id": 42, "text": "/start"}``, ``POST /_fake/tap {"user_id": 42,
"button": "OK"}``, ``GET /_fake/state``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

from .core import FakeTelegram
from .server import LoopbackServer, state_snapshot


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.fake_telegram", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--token", default="123456:TEST-token")
    parser.add_argument("--bot-id", type=int, default=123456)
    parser.add_argument("--bot-username", default="miroir_test_bot")
    parser.add_argument(
        "--enforce-limits", action="store_true", help="answer 429 beyond Telegram's flood limits"
    )
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--private-per-second", type=int, default=1)
    parser.add_argument("--group-per-minute", type=int, default=20)
    parser.add_argument("--private-burst", type=int, default=1)
    return parser


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTelegram(
        token=args.token,
        bot_id=args.bot_id,
        bot_username=args.bot_username,
        enforce_limits=args.enforce_limits,
        global_per_second=args.global_per_second,
        private_per_second=args.private_per_second,
        group_per_minute=args.group_per_minute,
        private_burst=args.private_burst,
    )
    async with LoopbackServer(fake, args.host, args.port) as srv:
        print(srv.base_url, flush=True)
        print(
            f"token={fake.token} base_file_url={srv.base_file_url} control={srv.url}/_fake/state",
            file=sys.stderr,
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            summary = state_snapshot(fake)
            summary.pop("chats")
            print(json.dumps(summary, indent=2), file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run until interrupted."""
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
