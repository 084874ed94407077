"""The database goes away for a while, and the bot carries on.

During the outage people get a short apology in their language, the sender waits, the
periodic jobs keep running, and the log says it once. When the database is back, the
same people are answered as usual and every message waiting in the outbox goes out once.

The first story takes the database away inside the process (SQLite and PostgreSQL); the
second one cuts a real PostgreSQL off through a TCP proxy, as a restart of the server
does (it needs TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.migrate import upgrade
from bot.sandbox.fake_telegram import FakeTelegram, ptb_request
from bot.services import outbox
from bot.services.outbox import Outgoing
from scheduler import jobs
from scheduler.outbox import Backoff
from tests.conftest import TEST_DATABASE_URL, instant_rate_limiter
from tests.outage import TcpProxy, database_away
from tests.utils import JSON, last_text, onboard, sender

# Jobs run by hand report their errors through Application.create_task, which warns when
# the application is not running: here it is not, on purpose (the test drives it).
pytestmark = pytest.mark.filterwarnings("ignore:Tasks created via `Application.create_task`")

APOLOGY_FR = "⏳ Petit souci technique.\nRéessayez dans une minute, s'il vous plaît."
APOLOGY_EN = "⏳ A small technical problem.\nPlease try again in a minute."
TOAST_FR = "⏳ Petit souci technique. Réessayez dans une minute."
QUEUED = ("🔔 Message 1", "🔔 Message 2", "🔔 Message 3")
FAST = Backoff(first=0.01, most=0.05)

Outage = Callable[[], AbstractAsyncContextManager[None]]


async def enqueue(database: Database, clock: FrozenClock, chat_id: int) -> None:
    """Three messages for this person, due now."""
    async with database.transaction() as session:
        await outbox.enqueue_many(
            session,
            [
                Outgoing(chat_id=chat_id, kind="test", dedupe_key=f"q{i}", text=body)
                for i, body in enumerate(QUEUED)
            ],
            now=clock.now(),
        )


async def run_every_job(app: MiroirApp) -> int:
    """Each periodic job once, the way the JobQueue runs it (errors go to the handler)."""
    assert app.job_queue is not None
    ran = 0
    for job in app.job_queue.jobs():
        await job.run(app)
        ran += 1
    return ran


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings and errors, apart from the database's own two lines."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "miroir.db"
    ]


def database_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "miroir.db"]


async def outage_story(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    outage: Outage,
) -> None:
    """What every outage must look like, whatever took the database away."""
    caplog.set_level(logging.WARNING)
    jobs.schedule(app)
    # Ana picked English in the bot, though her phone speaks German.
    ana = fake.user(401, "Ana", language_code="de")
    await ana.send("/start")
    await ana.tap("🇬🇧 English")
    await ana.tap("✅ I agree")
    await ana.send("/start")
    welcome = last_text(ana)
    nadia = await onboard(fake, 402, "Nadia")
    await nadia.send("/langue")
    languages = nadia.messages[-1]
    await enqueue(database, clock, 401)
    s = sender(app)
    s.backoff = FAST
    stop = asyncio.Event()

    async with outage():
        running = asyncio.create_task(s.run(stop))
        await ana.send("/start")
        assert last_text(ana) == APOLOGY_EN  # the bot remembers her language
        await nadia.tap_in(languages.message_id, "🇬🇧 English")
        assert nadia.callback_answers[-1].get("text") == TOAST_FR
        assert last_text(nadia) == APOLOGY_FR
        # Strangers: the language Telegram gives, else the bot's default one.
        john = fake.user(403, "John", language_code="en")
        await john.send("/start")
        assert last_text(john) == APOLOGY_EN
        karl = fake.user(404, "Karl", language_code="de")
        await karl.send("/start")
        assert last_text(karl) == APOLOGY_FR
        for _ in range(3):  # three seconds of jobs
            assert await run_every_job(app) > 0
        await asyncio.sleep(0.2)  # the sender knocks a few times meanwhile
        assert not running.done(), "the sender stopped"
        assert s.last_beat is not None
        assert [t for t in ana.texts if t in QUEUED] == []

    await ana.send("/start")
    assert last_text(ana) == welcome
    await fake.wait_for(lambda: [t for t in ana.texts if t in QUEUED] == list(QUEUED), 10)
    assert await run_every_job(app) > 0
    stop.set()
    await asyncio.wait_for(running, 10)
    assert [t for t in ana.texts if t in QUEUED] == list(QUEUED)  # each once, in order
    down, up = database_lines(caplog)
    assert down.startswith("database unreachable (")
    assert up.startswith("database reachable again after ")
    assert problems(caplog) == []


async def test_the_bot_apologises_and_waits_while_the_database_is_away(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    await outage_story(
        app, fake, database, clock, caplog, lambda: database_away(database, tmp_path)
    )


# --- a real PostgreSQL, cut off and back --------------------------------------------------


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs a PostgreSQL server (TEST_DATABASE_URL)")
    url = make_url(TEST_DATABASE_URL)
    relay = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    await relay.close()


@pytest.fixture
async def cut_off_database(proxy: TcpProxy) -> AsyncIterator[Database]:
    """A migrated schema of the test server, reached only through the proxy."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(TEST_DATABASE_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    through_proxy = make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=proxy.port)
    db = Database(
        through_proxy.render_as_string(hide_password=False),
        connect_args={"server_settings": {"search_path": schema}, "timeout": 5},
        pool_size=5,
    )
    try:
        await upgrade(db.engine)
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def app_on_proxy(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, cut_off_database: Database
) -> AsyncIterator[MiroirApp]:
    application = build_application(
        settings,
        request=ptb_request(fake),
        updates_request=ptb_request(fake),
        clock=clock,
        database=cut_off_database,
        rate_limiter=instant_rate_limiter(),
        background=False,
    )
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)

    async def sink(update: JSON) -> None:
        await application.process_update(Update.de_json(update, application.bot))

    fake.set_update_sink(sink)
    yield application
    await application.shutdown()


async def test_a_postgresql_restart_costs_an_apology_and_loses_nothing(
    app_on_proxy: MiroirApp,
    fake: FakeTelegram,
    cut_off_database: Database,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    proxy: TcpProxy,
) -> None:
    @contextlib.asynccontextmanager
    async def restart() -> AsyncIterator[None]:
        await proxy.cut()
        try:
            yield
        finally:
            await proxy.restore()

    await outage_story(app_on_proxy, fake, cut_off_database, clock, caplog, restart)
