"""Participants and the calendar through the fake: list, one-tap answers, waitlist,
.ics, reminder choices, reminders, and the group's live counts."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select

from bot.models import Person, Rsvp
from bot.services import calendar
from scheduler import reminders as reminder_jobs
from tests import factories
from tests.conftest import FACILITATOR_ID
from tests.handlers.test_onboarding import onboard


def rt(app):
    return app.bot_data["runtime"]


async def workshop(fake, database, clock, **kw):
    """Claire (a facilitator, who opened the bot) and a weekly Tuesday 14:00 workshop."""
    await onboard(fake, FACILITATOR_ID, "Claire")
    boss = await factories.person(
        database, clock.now(), FACILITATOR_ID, "Claire", facilitator=True
    )
    return await factories.series(database, clock.now(), boss, **kw)


def cards(user):
    return [m for m in user.messages if (m.text or "").startswith("🎨")]


async def test_next_sessions_show_three_with_counts_and_buttons(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 200)
    replies = await user.tap("📅 Prochaines séances")
    shown = [m for m in replies if (m.text or "").startswith("🎨")]
    assert len(shown) == 3
    first = shown[0].text
    assert "📅 mardi 24 novembre à 14:00 (2 h)" in first
    assert "📍 Maison de quartier, Fontaine d'Ouche" in first
    assert "👥 0 / 20 inscrits" in first
    assert "❔ Vous n'avez pas encore répondu." in first
    assert user.inline_buttons(shown[0]) == [
        ["✅ Je viens"],
        ["🤔 Peut-être", "❌ Je ne viens pas"],
    ]
    assert "📲 Ajouter « Art-thérapie » à mon agenda" in str(user.inline_buttons(replies[-1]))
    assert (await user.send("/seances"))[1].text == first


async def test_one_tap_answer_updates_the_card(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 201)
    await user.tap("📅 Prochaines séances")
    card = cards(user)[0]
    await user.tap_in(card.message_id, "✅ Je viens")
    assert user.callback_answers[-1]["text"] == "✅ C'est noté : vous venez !"
    edited = user.fake.chats[201].find(card.message_id)
    assert "👥 1 / 20 inscrits" in edited.text and "✅ Vous venez." in edited.text
    await user.tap_in(card.message_id, "➕ Je viens avec quelqu'un")
    edited = user.fake.chats[201].find(card.message_id)
    assert "👥 2 / 20 inscrits" in edited.text
    assert "✅ Vous venez avec une personne." in edited.text
    await user.tap_in(card.message_id, "❌ Je ne viens pas")
    edited = user.fake.chats[201].find(card.message_id)
    assert "👥 0 / 20 inscrits" in edited.text and "❌ Vous ne venez pas." in edited.text


async def test_same_tap_twice_changes_nothing_and_breaks_nothing(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 202)
    await user.tap("📅 Prochaines séances")
    card = cards(user)[0]
    await user.tap_in(card.message_id, "✅ Je viens")
    await user.tap_in(card.message_id, "✅ Je viens")
    assert user.callback_answers[-1]["text"] == "✅ C'est noté : vous venez !"


async def test_waitlist_and_the_first_in_line_is_told_when_a_seat_frees(
    app, fake, database, clock
):
    await workshop(fake, database, clock, capacity=1)
    first = await onboard(fake, 203, "Ana")
    second = await onboard(fake, 204, "Bob")
    for user in (first, second):
        await user.tap("📅 Prochaines séances")
        await user.tap_in(cards(user)[0].message_id, "✅ Je viens")
    assert "n°1 sur la liste d'attente" in second.callback_answers[-1]["text"]
    await first.tap_in(cards(first)[0].message_id, "❌ Je ne viens pas")
    await rt(app).sender.drain()
    assert second.last.text.startswith("🎉 Une place s'est libérée !")


async def test_participants_see_counts_never_names(app, fake, database, clock):
    await workshop(fake, database, clock)
    ana = await onboard(fake, 205, "Anastasia")
    await ana.tap("📅 Prochaines séances")
    await ana.tap_in(cards(ana)[0].message_id, "✅ Je viens")
    bob = await onboard(fake, 206, "Bob")
    replies = await bob.tap("📅 Prochaines séances")
    assert "👥 1 / 20 inscrits" in replies[1].text
    assert all("Anastasia" not in (m.text or "") for m in bob.messages)


async def test_buttons_of_cancelled_or_started_sessions_change_nothing(app, fake, database, clock):
    sessions = await workshop(fake, database, clock)
    user = await onboard(fake, 207)
    await user.tap("📅 Prochaines séances")
    first, second = cards(user)[:2]
    async with database.transaction() as session:
        boss = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        await calendar.cancel_occurrence(
            session, occurrence_id=sessions[1].id, reason="Salle fermée", by=boss, now=clock.now()
        )
    await user.tap_in(second.message_id, "✅ Je viens")
    assert user.callback_answers[-1]["text"] == "🚫 Cette séance est annulée. Rien n'a changé."
    clock.set(sessions[0].starts_at + timedelta(minutes=5))
    await user.tap_in(first.message_id, "✅ Je viens")
    assert "déjà commencé" in user.callback_answers[-1]["text"]
    async with database.transaction() as session:
        assert (await session.scalars(select(Rsvp))).all() == []


async def test_forged_answer_buttons_are_refused(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 208)
    await user.press_callback("rv:y:999999")
    assert "Je ne trouve pas cette séance" in user.callback_answers[-1]["text"]
    await user.press_callback("rv:z:1")
    assert "ne marche plus" in user.callback_answers[-1]["text"]


async def test_calendar_file_for_the_phone(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 209)
    await user.tap("📅 Prochaines séances")
    await user.tap("📲 Ajouter « Art-thérapie » à mon agenda")
    document = user.last
    assert document.kind == "document"
    record = fake.files[document.file_id]
    assert record.file_name == "miroir-art-therapie.ics"
    body = record.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 8
    assert "SUMMARY:Art-thérapie" in body


async def test_reminder_choices(app, fake, database, clock):
    await workshop(fake, database, clock)
    user = await onboard(fake, 210)
    await user.tap("📅 Prochaines séances")
    await user.tap("🔔 Mes rappels")
    assert user.inline_buttons() == [["✅ La veille à 18:00"], ["✅ 2 heures avant"]]
    await user.tap("✅ La veille à 18:00")
    assert user.inline_buttons() == [["⬜ La veille à 18:00"], ["✅ 2 heures avant"]]
    async with database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 210))
        assert person.remind_day_before is False and person.remind_hours_before is True


async def test_reminder_arrives_with_buttons_and_an_answer_keeps_its_first_line(
    app, fake, database, clock
):
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    user = await onboard(fake, 211)
    clock.set(clock.now().replace(hour=17))  # 18:00 in Dijon
    await reminder_jobs.tick(rt(app))
    await rt(app).sender.drain()
    reminder = user.last
    assert reminder.text.startswith("👋 Vous venez à l'atelier ?")
    await user.tap_in(reminder.message_id, "✅ Je viens")
    edited = user.fake.chats[211].find(reminder.message_id)
    assert edited.text.startswith("👋 Vous venez à l'atelier ?")
    assert "✅ Vous venez." in edited.text


async def test_concurrent_taps_through_the_bot_never_overbook(app, fake, database, clock):
    await workshop(fake, database, clock, capacity=3)
    users = [await onboard(fake, 300 + i, f"P{i}") for i in range(10)]
    for user in users:
        await user.tap("📅 Prochaines séances")
    await asyncio.gather(*(u.tap_in(cards(u)[0].message_id, "✅ Je viens") for u in users))
    toasts = [u.callback_answers[-1]["text"] for u in users]
    assert sum(t == "✅ C'est noté : vous venez !" for t in toasts) == 3
    assert sum("liste d'attente" in t for t in toasts) == 7
    async with database.transaction() as session:
        seated = (await session.scalars(select(Rsvp).where(Rsvp.waitlisted.is_(False)))).all()
        assert len(seated) == 3


async def test_group_linking_reminder_and_coalesced_counts(app, fake, database, clock):
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    boss = fake.user(FACILITATOR_ID, "Claire")
    members = [await onboard(fake, 400 + i, f"M{i}") for i in range(20)]
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    for user in (boss, *members):
        group.add_member(user)
    replies = await group.send(members[0], "/lier")
    assert "Seul un animateur" in replies[-1].text
    await group.send(boss, "/lier")
    await group.tap(boss, "Art-thérapie")
    assert "Ce groupe recevra le rappel" in group.last.text

    clock.set(clock.now().replace(hour=17))
    await reminder_jobs.tick(rt(app))
    await rt(app).sender.drain()
    post = group.last
    assert post.text.startswith("🔔 C'est demain ! Qui vient ?")
    assert "👥 0 / 20 inscrits" in post.text

    stranger = fake.user(499, "Inconnu")
    group.add_member(stranger)
    await group.tap(stranger, "✅ Je viens")
    assert "Écrivez-moi d'abord en privé" in stranger.callback_answers[-1]["text"]

    editor = rt(app).group_editor
    for member in members:  # 20 taps in 10 seconds
        await group.tap(member, "✅ Je viens")
        clock.advance(seconds=0.5)
        await editor.flush()
    await editor.flush()
    message = fake.chats[-100777].find(post.message_id)
    assert len(message.edits) <= 3
    clock.advance(seconds=5)
    await editor.flush()
    message = fake.chats[-100777].find(post.message_id)
    assert "👥 20 / 20 inscrits" in message.text
    assert len(message.edits) <= 4


async def test_announcement_to_people_coming_to_the_next_session(app, fake, database, clock):
    await workshop(fake, database, clock)
    boss = fake.user(FACILITATOR_ID, "Claire")
    yes = await onboard(fake, 500, "Oui")
    await onboard(fake, 501, "Rien")
    await yes.tap("📅 Prochaines séances")
    await yes.tap_in(cards(yes)[0].message_id, "🤔 Peut-être")
    await boss.tap("📣 Annonce")
    await boss.send("N'oubliez pas vos tabliers")
    assert "📅 Inscrits à la prochaine séance (1)" in str(boss.inline_buttons())


async def test_a_tap_before_consent_leads_back_to_the_privacy_notice(app, fake, database, clock):
    sessions = await workshop(fake, database, clock)
    user = fake.user(600, "Nouveau")
    await user.send("/start")
    await user.press_callback(f"rv:y:{sessions[0].id}")
    assert user.callback_answers[-1]["text"] == "Il faut d'abord dire oui ou non 👇"
    assert "Vos informations" in user.last.text
    async with database.transaction() as session:
        assert (await session.scalars(select(Rsvp))).all() == []
