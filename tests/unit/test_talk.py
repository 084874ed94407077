"""Talking to the facilitators as domain logic: typed answers, which session they answer,
passing a message on, and what an announcement looks like (who writes, "💬 Répondre")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.callback_data import REPLY_BUTTON, TapCode
from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import (
    Broadcast,
    ContentType,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
)
from bot.services import broadcasts, cards, outbox, talk
from bot.services.broadcasts import Audience, Content
from bot.services.outbox import Outgoing
from bot.services.reminders import REMINDER_KIND
from bot.services.talk import Said
from tests import factories
from tests.utils import outbox_rows

TR = Translator()

# --- what a typed answer says ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("oui", TapCode.YES),
        ("Oui !", TapCode.YES),
        ("OUI OUI", TapCode.YES),
        ("Oui merci", TapCode.YES),
        ("Oui, je viens 😊", TapCode.YES),
        ("je viens", TapCode.YES),
        ("Je serai là", TapCode.YES),
        ("yes", TapCode.YES),
        ("I'm coming", TapCode.YES),
        ("I’m coming!", TapCode.YES),
        ("✅", TapCode.YES),
        ("👍🏽", TapCode.YES),
        ("non", TapCode.NO),
        ("Non merci", TapCode.NO),
        ("Je ne viens pas", TapCode.NO),
        ("no", TapCode.NO),
        ("I'm not coming", TapCode.NO),
        ("peut-être", TapCode.MAYBE),
        ("Peut etre", TapCode.MAYBE),
        ("maybe", TapCode.MAYBE),
    ],
)
def test_short_answers_are_understood_in_both_languages(text: str, code: TapCode) -> None:
    assert talk.answer_of(text) is code


@pytest.mark.parametrize(
    "text",
    [
        "Merci Claire, à demain",
        "Oui mais je serai en retard",
        "non plus",
        "ok",
        "bonjour",
        "",
        "oui " * 30,
    ],
)
def test_anything_else_is_a_message_for_a_person(text: str) -> None:
    assert talk.answer_of(text) is None


def test_names_are_first_names_joined_as_people_say_them() -> None:
    assert talk.first_name("Claire Dupont") == "Claire"
    assert talk.join_names(["Claire"], "fr") == "Claire"
    assert talk.join_names(["Claire", "Karim"], "fr") == "Claire et Karim"
    assert talk.join_names(["Claire", "Karim", "Léa"], "fr") == "Claire, Karim et Léa"
    assert talk.join_names(["Claire", "Karim"], "en") == "Claire and Karim"


# --- which session a typed answer is for --------------------------------------------------


async def _world(database: Database, clock: FrozenClock) -> tuple[Person, list[Occurrence]]:
    """Ana, and Claire's weekly workshop (Tuesdays at 14 h, from today)."""
    claire = await factories.person(database, clock.now(), 9001, "Claire", facilitator=True)
    ana = await factories.person(database, clock.now(), 401, "Ana")
    return ana, await factories.series(database, clock.now(), claire)


async def _reminder(
    database: Database, ana: Person, occurrence: Occurrence, sent_at: datetime
) -> None:
    """A reminder of `occurrence` the outbox sent to Ana at `sent_at`."""
    async with database.transaction() as session:
        await outbox.enqueue(
            session,
            Outgoing(
                chat_id=401,
                person_id=ana.id,
                kind=REMINDER_KIND,
                dedupe_key=f"test-rem:{occurrence.id}:{sent_at.timestamp()}",
                text="👋 Vous venez à l'atelier ?",
                buttons=cards.rsvp_buttons(TR, "fr", occurrence.id),
            ),
            now=sent_at,
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.startswith(f"test-rem:{occurrence.id}:"))
            .values(state=OutboxState.SENT, sent_at=sent_at, telegram_message_id=77)
        )


