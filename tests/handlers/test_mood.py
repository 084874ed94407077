"""Mood check-ins, told as people live them: a prompt after the workshop, one tap on a face,
the mood consent the first time, an optional word, "📈 Mes semaines", the care path, and
what facilitators may see."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from bot.callback_data import MOOD_FACE
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import LANGUAGES, LOCALES_DIR
from bot.models import Answer, CheckIn, Occurrence, OutboxMessage, Person, Rsvp, WellbeingCheck
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser
from bot.services import mood
from scheduler import mood as mood_jobs
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    count,
    current,
    deliver,
    last_message,
    last_text,
    onboard,
    outbox_rows,
    runtime,
    stored_person,
    text_of,
    toast,
    workshop,
)

# The first session: Tuesday 24 November 2026, 14 h to 16 h in Dijon (13:00-15:00 UTC).
SESSION_END = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PROMPT_TIME = SESSION_END + timedelta(hours=1)
FACES = ["😞", "🙁", "😐", "🙂", "😄"]


async def came(
    database: Database, clock: FrozenClock, session: Occurrence, *people: FakeUser
) -> None:
    """These people said "✅ Je viens" to the session."""
    for user in people:
        person = await stored_person(database, user.id)
        assert person is not None
        await factories.answer(database, clock.now(), session, person, Answer.YES)


async def after_the_session(app: MiroirApp, clock: FrozenClock) -> int:
    """An hour after the session's end: the prompts leave through the outbox."""
    clock.set(PROMPT_TIME)
    added = await mood_jobs.prompt_tick(runtime(app))
    await deliver(app)
    return added


async def check_ins(database: Database) -> list[CheckIn]:
    async with database.transaction() as session:
        return list(await session.scalars(select(CheckIn).order_by(CheckIn.id)))


async def agree_and_tap(ana: FakeUser, face: str = "🙂") -> None:
    """Ana taps a face under her prompt and agrees to keep her moods."""
    await ana.tap(face)
    await ana.tap("✅ D'accord")


