"""Bad input from issue 2: a kind answer or silence, never an exception, nothing lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import NoReturn

import pytest

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import people
from tests.utils import (
    deliver,
    last_message,
    last_text,
    menu,
    onboard,
    onboard_claire,
    stored_person,
    text_of,
    toast,
    workshop,
)

Action = Callable[[FakeUser], Awaitable[list[StoredMessage]]]


async def test_unknown_start_payload_still_onboards(app: MiroirApp, fake: FakeTelegram) -> None:
    nadia = fake.user(20, "Nadia")
    replies = await nadia.send("/start something-odd")
    assert "Ce lien ne marche pas" in text_of(replies[0])
    assert "Choisissez votre langue" in text_of(replies[1])


async def test_expired_invitation_is_explained(
    app: MiroirApp, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    claire = await onboard_claire(fake)
    link = text_of((await claire.tap("🔗 Inviter un animateur"))[-1])
    clock.advance(timedelta(hours=49))
    karim = fake.user(21, "Karim")
    replies = await karim.send(f"/start {link.split('start=')[1]}")
    assert "trop vieux" in text_of(replies[0])
    kept = await stored_person(database, 21)
    assert kept is not None and not kept.is_facilitator


@pytest.mark.parametrize(
    "action",
    [
        lambda person: person.send_sticker(),
        lambda person: person.send_location(47.31, 5.0),
    ],
    ids=["sticker", "location"],
)
async def test_what_no_facilitator_can_read_gets_a_kind_answer(
    app: MiroirApp, fake: FakeTelegram, action: Action
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 22)
    replies = await action(ana)
    assert len(replies) == 1
    assert "Pour parler aux animateurs, écrivez un texte" in text_of(replies[0])
    assert ana.inline_buttons(replies[0]) == []


@pytest.mark.parametrize(
    "action",
    [
        lambda person: person.send_photo(),
        lambda person: person.send_voice(),
        lambda person: person.send_document(),
    ],
    ids=["photo", "voice", "document"],
)
async def test_files_nobody_asked_for_are_offered_to_the_facilitators(
    app: MiroirApp, fake: FakeTelegram, action: Action
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 32)
    replies = await action(ana)
    assert len(replies) == 1
    assert text_of(replies[0]).startswith("📨 Je l'envoie aux animateurs ?")


async def test_without_a_facilitator_a_voice_note_gets_the_menu(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    ana = await onboard(fake, 33)
    replies = await ana.send_voice()
    assert len(replies) == 1
    assert "touchez un bouton du menu" in text_of(replies[0])
    assert menu(ana)


async def test_very_long_text_gets_a_short_answer_and_is_not_lost(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 23)
    replies = await ana.send("bla " * 1020)  # 4,080 characters: within what Telegram accepts
    assert len(replies) == 1
    assert "Je l'envoie aux animateurs ?" in text_of(replies[0])
    assert len(text_of(replies[0])) < 200
    await ana.tap("✅ Oui, envoyer")
    await deliver(app)
    passed_on = last_text(claire)
    assert passed_on.startswith("💬 Message de Ana :\n\nbla bla")
    assert len(passed_on) <= 4096  # cut to what Telegram takes, with "…"


async def test_a_label_of_an_old_keyboard_still_works(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 34)
    replies = await ana.send("📅 Prochaines séances")  # the button's former label
    assert any("Art-thérapie" in (m.text or "") for m in replies)
    assert not any("Je l'envoie" in (m.text or "") for m in replies)


async def test_unknown_command(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 24)
    replies = await ana.send("/frobnicate")
    assert "Je ne connais pas cette commande" in text_of(replies[0])


async def test_edited_messages_are_ignored(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 25)
    sent_before = len(ana.messages)
    replies = await ana.edit(1, "edited text")
    assert replies == []
    assert len(ana.messages) == sent_before


async def test_groups_and_channels_are_not_served(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 26)
    neighbours = fake.group(-1001, "Voisins")
    neighbours.add_member(ana)
    assert await neighbours.send(ana, "/start") == []
    assert await neighbours.send(ana, "bonjour") == []
    news = fake.channel(-1002, "Annonces")
    assert await news.post("hello") == []


async def test_old_language_button_still_works_and_old_consent_says_done(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    nadia = fake.user(27, "Nadia")
    first = (await nadia.send("/start"))[0]
    await nadia.tap("🇫🇷 Français")
    notice = last_message(nadia)
    await nadia.tap("✅ Je suis d'accord")
    # A language button from an old message (a stale client) still works...
    replies = await nadia.press_callback("lang:en", first.message_id)
    assert menu(nadia)[0] == ["📅 Next workshops", "🙂 My mood"]
    assert replies
    # ...and a forged consent press on the old notice changes nothing.
    await nadia.press_callback("consent:no", notice.message_id)
    assert toast(nadia) == "Already done ✅"


@pytest.mark.parametrize("data", ["garbage", "lang:de", "lang", "consent:maybe", "x" * 64])
async def test_callback_data_that_does_not_parse(
    app: MiroirApp, fake: FakeTelegram, data: str
) -> None:
    ana = await onboard(fake, 28)
    await ana.press_callback(data)
    assert "ne marche plus" in toast(ana)


async def test_blocked_user_is_marked_unreachable(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 29)
    await ana.block_and_notify()
    kept = await stored_person(database, 29)
    assert kept is not None and kept.reachable is False
    await ana.unblock_and_notify()
    kept = await stored_person(database, 29)
    assert kept is not None and kept.reachable is True


async def test_403_on_a_reply_marks_the_person_unreachable(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 30)
    ana.block()
    await ana.send("/menu")
    kept = await stored_person(database, 30)
    assert kept is not None and kept.reachable is False


async def test_an_error_apologises_and_the_next_update_works(
    app: MiroirApp,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ana = await onboard(fake, 31)

    async def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(people, "set_language", broken)
    await ana.send("/language")
    replies = await ana.tap("🇬🇧 English")
    assert any("Pardon, j'ai eu un problème" in (m.text or "") for m in replies)
    assert any("database on fire" in r.getMessage() or r.exc_info for r in caplog.records)
    assert any("update" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    monkeypatch.undo()
    replies = await ana.send("/menu")
    assert "Voici le menu" in text_of(replies[-1])