async def _answered(
    database: Database,
    ana: Person,
    now: datetime,
    last_card: tuple[int, datetime] | None = None,
    quoted: int | None = None,
) -> int | None:
    async with database.transaction() as session:
        found = await talk.answered_session(
            session, person_id=ana.id, last_card=last_card, now=now, quoted=quoted
        )
        return found.id if found is not None else None


async def test_the_newest_of_the_card_and_the_reminder_wins(
    database: Database, clock: FrozenClock
) -> None:
    ana, (today, next_week, *_) = await _world(database, clock)
    now = clock.now()
    await _reminder(database, ana, today, now - timedelta(hours=2))
    assert await _answered(database, ana, now) == today.id
    card = (next_week.id, now - timedelta(hours=1))
    assert await _answered(database, ana, now, last_card=card) == next_week.id
    old_card = (next_week.id, now - timedelta(hours=3))
    assert await _answered(database, ana, now, last_card=old_card) == today.id


async def test_only_recent_cards_and_reminders_count(
    database: Database, clock: FrozenClock
) -> None:
    ana, (today, next_week, *_) = await _world(database, clock)
    now = clock.now()
    assert await _answered(database, ana, now) is None
    assert await _answered(database, ana, now, last_card=(today.id, now - timedelta(hours=5))) is (
        None
    )
    await _reminder(database, ana, next_week, now - timedelta(hours=25))
    assert await _answered(database, ana, now) is None


async def test_a_session_that_started_or_was_cancelled_is_no_question(
    database: Database, clock: FrozenClock
) -> None:
    ana, (today, next_week, *_) = await _world(database, clock)
    now = clock.now()
    await _reminder(database, ana, today, now - timedelta(hours=1))
    after_start = today.starts_at + timedelta(minutes=1)
    assert await _answered(database, ana, after_start) is None
    async with database.transaction() as session:
        await session.execute(
            update(Occurrence)
            .where(Occurrence.id == next_week.id)
            .values(status=OccurrenceStatus.CANCELLED)
        )
    assert await _answered(database, ana, now, last_card=(next_week.id, now)) == today.id


async def test_a_quoted_reminder_names_its_session(database: Database, clock: FrozenClock) -> None:
    ana, (today, next_week, *_) = await _world(database, clock)
    now = clock.now()
    await _reminder(database, ana, next_week, now - timedelta(hours=30))
    async with database.transaction() as session:
        quoted = await talk.quoted_reminder(session, chat_id=401, telegram_message_id=77)
    assert quoted == next_week.id
    card = (today.id, now)
    assert await _answered(database, ana, now, last_card=card, quoted=quoted) == next_week.id


# --- passing a message on -----------------------------------------------------------------


