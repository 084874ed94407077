"""What the fuzzing found, each told as the story that shows it (issue 12)."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SAWarning

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Person
from bot.sandbox.fake_telegram import FakeTelegram
from bot.services import calendar
from handlers.keyboards import CONSENT_CHOICE
from scheduler import reminders as reminder_jobs
from tests.utils import (
    FACILITATOR_ID,
    current,
    deliver,
    last_message,
    onboard,
    runtime,
    stored_person,
    text_of,
    workshop,
)

# Tuesday 24 November, 18:00 in Dijon: the day-before reminder of Wednesday's workshop.
EVENING = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


async def test_a_group_tap_that_changes_no_count_sends_no_edit(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Nadia taps "✅ Je viens" in the group, then again a minute later: the post already
    shows her, so the second tap sends no edit (Telegram refuses an edit into the text a
    message already shows: the fake counts it as a violation)."""
    sessions = await workshop(fake, database, clock, weekday=2, first=date(2026, 11, 25))
    nadia = await onboard(fake, 101, "Nadia")
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    group.add_member(nadia)
    series_id = sessions[0].series_id
    assert series_id is not None
    async with database.transaction() as session:  # Claire typed /lier in the group
        claire = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert claire is not None
        await calendar.link_group(
            session, series_id=series_id, chat_id=group.id, by=claire, now=clock.now()
        )
    clock.set(EVENING)
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    post = last_message(group)

    await group.tap(nadia, "✅ Je viens")
    await runtime(app).group_counts.flush()
    assert len(current(group, post).edits) == 1
    shown = text_of(current(group, post))

    clock.advance(timedelta(minutes=1))
    await group.tap(nadia, "✅ Je viens")
    await runtime(app).group_counts.flush()
    assert len(current(group, post).edits) == 1
    assert text_of(current(group, post)) == shown
    assert fake.calls("editMessageText")[-1].status == 200


async def test_two_taps_on_no_thanks_at_once_delete_sam_once_quietly(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    """Sam refuses the privacy notice with a double tap: both taps are answered, nothing
    of him is kept, and no error nor warning (on PostgreSQL the second delete found the
    row already gone, and the ORM warned)."""
    sam = fake.user(301, "Sam")
    await sam.send("/start")
    await sam.tap("🇫🇷 Français")
    notice = last_message(sam)
    data = CONSENT_CHOICE.make("no")
    answered = len(sam.callback_answers)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        await asyncio.gather(
            sam.press_callback(data, notice.message_id),
            sam.press_callback(data, notice.message_id),
        )
    assert len(sam.callback_answers) == answered + 2
    assert not any("Pardon" in (m.text or "") for m in sam.messages)
    assert await stored_person(database, 301) is None
