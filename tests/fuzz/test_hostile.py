"""Hostile and heavy input (issue 12): thousands of generated updates to the real bot.

Each example opens the world of `tests.fuzz.hostile` afresh (a workshop with a waiting
line, a linked group, projects and an open budget round; facilitators, participants and
strangers who never agreed) and sends it a batch of generated updates: any text, files
where text is expected, real, forged and replayed taps, double taps, edited messages,
channel posts, unknown chats, time passing. Afterwards nothing may have gone wrong: no
exception reached the error handler, no request Telegram would refuse, every tap
answered, the database consistent, and nothing only a facilitator may change changed
while only other people wrote.

The profile is fixed (derandomized, no example database written), so CI runs the same
updates every time; about 2,300 updates in 60 batches.
"""

from __future__ import annotations

from typing import NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.callback_data import MAX_BYTES, ButtonKind
from bot.db import Database, is_sqlite
from bot.models import Answer, Occurrence, Person, Role, Rsvp
from bot.services import people
from tests.consistency import escalations, facilitator_facts, problems
from tests.fuzz.hostile import (
    BUTTON_KINDS,
    NOT_FACILITATORS,
    Action,
    Forge,
    Say,
    Verdict,
    World,
    batches,
    valid_looking,
)

# A failing batch is printed whole, huge texts included; a passing one needs no words.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

PROFILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    # The world is rebuilt inside each example from the test's migrated database.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


async def play(database: Database, batch: list[Action]) -> Verdict:
    world = await World.open(database)
    try:
        await world.play_all(batch)
        return await world.verdict()
    finally:
        await world.close()


def assert_clean(verdict: Verdict) -> None:
    assert verdict.errors == [], "unhandled exceptions"
    assert verdict.violations == [], "requests Telegram would refuse"
    assert verdict.unanswered == [], "taps never answered (the spinner keeps turning)"
    assert verdict.inconsistencies == [], "the database is inconsistent"
    assert verdict.escalations == [], "facilitator-only changes by someone else"


@settings(PROFILE, max_examples=40)
@given(batch=batches())
async def test_anyone_sending_anything_breaks_nothing(
    database: Database, batch: list[Action]
) -> None:
    """Facilitators, participants and strangers, in private, in the group, in channels."""
    assert_clean(await play(database, batch))


@settings(PROFILE, max_examples=20)
@given(batch=batches(NOT_FACILITATORS, min_size=30, max_size=80))
async def test_without_facilitators_nothing_of_theirs_changes(
    database: Database, batch: list[Action]
) -> None:
    """Long runs of participants and strangers only: forged facilitator buttons, their
    menu labels and commands typed, replays of whatever was tapped before."""
    assert_clean(await play(database, batch))


# --- the checks themselves catch what they are for -----------------------------------


@pytest.mark.parametrize("kind", BUTTON_KINDS, ids=[k.prefix for k in BUTTON_KINDS])
@given(data=st.data())
@settings(PROFILE, max_examples=20)
def test_valid_looking_data_of_every_button_kind_parses(
    kind: ButtonKind, data: st.DataObject
) -> None:
    """The generator's "valid-looking" taps pass each kind's own check (so they reach the
    handlers, not just the stale-button fallback)."""
    forged = data.draw(valid_looking(kind))
    if len(forged.encode()) <= MAX_BYTES:
        assert kind.parse(forged) is not None, forged


async def test_an_exception_in_a_handler_is_seen(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(people, "set_language", broken)
    verdict = await play(database, [Say("Ana", "/langue"), Forge("Ana", "lang:en")])
    assert any("database on fire" in error for error in verdict.errors)


async def test_the_consistency_checks_see_a_broken_waiting_line(database: Database) -> None:
    world = await World.open(database)
    await world.close()
    assert await problems(database) == []
    async with database.transaction() as session:
        dan = await session.scalar(select(Person.id).where(Person.telegram_id == 204))
        ana = await session.scalar(select(Person.id).where(Person.telegram_id == 201))
        line = await session.scalar(select(Rsvp.occurrence_id).where(Rsvp.person_id == dan))
        # Ana leaves without the line moving on; Maybe-answers never wait.
        await session.execute(
            update(Rsvp)
            .where(Rsvp.person_id == ana, Rsvp.occurrence_id == line)
            .values(answer=Answer.NO)
        )
        await session.execute(
            update(Rsvp).where(Rsvp.answer == Answer.MAYBE).values(waitlisted=True)
        )
    found = await problems(database)
    assert any("waits first in line, 1 free of 3" in p for p in found), found
    assert any("'maybe' answer" in p for p in found), found
    async with database.transaction() as session:
        await session.execute(update(Occurrence).values(capacity=0))
    assert any("seats taken of 0" in p for p in await problems(database))


async def test_the_escalation_check_sees_a_facilitator_change(database: Database) -> None:
    world = await World.open(database)
    await world.close()
    before = await facilitator_facts(database)
    async with database.transaction() as session:
        await session.execute(
            update(Person).where(Person.telegram_id == 201).values(role=Role.FACILITATOR)
        )
        await session.execute(update(Occurrence).values(place="Ailleurs"))
    found = escalations(before, await facilitator_facts(database))
    assert any("became a facilitator" in p for p in found), found
    assert any(p.startswith("occurrences: row") for p in found), found


async def test_the_consistency_checks_see_orphan_rows(database: Database) -> None:
    """Rows pointing to nobody, written with the database's own checks switched off: a
    table pointing to itself too (who added a person without Telegram)."""
    world = await World.open(database)
    await world.close()
    forged = (
        "UPDATE rsvps SET person_id = 999 WHERE id = 1",
        "UPDATE people SET added_by_id = 998 WHERE id = 1",
    )
    async with database.engine.connect() as conn:
        if is_sqlite(database.url):
            # Straight to the driver: SQLAlchemy would open a transaction first, and the
            # pragma does nothing inside one.
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute("PRAGMA foreign_keys=OFF")
            for statement in forged:
                await driver.execute(statement)
            await driver.execute("PRAGMA foreign_keys=ON")
        else:
            await conn.exec_driver_sql("SET session_replication_role = replica")
            for statement in forged:
                await conn.exec_driver_sql(statement)
            await conn.exec_driver_sql("SET session_replication_role = DEFAULT")
            await conn.commit()
    found = await problems(database)
    assert "rsvps.person_id: 1 rows point to no people.id" in found, found
    assert "people.added_by_id: 1 rows point to no people.id" in found, found
