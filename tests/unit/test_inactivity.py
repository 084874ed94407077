"""Long absences: who is warned (once for one absence), who is erased a month later, and
who never is (facilitators, people without Telegram, anyone who came back meanwhile)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.callback_data import STAY
from bot.db import Database
from bot.i18n import Translator
from bot.models import OutboxMessage, OutboxState, Person
from bot.services import inactivity, people
from bot.services.inactivity import WARNING_KIND, InactivitySettings
from tests import factories

TR = Translator()
TZ = ZoneInfo("Europe/Paris")
CFG = InactivitySettings(months=24, grace=timedelta(days=30), tz=TZ)
# Two years and a day after everyone's last visit (a Tuesday morning).
LONG_AGO = datetime(2024, 11, 18, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)


async def warn(database: Database, now: datetime, cfg: InactivitySettings = CFG) -> int:
    async with database.transaction() as s:
        return await inactivity.warn(s, now=now, cfg=cfg, translator=TR)


async def remove(database: Database, now: datetime) -> list[int]:
    async with database.transaction() as s:
        return await inactivity.remove_expired(s, now=now, cfg=CFG)


async def warnings(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == WARNING_KIND)
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def exists(database: Database, person_id: int) -> bool:
    async with database.transaction() as s:
        return await s.get(Person, person_id) is not None


async def comes_back(database: Database, telegram_id: int, now: datetime) -> None:
    """Any use of the bot: what every update does first."""
    async with database.transaction() as s:
        await people.touch_person(
            s, telegram_id=telegram_id, first_name="Ana", language="fr", now=now
        )


def test_the_limit_counts_calendar_months() -> None:
    assert inactivity.inactive_since(NOW, 24) == datetime(2024, 11, 19, 9, 0, tzinfo=UTC)
    march = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert inactivity.inactive_since(march, 1) == datetime(2026, 2, 28, 22, 30, tzinfo=UTC)


async def test_ana_is_warned_once_in_her_language_with_a_button(database: Database) -> None:
    ana = await factories.person(database, LONG_AGO, 201, "Ana")
    john = await factories.person(database, LONG_AGO, 202, "John", language="en")
    await factories.person(database, NOW - timedelta(days=700), 203, "Béa")  # not 2 years
    assert await warn(database, NOW) == 2
    assert await warn(database, NOW + timedelta(hours=1)) == 0
    rows = await warnings(database)
    assert [r.person_id for r in rows] == [ana.id, john.id]
    french, english = rows
    assert french.text is not None and "🗑️ Dans 30 jours, j'efface tout" in french.text
    assert english.text is not None and "🗑️ In 30 days, I will delete everything" in english.text
    assert french.buttons == [[{"text": "✅ Je reste", "callback_data": STAY.make()}]]
    assert french.expires_at == NOW + timedelta(days=30)


async def test_facilitators_and_people_without_telegram_are_never_warned(
    database: Database,
) -> None:
    claire = await factories.person(database, LONG_AGO, 1, "Claire", facilitator=True)
    async with database.transaction() as s:
        by = await s.get(Person, claire.id)
        assert by is not None
        await people.add_offline_person(s, name="Marcel", phone=None, by=by, now=LONG_AGO)
    assert await warn(database, NOW) == 0
    # Even with a warning written by hand, the timer erases neither of them.
    async with database.transaction() as s:
        for person in await s.scalars(select(Person)):
            person.inactive_warned_at = NOW
    assert await remove(database, NOW + timedelta(days=60)) == []


async def test_ana_is_erased_a_month_after_the_warning(database: Database) -> None:
    ana = await factories.person(database, LONG_AGO, 201, "Ana")
    bea = await factories.person(database, NOW, 202, "Béa")
    await warn(database, NOW)
    assert await remove(database, NOW + timedelta(days=29, hours=23)) == []
    assert await exists(database, ana.id)
    assert await remove(database, NOW + timedelta(days=30)) == [ana.id]
    assert not await exists(database, ana.id)
    assert await exists(database, bea.id)
    assert await warnings(database) == []  # the erasure takes her messages too


async def test_any_use_meanwhile_keeps_her_and_a_new_absence_brings_a_new_warning(
    database: Database,
) -> None:
    ana = await factories.person(database, LONG_AGO, 201, "Ana")
    await warn(database, NOW)
    back = NOW + timedelta(days=10)
    await comes_back(database, 201, back)
    assert await remove(database, NOW + timedelta(days=31)) == []
    assert await warn(database, NOW + timedelta(days=31)) == 0
    assert await exists(database, ana.id)
    # Two more years without coming: a new absence, a new warning.
    later = inactivity.inactive_since(back, -24) + timedelta(minutes=1)
    assert await warn(database, later) == 1
    first, second = await warnings(database)
    assert first.dedupe_key != second.dedupe_key


async def test_i_am_staying_keeps_her(database: Database) -> None:
    ana = await factories.person(database, LONG_AGO, 201, "Ana")
    await warn(database, NOW)
    async with database.transaction() as s:
        person = await s.get(Person, ana.id)
        assert person is not None
        assert await inactivity.stay(s, person=person, now=NOW + timedelta(days=2))
        assert not await inactivity.stay(s, person=person, now=NOW + timedelta(days=2))
    assert await remove(database, NOW + timedelta(days=40)) == []
    assert await exists(database, ana.id)


async def test_someone_who_blocked_the_bot_is_erased_too(database: Database) -> None:
    ana = await factories.person(database, LONG_AGO, 201, "Ana")
    async with database.transaction() as s:
        person = await s.get(Person, ana.id)
        assert person is not None
        person.reachable = False
    await warn(database, NOW)
    (row,) = await warnings(database)
    assert row.state == OutboxState.UNREACHABLE
    assert await remove(database, NOW + timedelta(days=30)) == [ana.id]


async def test_the_warning_waits_for_the_end_of_quiet_hours(database: Database) -> None:
    await factories.person(database, LONG_AGO, 201, "Ana")
    quiet = InactivitySettings(
        months=24, grace=timedelta(days=30), tz=TZ, quiet_start=time(21), quiet_end=time(8)
    )
    night = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # 23 h in Dijon
    await warn(database, night, quiet)
    (row,) = await warnings(database)
    assert row.not_before == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 8 h in Dijon