async def test_a_message_reaches_every_other_facilitator_once(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    claire = await factories.person(database, now, 9001, "Claire Dupont", facilitator=True)
    await factories.person(database, now, 9002, "Karim", facilitator=True, language="en")
    await factories.person(database, now, 9003, "Zoé", facilitator=True, consent=False)
    said = Said(ContentType.TEXT, "Merci pour mardi")
    async with database.transaction() as session:
        sender = await session.get(Person, claire.id)
        assert sender is not None
        for _ in range(2):  # the same message twice: sent once
            readers = await talk.pass_on(
                session, sender=sender, said=said, message_id=5, now=now, translator=TR
            )
        assert readers == ["Karim"]  # not Claire herself, not Zoé who has not said yes
        assert await talk.was_passed_on(session, sender=sender, message_id=5)
        assert not await talk.was_passed_on(session, sender=sender, message_id=6)
    rows = await outbox_rows(database)
    assert [(r.chat_id, r.text) for r in rows] == [
        (9002, "💬 Message from Claire Dupont:\n\nMerci pour mardi")
    ]


async def test_a_long_caption_is_cut_to_what_telegram_takes(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    await factories.person(database, now, 9001, "Claire", facilitator=True)
    ana = await factories.person(database, now, 402, "Ana")
    said = Said(ContentType.PHOTO, "x" * 1024, "FILE")
    async with database.transaction() as session:
        await talk.pass_on(session, sender=ana, said=said, message_id=9, now=now, translator=TR)
    (row,) = await outbox_rows(database)
    assert row.file_id == "FILE"
    assert row.text is not None and len(row.text) == outbox.CAPTION_LIMIT
    assert row.text.startswith("💬 Message de Ana :\n\nxxx") and row.text.endswith("…")


# --- announcements: who writes, and "💬 Répondre" ----------------------------------------


def test_an_announcement_says_who_writes_and_offers_to_reply() -> None:
    text = Content(ContentType.TEXT, ("Première partie", "Deuxième partie"))
    first, second = broadcasts.pieces(
        text, author_name="Claire Dupont", lang="fr", translator=TR, broadcast_id=7
    )
    assert first.text == "📣 Message de Claire\n\nPremière partie"
    assert first.buttons is None
    assert second.text == "Deuxième partie"
    assert second.buttons is not None
    (button,) = second.buttons[0]
    assert button.text == "💬 Répondre"
    assert REPLY_BUTTON.parse(button.callback_data) is not None
    voice = Content(ContentType.VOICE, (), "VOICE")
    (piece,) = broadcasts.pieces(
        voice, author_name=None, lang="en", translator=TR, broadcast_id=broadcasts.PREVIEW
    )
    assert (piece.content_type, piece.text, piece.file_id) == (
        ContentType.VOICE,
        "📣 Message from the facilitators",
        "VOICE",
    )


def test_the_header_always_fits() -> None:
    longest = Content(ContentType.TEXT, ("x" * broadcasts.TEXT_LIMIT,))
    (piece,) = broadcasts.pieces(
        longest, author_name="C" * 128, lang="fr", translator=TR, broadcast_id=1
    )
    assert piece.text is not None and len(piece.text) <= outbox.TEXT_LIMIT
    with pytest.raises(outbox.ContentTooLong):
        broadcasts.check_content(Content(ContentType.TEXT, ("x" * (broadcasts.TEXT_LIMIT + 1),)))


async def _announcement(database: Database, clock: FrozenClock) -> Broadcast:
    now = clock.now()
    claire = await factories.person(database, now, 9001, "Claire", facilitator=True)
    await factories.person(database, now, 403, "Ana")
    async with database.transaction() as session:
        author = await session.get(Person, claire.id)
        assert author is not None
        broadcast, _ = await broadcasts.create_broadcast(
            session,
            creator=author,
            content=Content(ContentType.TEXT, ("Bonjour",)),
            audience=Audience.EVERYONE,
            send_at=now,
            urgent=False,
            request_key="key-1234",
            report_chat_id=9001,
            now=now,
            translator=TR,
        )
        return broadcast


async def _finish(database: Database, clock: FrozenClock, broadcast_id: int) -> None:
    async with database.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        await broadcasts.finish(session, broadcast, now=clock.now(), translator=TR)


async def test_the_final_figures_are_not_sent_again_when_the_report_arrived(
    database: Database, clock: FrozenClock
) -> None:
    broadcast = await _announcement(database, clock)
    async with database.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == broadcasts.REPORT_KIND)
            .values(state=OutboxState.SENT, telegram_message_id=12)
        )
    await _finish(database, clock, broadcast.id)
    kinds = [r.kind for r in await outbox_rows(database)]
    assert broadcasts.SUMMARY_KIND not in kinds  # the report message is edited instead


async def test_the_final_figures_are_sent_when_the_report_never_arrived(
    database: Database, clock: FrozenClock
) -> None:
    broadcast = await _announcement(database, clock)
    async with database.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == broadcasts.REPORT_KIND)
            .values(state=OutboxState.FAILED)
        )
    await _finish(database, clock, broadcast.id)
    summaries = [r for r in await outbox_rows(database) if r.kind == broadcasts.SUMMARY_KIND]
    assert len(summaries) == 1
    assert (summaries[0].text or "").startswith("✅ Annonce envoyée")
