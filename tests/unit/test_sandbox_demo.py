"""The sandbox's demo: what a visitor finds on first start, and the clock's two targets.

The sandbox runs on the real clock: the demo is told relative to now, so these tests
check what must hold whatever the day (the next session in 2 days, last week's one
done, figures shown), then move the clock as the page's buttons do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.migrate import upgrade
from bot.models import CheckIn, OutboxMessage, OutboxState, Person, Rsvp, Series
from bot.sandbox import demo
from bot.sandbox.core import GROUP_ID, Sandbox
from bot.services import (
    broadcasts,
    budget,
    calendar,
    mood_stats,
    people,
    project_board,
    projects,
    rsvp,
    wellbeing,
)
from bot.services.names import TITLE_KEYS


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A sandbox with its bot ready to send, but no background jobs: the test drives time."""
    box = Sandbox(tmp_path / "sandbox")
    await upgrade(box.rt.db.engine)
    await box.app.initialize()
    yield box
    await box.stop()


async def test_the_demo_gives_every_screen_something_to_show(sandbox: Sandbox) -> None:
    now = sandbox.clock.now()
    await demo.seed(sandbox)
    tz = sandbox.settings.tz
    today = now.astimezone(tz).date()
    async with sandbox.rt.db.transaction() as session:
        # The weekly Art-thérapie, linked to the group, its sessions written ahead.
        (series,) = (await session.scalars(select(Series))).all()
        assert series.title_key == TITLE_KEYS[0]
        assert (series.group_chat_id, series.group_language) == (GROUP_ID, "fr")
        coming = await calendar.upcoming(session, now=now, limit=50)
        assert len(coming) >= 8
        following = coming[0]
        assert now < following.starts_at < now + timedelta(days=3)
        assert all(o.group_chat_id == GROUP_ID for o in coming)
        seats = await rsvp.seats(session, following)
        assert seats.yes >= 3 and seats.maybe >= 1

        # Last week's session: attendance taken, with people who came without answering.
        last = (await calendar.recent(session, now=now, limit=1))[0]
        assert now - timedelta(days=7) < last.starts_at < now - timedelta(days=4)
        assert last.attendance_taken_at is not None
        came = await rsvp.attendance(session, last.id)
        assert came.present >= 5 and came.walk_ins >= 1

        # Nadia: onboarded, weeks of check-ins for "📈 Mes semaines".
        nadia = await people.get_by_telegram_id(session, 1001)
        assert nadia is not None and nadia.has_consented and nadia.mood_consented
        days = list(
            await session.scalars(select(CheckIn.local_date).where(CheckIn.person_id == nadia.id))
        )
        assert len(days) >= 20
        assert len({d.isocalendar()[:2] for d in days}) >= 8
        assert today not in days  # "🙂 Mon humeur" asks her afresh today
        assert len(await wellbeing.my_scores(session, person_id=nadia.id)) >= 3

        # The facilitators' figures: sessions and a finished month are shown.
        overview = await mood_stats.group_overview(session, today=today, now=now)
        assert any(s.figure is not None for s in overview.sessions)
        assert overview.sessions[0].occurrence_id == last.id
        assert overview.sessions[0].figure is not None
        assert overview.months[-2].figure is not None  # last month
        assert await mood_stats.shared_notes(session, since=today - timedelta(days=30))
        averages = await wellbeing.group_averages(session, today=today, months=3)
        assert averages[-2].average is not None

        # Projects people support and join, one waiting for Claire, an open round.
        living = await project_board.living(session)
        assert len(living) >= 4
        assert all(line.counts.supporters > 0 for line in living)
        assert sum(line.counts.volunteers for line in living) >= 5
        assert await projects.waiting_count(session) == 1
        budget_round = await budget.current_round(session, now=now)
        assert budget_round is not None and budget_round.ends_at > now
        figures = await budget.figures(session, round_id=budget_round.id)
        assert figures.confirmed >= 4 and figures.waiting == 1
        (announcement,) = await broadcasts.scheduled(session)
        assert announcement.send_at > now

        # Karim is the persona a visitor onboards: the bot does not know him yet.
        assert await people.get_by_telegram_id(session, 1002) is None
        john = await people.get_by_telegram_id(session, 1003)
        assert john is not None and john.has_consented and john.language == "en"
        claire = await people.get_by_telegram_id(session, 1000)
        assert claire is not None and claire.is_facilitator

        # The demo starts quiet: nothing waits to be sent.
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.PENDING)
        )
        assert waiting == 0
    assert all(not p.user.messages for p in sandbox.personas.values())


async def test_seeding_twice_adds_nothing(sandbox: Sandbox) -> None:
    await demo.seed(sandbox)
    async with sandbox.rt.db.transaction() as session:
        before = (
            await session.scalar(select(func.count()).select_from(Person)),
            await session.scalar(select(func.count()).select_from(Rsvp)),
        )
    await demo.seed(sandbox)
    async with sandbox.rt.db.transaction() as session:
        after = (
            await session.scalar(select(func.count()).select_from(Person)),
            await session.scalar(select(func.count()).select_from(Rsvp)),
        )
    assert after == before


async def test_the_clock_buttons_bring_the_reminder_then_the_mood_prompt(
    sandbox: Sandbox,
) -> None:
    await demo.seed(sandbox)
    now = sandbox.clock.now()
    async with sandbox.rt.db.transaction() as session:
        following = (await calendar.upcoming(session, now=now, limit=1))[0]
    reminder_at = await demo.next_reminder(sandbox)
    after_at = await demo.after_next_session(sandbox)
    assert reminder_at is not None and now < reminder_at < following.starts_at
    assert after_at is not None and after_at > following.ends_at

    nadia = sandbox.personas["nadia"].user
    await sandbox.move_clock(reminder_at)
    await sandbox.rt.outbox.drain()
    reminder = nadia.messages[-1]
    assert reminder.from_bot and (reminder.text or "").startswith("🔔")
    assert "✅" in str(nadia.inline_buttons(reminder))
    assert (sandbox.group.messages[-1].text or "").startswith("🔔")
    assert not sandbox.personas["karim"].user.messages

    # The hours-before reminder is the next one now.
    second = await demo.next_reminder(sandbox)
    assert second is not None and reminder_at < second < following.starts_at

    await sandbox.move_clock(after_at)
    await sandbox.rt.outbox.drain()
    prompt = sandbox.rt.t("mood.prompt", "fr")
    assert any(m.text == prompt for m in nadia.messages)
    later = await demo.after_next_session(sandbox)
    assert later is not None and later > after_at  # the week after's
    assert sandbox.fake.violations == []


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """The running application answers on its own time: wait for it, within reason."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not answer in time")


async def test_a_running_sandbox_seeds_and_opens_the_personas_chats(tmp_path: Path) -> None:
    box = Sandbox(tmp_path / "sandbox")
    await upgrade(box.rt.db.engine)
    await box.start()
    try:
        await demo.seed(box)
        onboarded = [box.personas[k].user for k in ("nadia", "john", "claire")]
        await _until(lambda: all(u.reply_keyboard for u in onboarded))
        assert not box.personas["karim"].user.messages
        welcome = box.group.chat.messages[-1]
        assert not welcome.from_bot and (welcome.text or "").startswith("👋")
        assert box.fake.violations == []
    finally:
        await box.stop()