async def ready(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> FakeUser:
    """Ana came to the workshop and gave her mood consent with a first 🙂 (no word)."""
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    await after_the_session(app, clock)
    await agree_and_tap(ana)
    await ana.tap("⏭️ Passer")
    return ana


# --- the prompt after the session -----------------------------------------------------


async def test_people_who_came_are_asked_an_hour_after_the_end_and_nobody_twice(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    bob = await onboard(fake, 202, "Bob")
    await came(database, clock, sessions[0], ana)
    # Not yet: the session ended 59 minutes ago.
    clock.set(SESSION_END + timedelta(minutes=59))
    assert await mood_jobs.prompt_tick(runtime(app)) == 0
    assert await after_the_session(app, clock) == 1
    assert last_text(ana) == "🙂 Comment vous sentez-vous aujourd'hui ?\n👇 Touchez un visage."
    assert ana.inline_buttons(last_message(ana)) == [FACES]
    assert bob.last is not None and "visage" not in text_of(bob.last)  # Bob did not come
    clock.advance(minutes=5)
    assert await mood_jobs.prompt_tick(runtime(app)) == 0  # once per session


async def test_who_is_asked_present_or_yes_but_not_absent_nor_facilitators(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    bob = await onboard(fake, 202, "Bob")
    eve = await onboard(fake, 203, "Eve")
    await came(database, clock, sessions[0], ana, bob)
    async with database.transaction() as session:
        for row in await session.scalars(select(Rsvp)):
            person = await session.get(Person, row.person_id)
            assert person is not None
            row.present = person.telegram_id == 201  # Bob said yes but did not come
        eve_row = await session.scalar(select(Person).where(Person.telegram_id == 203))
        assert eve_row is not None
        session.add(
            Rsvp(
                occurrence_id=sessions[0].id,
                person_id=eve_row.id,
                answer=Answer.NO,
                queued_at=clock.now(),
                answered_at=clock.now(),
                present=True,  # Eve said no, then came anyway
            )
        )
    assert await after_the_session(app, clock) == 2
    prompted = {r.chat_id for r in await outbox_rows(database) if r.kind == mood.PROMPT_KIND}
    assert prompted == {ana.id, eve.id}
    assert FACILITATOR_ID not in prompted and bob.id not in prompted


async def test_quiet_hours_hold_the_prompt_to_the_morning_and_it_counts_for_that_day(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, start=time(19, 0))  # ends at 21 h
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    app.bot_data.runtime.settings.quiet_hours_start = time(21, 0)
    app.bot_data.runtime.settings.quiet_hours_end = time(8, 0)
    clock.set(datetime(2026, 11, 24, 21, 1, tzinfo=UTC))  # 22 h 01 in Dijon
    assert await mood_jobs.prompt_tick(runtime(app)) == 1
    (row,) = [r for r in await outbox_rows(database) if r.kind == mood.PROMPT_KIND]
    assert row.not_before == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 8 h in Dijon
    assert row.buttons is not None
    assert row.buttons[0][3]["callback_data"].split(":")[2] == "20261125"


# --- consent, then one tap ------------------------------------------------------------


async def test_first_check_in_asks_the_mood_consent_then_keeps_the_face_and_a_word(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    await after_the_session(app, clock)
    prompt = last_message(ana)
    await ana.tap("🙂")
    consent = text_of(current(ana, prompt))
    assert consent.startswith("🔒 Avant de noter votre humeur, voici ce que je garde.")
    assert "🗓️ Je garde vos réponses 12 mois." in consent
    assert await check_ins(database) == []  # nothing before her yes
    await ana.tap("✅ D'accord")
    assert text_of(current(ana, prompt)) == "✅ C'est noté : 🙂\n💛 Merci !"
    assert last_text(ana).startswith("✍️ Voulez-vous ajouter un mot ?")
    await ana.send("Contente d'avoir fait de la terre")
    assert last_text(ana).startswith("👥 Partager avec l'équipe ?")
    assert ana.inline_buttons(last_message(ana)) == [["🔒 Non, pour moi"], ["👥 Oui, partager"]]
    await ana.tap("🔒 Non, pour moi")
    assert last_text(ana) == "🔒 Votre mot reste pour vous seul."
    (kept,) = await check_ins(database)
    assert (kept.mood, kept.note, kept.shared) == (4, "Contente d'avoir fait de la terre", False)
    assert kept.local_date == date(2026, 11, 24)
    assert kept.occurrence_id == sessions[0].id


async def test_saying_no_to_the_mood_consent_keeps_nothing_and_pauses_prompts_a_month(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    for session in sessions[:6]:
        await came(database, clock, session, ana)
    await after_the_session(app, clock)
    await ana.tap("😄")
    await ana.tap("❌ Non merci")
    assert (
        last_text(ana)
        == "👌 D'accord. Je n'ai rien gardé.\n🙂 Vous pouvez revenir quand vous voulez."
    )
    assert await check_ins(database) == []
    # The next sessions, within a month: no prompt.
    for week in (1, 2, 3):
        clock.set(PROMPT_TIME + timedelta(weeks=week))
        assert await mood_jobs.prompt_tick(runtime(app)) == 0
    # Five weeks later, she is asked again.
    clock.set(PROMPT_TIME + timedelta(weeks=5))
    assert await mood_jobs.prompt_tick(runtime(app)) == 1


async def test_the_menu_asks_at_any_time_and_a_second_answer_today_replaces_the_first(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    await ana.tap("🙂 Mon humeur")
    screen = last_message(ana)
    assert text_of(screen).startswith("✅ Aujourd'hui, vous avez répondu 🙂.")
    assert ana.inline_buttons(screen) == [FACES, ["📈 Mes semaines"], ["🔒 Mes réponses"]]
    await ana.tap("😐")
    assert text_of(current(ana, screen)) == (
        "✅ C'est noté : 😐\n💛 Merci !\n"
        "🔁 Vous aviez déjà répondu aujourd'hui.\nJe garde cette nouvelle réponse."
    )
    (kept,) = await check_ins(database)
    assert kept.mood == 3


async def test_a_prompt_tapped_the_next_day_counts_for_that_day_and_says_so(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    await after_the_session(app, clock)
    prompt = last_message(ana)
    clock.advance(days=1)
    await agree_and_tap(ana, "😄")
    assert "📅 Ce message date d'un autre jour.\nJe note votre réponse pour aujourd'hui." in (
        text_of(current(ana, prompt))
    )
    (kept,) = await check_ins(database)
    assert kept.local_date == date(2026, 11, 25)
    assert kept.occurrence_id is None


async def test_the_bot_never_scolds_a_missed_week(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.advance(weeks=3)
    await ana.tap("🙂 Mon humeur")
    text = last_text(ana)
    assert text == "🙂 Comment vous sentez-vous aujourd'hui ?\n👇 Touchez un visage."


# --- the word -------------------------------------------------------------------------


async def test_a_long_word_is_asked_shorter_and_nothing_is_lost(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😄")
    await ana.send("a" * 620)
    assert last_text(ana) == (
        "✂️ Votre mot est un peu long : 620 signes.\n"
        "Raccourcissez-le à 500 signes, s'il vous plaît.\n📝 Votre message reste au-dessus."
    )
    (kept,) = await check_ins(database)
    assert kept.note is None and kept.mood == 5  # the face stays, the word waits
    await ana.send("Une belle journée")
    assert last_text(ana).startswith("👥 Partager avec l'équipe ?")
    (kept,) = await check_ins(database)
    assert kept.note == "Une belle journée"


async def test_a_voice_note_is_kept_by_its_file_id_and_a_long_one_is_asked_shorter(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("🙂")
    await ana.send_voice(duration=200)
    assert last_text(ana) == (
        "🎤 Votre message vocal dure plus de 3 minutes.\n"
        "Envoyez un message plus court, s'il vous plaît."
    )
    await ana.send_sticker()
    assert last_text(ana).startswith("✍️ J'attends un mot écrit, ou un message vocal.")
    await ana.send_photo()
    assert last_text(ana).startswith("✍️ J'attends un mot écrit, ou un message vocal.")
    replies = await ana.send_voice(duration=40)
    assert replies
    await ana.tap("👥 Oui, partager")
    (kept,) = await check_ins(database)
    assert kept.voice_file_id is not None and kept.note is None and kept.shared


# --- my weeks and my answers ----------------------------------------------------------


async def test_my_weeks_is_a_picture_with_one_short_sentence(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    for day in range(1, 6):
        clock.advance(days=1)
        await ana.tap("🙂 Mon humeur")
        await ana.tap("😄" if day % 2 else "🙂")
        await ana.tap("⏭️ Passer")
    await ana.tap("🙂 Mon humeur")
    await ana.tap("📈 Mes semaines")
    picture = last_message(ana)
    assert picture.kind == "photo"
    assert picture.caption == "📈 Ces 4 dernières semaines : très bien 😄"


async def test_withdrawing_the_mood_consent_erases_every_answer_word_and_score(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.advance(days=1)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😐")
    await ana.send("Fatiguée")
    await ana.tap("👥 Oui, partager")
    person = await stored_person(database, ana.id)
    assert person is not None
    async with database.transaction() as session:
        session.add(
            WellbeingCheck(
                person_id=person.id,
                local_date=date(2026, 11, 25),
                score=60,
                created_at=clock.now(),
            )
        )
    await ana.tap("🙂 Mon humeur")
    await ana.tap("🔒 Mes réponses")
    assert "📝 Je garde 2 réponses." in last_text(ana)
    await ana.tap("🗑️ Tout effacer")
    await ana.tap("✅ Oui, tout effacer")
    assert last_text(ana) == "🗑️ C'est effacé.\n🔒 Je n'ai plus rien sur votre humeur."
    assert await count(database, CheckIn) == 0
    assert await count(database, WellbeingCheck) == 0
    after = await stored_person(database, ana.id)
    assert after is not None and after.mood_consent_at is None
    # An old face button after the withdrawal asks the consent again; nothing is stored.
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😄")
    assert last_text(ana).startswith("🔒 Avant de noter votre humeur")
    assert await count(database, CheckIn) == 0


# --- care -----------------------------------------------------------------------------


async def test_the_lowest_face_offers_contact_and_a_yes_tells_the_team_not_the_mood(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    await after_the_session(app, clock)
    await agree_and_tap(ana, "😞")
    offer = text_of(last_message(ana))
    assert offer.startswith("💛 Merci de me le dire.\n🤝 Voulez-vous qu'une personne")
    assert "3114" in offer and "gratuit, 24 heures sur 24, 7 jours sur 7" in offer
    assert "🚑 En cas d'urgence, appelez le 15." in offer
    assert ana.inline_buttons(last_message(ana)) == [
        ["📞 Oui, appelez-moi"],
        ["💬 Oui, écrivez-moi"],
        ["❌ Non merci"],
    ]
    await ana.tap("💬 Oui, écrivez-moi")
    assert text_of(last_message(ana)).startswith("✍️ Voulez-vous ajouter un mot ?")
    told = [m for m in ana.messages if (m.text or "").startswith("✅ J'ai prévenu Claire.")]
    assert told and "3114" in text_of(told[0])
    await deliver(app)
    claire = fake.user(FACILITATOR_ID, "Claire")
    alert = last_text(claire)
    assert alert == (
        "🔔 Ana aimerait parler avec une personne de l'équipe.\n"
        "💬 Ana demande un message, ici dans le bot."
    )
    assert "😞" not in alert
    await claire.tap("💬 Écrire à Ana")
    await claire.send("Bonjour Ana, je vous appelle demain ?")
    assert last_text(claire) == "✅ C'est envoyé à Ana."
    await deliver(app)
    assert last_text(ana) == (
        "💬 Claire, de l'équipe, vous écrit :\n\nBonjour Ana, je vous appelle demain ?"
    )


async def test_asking_for_a_call_shares_the_number_with_one_tap(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.advance(days=1)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😞")
    await ana.tap("📞 Oui, appelez-moi")
    assert ana.reply_keyboard == [["📞 Envoyer mon numéro"], ["❌ Finalement non"]]
    await ana.send("pas un numéro")
    assert last_text(ana).startswith("📞 Je n'ai pas compris ce numéro.")
    await ana.send_contact("+33612345678", own=False, first_name="Voisin")
    assert last_text(ana).startswith("📞 J'ai besoin de votre numéro à vous.")
    await ana.send_contact("+33612345678")
    assert any((m.text or "").startswith("✅ J'ai prévenu Claire.\n📞") for m in ana.messages)
    assert ana.reply_keyboard is not None and ana.reply_keyboard[0] == [
        "📅 Prochains ateliers",
        "🙂 Mon humeur",
    ]
    await deliver(app)
    claire = fake.user(FACILITATOR_ID, "Claire")
    assert "📞 Ana demande un appel au +33612345678." in last_text(claire)


async def test_no_thanks_alerts_nobody_and_two_low_answers_in_a_row_bring_the_offer_again(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.advance(days=1)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("🙁")  # low once, after a 🙂: no offer
    assert last_text(ana).startswith("✍️ Voulez-vous ajouter un mot ?")
    await ana.tap("⏭️ Passer")
    clock.advance(days=1)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("🙁")  # low twice in a row: the offer
    assert last_text(ana).startswith("💛 Merci de me le dire.")
    await ana.tap("❌ Non merci")
    assert any(
        (m.text or "").startswith("💛 D'accord. Vous pouvez changer d'avis") for m in ana.messages
    )
    assert [r for r in await outbox_rows(database) if r.kind == mood.CARE_KIND] == []


def test_no_text_says_a_diagnosis() -> None:
    words = ("dépressi", "anxi", "trouble", "maladie", "patholog", "depress", "disorder")
    for lang in LANGUAGES:
        for domain in ("mood", "wellbeing"):
            path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            for message in catalog:
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                text = " ".join(str(f) for f in forms).lower()
                assert not any(w in text for w in words), message.id


# --- facilitators ---------------------------------------------------------------------


async def test_a_participant_cannot_see_the_group_view(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    await ana.send("/humeur_groupe")
    assert last_text(ana) == "🔒 Ce bouton est pour les animateurs."
    await ana.press_callback("mdgn")
    assert "animateurs" in toast(ana)


async def test_facilitators_see_a_session_only_from_5_people_and_shared_words_by_name(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    people = [await onboard(fake, 300 + i, name) for i, name in enumerate("ABCDE")]
    await came(database, clock, sessions[0], *people[:4])
    await came(database, clock, sessions[1], *people)
    for session_index in (0, 1):
        clock.set(PROMPT_TIME + timedelta(weeks=session_index))
        await mood_jobs.prompt_tick(runtime(app))
        await deliver(app)
        for i, person in enumerate(people if session_index else people[:4]):
            await person.tap(FACES[i % 5])
            if last_text(person).startswith("🔒"):  # the mood consent, the first time
                await person.tap("✅ D'accord")
            if last_text(person).startswith("💛"):  # the care offer, after low faces
                await person.tap("❌ Non merci")
            if person is people[3] and session_index == 1:
                await person.send("Merci pour la danse")
                await person.tap("👥 Oui, partager")
            else:
                await person.tap("⏭️ Passer")
    clock.set(PROMPT_TIME + timedelta(weeks=1, days=1))
    claire = fake.user(FACILITATOR_ID, "Claire")
    await claire.tap("📊 Humeur du groupe")
    summary = last_text(claire)
    assert "• 24 nov., Art-thérapie : pas assez de réponses pour le montrer" in summary
    assert "• 1 déc., Art-thérapie : 5 personnes, 😐 3,0" in summary
    await claire.tap("📊 1 déc.")
    assert last_message(claire).kind == "photo"
    await claire.tap("💬 Mots partagés")
    notes = last_text(claire)
    assert "D, 1 déc." in notes and "Merci pour la danse" in notes
    assert "A," not in notes  # nobody else shared


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "6", "x", ""])
async def test_forged_faces_are_refused_kindly_and_store_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, value: str
) -> None:
    ana = await ready(app, fake, database, clock)
    person = await stored_person(database, ana.id)
    assert person is not None
    clock.advance(days=1)
    await ana.press_callback(f"mood:{person.id}:20261125:{value}")
    assert toast(ana).startswith("🙂") or "bouton" in toast(ana)
    assert len(await check_ins(database)) == 1


async def test_another_persons_prompt_is_not_theirs(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    bob = await onboard(fake, 202, "Bob")
    person = await stored_person(database, ana.id)
    assert person is not None
    await bob.press_callback(MOOD_FACE.make(person.id, "20261124", 1))
    assert toast(bob) == "🙂 Ce bouton est pour une autre personne."
    assert len(await check_ins(database)) == 1


async def test_a_double_tap_on_a_face_keeps_one_answer(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.advance(days=1)
    await ana.tap("🙂 Mon humeur")
    screen = last_message(ana)
    await ana.tap_in(screen.message_id, "😄")
    person = await stored_person(database, ana.id)
    assert person is not None
    await ana.press_callback(MOOD_FACE.make(person.id, "20261125", 5), screen.message_id)
    assert toast(ana) == "✅ C'est noté"
    assert [c.mood for c in await check_ins(database)] == [4, 5]
    assert "🔁" not in text_of(current(ana, screen))


async def test_retention_deletes_answers_older_than_12_months(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await ready(app, fake, database, clock)
    clock.set(datetime(2027, 11, 24, 12, 0, tzinfo=UTC))
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😄")
    assert await mood_jobs.retention_tick(runtime(app)) == 0  # exactly 12 months: kept
    clock.advance(days=1)
    assert await mood_jobs.retention_tick(runtime(app)) == 1
    assert [c.local_date for c in await check_ins(database)] == [date(2027, 11, 24)]


async def test_logs_hold_no_word_no_mood_no_voice(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="miroir")
    caplog.set_level(logging.INFO)
    ana = await ready(app, fake, database, clock)
    await ana.tap("🙂 Mon humeur")
    await ana.tap("😞")
    await ana.tap("❌ Non merci")
    await ana.send("Mot très secret")
    voice = await stored_voice_file(ana)
    text = caplog.text
    assert "Mot très secret" not in text and "😞" not in text
    assert voice not in text


async def stored_voice_file(ana: FakeUser) -> str:
    """A voice note Ana sends (its file id), as a word for another day."""
    await ana.tap("🔒 Non, pour moi")
    replies = await ana.send_voice(duration=5)
    assert replies is not None
    sent = [m for m in ana.chat.messages if not m.from_bot and m.kind == "voice"]
    assert sent[-1].file_id is not None
    return sent[-1].file_id


async def test_settings_come_from_the_environment(settings: Settings) -> None:
    assert settings.mood_prompt_delay_minutes == 60
    assert settings.mood_retention_months == 12


async def test_outbox_rows_for_prompts_expire(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await came(database, clock, sessions[0], ana)
    clock.set(PROMPT_TIME)
    await mood_jobs.prompt_tick(runtime(app))
    rows: list[OutboxMessage] = [
        r for r in await outbox_rows(database) if r.kind == mood.PROMPT_KIND
    ]
    assert rows[0].expires_at == PROMPT_TIME + mood.PROMPT_LIFETIME


async def test_facilitators_see_the_wellbeing_average_of_a_finished_month_of_5_people(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    people = [await factories.person(database, clock.now(), 400 + i, f"P{i}") for i in range(5)]
    async with database.transaction() as session:
        for i, person in enumerate(people):
            session.add(
                WellbeingCheck(
                    person_id=person.id,
                    local_date=date(2026, 11, 10),
                    score=40 + 10 * i,  # 40, 50, 60, 70, 80: 60 on average
                    created_at=clock.now(),
                )
            )
    claire = fake.user(FACILITATOR_ID, "Claire")
    await claire.tap("📊 Humeur du groupe")
    assert "WHO-5" not in last_text(claire)  # November is not over
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await claire.tap("📊 Humeur du groupe")
    assert "📝 Bilan WHO-5, novembre 2026 : 60 sur 100 en moyenne, 5 personnes." in (
        last_text(claire)
    )
    async with database.transaction() as session:
        one = await session.scalar(
            select(WellbeingCheck).where(WellbeingCheck.person_id == people[0].id)
        )
        assert one is not None
        await session.delete(one)
    await claire.tap("📊 Humeur du groupe")
    assert "WHO-5" not in last_text(claire)  # 4 people: no figure
