"""`python -m bot sandbox`: the real bot in a browser, no Telegram token, a movable clock."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from pathlib import Path

from bot.migrate import upgrade
from bot.sandbox import demo, web
from bot.sandbox.core import DEFAULT_PORT, Sandbox

log = logging.getLogger("miroir.sandbox")
DATA_DIR = Path("data") / "sandbox"


def prepare(data_dir: Path, *, fresh: bool) -> bool:
    """The sandbox's folder, emptied with --fresh; True when its database is new."""
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return not (data_dir / "sandbox.db").exists()


async def serve(
    *, port: int = DEFAULT_PORT, fresh: bool = False, data_dir: Path = DATA_DIR
) -> None:
    """Run the sandbox until SIGINT or SIGTERM."""
    first_time = prepare(data_dir, fresh=fresh)
    sandbox = Sandbox(data_dir)
    await upgrade(sandbox.rt.db.engine)
    await sandbox.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if first_time and not fresh:
            await demo.seed(sandbox)
        else:
            # The stand-in remembers no one across restarts: the demo's people again.
            demo.add_demo_people(sandbox)
        server = web.listen(sandbox, port)
        print(f"Miroir sandbox: open http://127.0.0.1:{server.port}/ in your browser", flush=True)
        await stop.wait()
        server.close()
    finally:
        await sandbox.stop()
