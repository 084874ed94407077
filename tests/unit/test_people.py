"""People, consent and facilitator invitations (domain logic, no Telegram)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.db import Database
from bot.models import Person, Role
from bot.services import people
from bot.services.people import InvitationOutcome, InvitationResult
from tests.conftest import TEST_DATABASE_URL


async def _person(
    db: Database,
    clock: FrozenClock,
    telegram_id: int,
    *,
    language: str = "fr",
    facilitator_ids: Collection[int] = (),
) -> Person:
    """Ana (or whoever has this id) writes to the bot: the bot meets or greets again."""
    async with db.transaction() as session:
        return await people.touch_person(
            session,
            telegram_id=telegram_id,
            first_name="Ana",
            language=language,
            now=clock.now(),
            facilitator_ids=facilitator_ids,
        )


async def test_first_contact_creates_a_participant_without_consent(
    database: Database, clock: FrozenClock
) -> None:
    person = await _person(database, clock, 1)
    assert person.role == Role.PARTICIPANT
    assert person.consent_at is None
    assert person.reachable is True
    assert person.created_at == clock.now()


async def test_facilitator_ids_make_facilitators_even_for_known_people(
    database: Database, clock: FrozenClock
) -> None:
    await _person(database, clock, 2)
    again = await _person(database, clock, 2, facilitator_ids={2})
    assert again.is_facilitator


async def test_language_of_a_known_person_is_not_overwritten_by_telegram(
    database: Database, clock: FrozenClock
) -> None:
    await _person(database, clock, 3, language="en")
    again = await _person(database, clock, 3, language="fr")
    assert again.language == "en"


async def test_last_seen_is_refreshed_coarsely(database: Database, clock: FrozenClock) -> None:
    first = await _person(database, clock, 4)
    clock.advance(minutes=1)
    assert (await _person(database, clock, 4)).last_seen_at == first.last_seen_at
    clock.advance(minutes=10)
    assert (await _person(database, clock, 4)).last_seen_at == clock.now()


async def test_consent_is_recorded_once(database: Database, clock: FrozenClock) -> None:
    await _person(database, clock, 5)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 5)
        assert person is not None
        assert await people.give_consent(session, person, now=clock.now()) is True
        assert await people.give_consent(session, person, now=clock.now()) is False
        assert person.consent_at == clock.now()


async def test_unknown_language_is_refused(database: Database, clock: FrozenClock) -> None:
    await _person(database, clock, 6)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 6)
        assert person is not None
        assert await people.set_language(session, person, "de") is False
        assert person.language == "fr"


async def test_blocked_person_becomes_unreachable_and_comes_back(
    database: Database, clock: FrozenClock
) -> None:
    await _person(database, clock, 7)
    async with database.transaction() as session:
        assert await people.mark_reachable(session, telegram_id=7, reachable=False)
        assert not await people.mark_reachable(session, telegram_id=7, reachable=False)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 7)
        assert person is not None and person.reachable is False
    assert (await _person(database, clock, 7)).reachable is True


async def _invite(database: Database, clock: FrozenClock) -> str:
    boss = await _person(database, clock, 100, facilitator_ids={100})
    async with database.transaction() as session:
        creator = await session.get(Person, boss.id)
        assert creator is not None
        return await people.create_invitation(session, creator=creator, now=clock.now())


async def _redeem(
    database: Database, clock: FrozenClock, telegram_id: int, payload: str
) -> InvitationResult:
    await _person(database, clock, telegram_id)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, telegram_id)
        assert person is not None
        return await people.redeem_invitation(
            session, person=person, payload=payload, now=clock.now()
        )


async def test_invitation_promotes_once(database: Database, clock: FrozenClock) -> None:
    payload = await _invite(database, clock)
    assert payload.startswith("inv_")
    assert (await _redeem(database, clock, 8, payload)).outcome is InvitationOutcome.PROMOTED
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 8)
        assert person is not None and person.is_facilitator
    assert (await _redeem(database, clock, 9, payload)).outcome is InvitationOutcome.USED
    assert (await _redeem(database, clock, 8, payload)).outcome is (
        InvitationOutcome.ALREADY_FACILITATOR
    )


async def test_invitation_expires_after_48_hours(database: Database, clock: FrozenClock) -> None:
    payload = await _invite(database, clock)
    clock.advance(timedelta(hours=48))
    result = await _redeem(database, clock, 10, payload)
    assert result.outcome is InvitationOutcome.EXPIRED
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 10)
        assert person is not None and not person.is_facilitator


async def test_unknown_invitation_code(database: Database, clock: FrozenClock) -> None:
    result = await _redeem(database, clock, 11, "inv_doesnotexist")
    assert result.outcome is InvitationOutcome.UNKNOWN


async def test_participants_cannot_create_invitations(
    database: Database, clock: FrozenClock
) -> None:
    participant = await _person(database, clock, 12)
    async with database.transaction() as session:
        person = await session.get(Person, participant.id)
        assert person is not None
        try:
            await people.create_invitation(session, creator=person, now=clock.now())
        except PermissionError:
            pass
        else:
            raise AssertionError("a participant created an invitation")


async def test_refusing_consent_forgets_the_person(database: Database, clock: FrozenClock) -> None:
    await _person(database, clock, 13)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 13)
        assert person is not None
        await people.forget_person(session, person)
    async with database.transaction() as session:
        assert (await session.scalars(select(Person).where(Person.telegram_id == 13))).all() == []


# --- people without Telegram -----------------------------------------------------------


async def _claire(database: Database, clock: FrozenClock) -> Person:
    return await _person(database, clock, 100, facilitator_ids={100})


async def test_a_facilitator_adds_someone_who_agreed_in_person(
    database: Database, clock: FrozenClock
) -> None:
    claire = await _claire(database, clock)
    async with database.transaction() as session:
        by = await session.get(Person, claire.id)
        assert by is not None
        fatima = await people.add_offline_person(
            session, name="  Fatima   Benali ", phone="06.12.34.56.78", by=by, now=clock.now()
        )
    assert fatima.telegram_id is None and not fatima.uses_telegram
    assert fatima.display_name == "Fatima Benali"
    assert fatima.phone == "06 12 34 56 78"
    # Their consent is the moment the facilitator saw them agree, and who vouches for it.
    assert fatima.consent_at == clock.now() and fatima.added_by_id == claire.id
    assert fatima.role == Role.PARTICIPANT


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0612345678", "06 12 34 56 78"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("06-12-34-56-78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033612345678", "06 12 34 56 78"),
        ("+44 7911 123456", "+447911123456"),
        ("(03) 80 12 34 56", "03 80 12 34 56"),
        ("612345678", None),
        ("06 12 34", None),
        ("appelle-moi", None),
        ("06 12 34 56 78 90 12 34 56 78", None),
    ],
)
def test_phone_numbers_are_read_the_usual_ways(typed: str, kept: str | None) -> None:
    assert people.clean_phone(typed) == kept


async def test_a_bad_name_or_phone_is_refused_and_nobody_added(
    database: Database, clock: FrozenClock
) -> None:
    claire = await _claire(database, clock)
    nadia = await _person(database, clock, 14)
    async with database.transaction() as session:
        by = await session.get(Person, claire.id)
        participant = await session.get(Person, nadia.id)
        assert by is not None and participant is not None
        for name, phone, code in (("  ", None, "name"), ("Fatima", "demain", "phone")):
            with pytest.raises(people.PersonError) as refused:
                await people.add_offline_person(
                    session, name=name, phone=phone, by=by, now=clock.now()
                )
            assert refused.value.code == code
        with pytest.raises(PermissionError):
            await people.add_offline_person(
                session, name="Fatima", phone=None, by=participant, now=clock.now()
            )
        rows = await session.scalars(select(Person).where(Person.telegram_id.is_(None)))
        assert list(rows) == []


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="two writers at once need PostgreSQL")
async def test_a_newcomers_two_first_updates_at_once_make_one_person(
    database: Database, clock: FrozenClock
) -> None:
    """A double tap on /start: the second transaction waits, then finds the first's row."""

    async def touch(session: AsyncSession) -> Person:
        return await people.touch_person(
            session, telegram_id=777, first_name="Sam", language="fr", now=clock.now()
        )

    async with database.transaction() as first:
        mine = await touch(first)
        second = asyncio.create_task(second_update(database, touch))
        await asyncio.sleep(0.2)  # the second INSERT now waits on the first's row lock
        assert not second.done()
    theirs = await second
    assert theirs == mine.id
    async with database.transaction() as session:
        rows = await session.scalars(select(Person).where(Person.telegram_id == 777))
        assert len(rows.all()) == 1


async def second_update(
    database: Database, touch: Callable[[AsyncSession], Awaitable[Person]]
) -> int:
    async with database.transaction() as session:
        return (await touch(session)).id
