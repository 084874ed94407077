"""Bad input from issue 2: a kind answer or silence, never an exception, nothing lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import Person
from bot.services import people
from tests.conftest import FACILITATOR_ID
from tests.handlers.test_onboarding import onboard


async def _person(database, telegram_id: int) -> Person | None:
    async with database.transaction() as session:
        return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def test_unknown_start_payload_still_onboards(app, fake):
    user = fake.user(20, "Nadia")
    replies = await user.send("/start something-odd")
    assert "Ce lien ne marche pas" in replies[0].text
    assert "Choisissez votre langue" in replies[1].text


async def test_expired_invitation_is_explained(app, fake, clock, database):
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    link = (await boss.tap("🔗 Inviter un animateur"))[-1].text
    clock.advance(timedelta(hours=49))
    user = fake.user(21, "Karim")
    replies = await user.send(f"/start {link.split('start=')[1]}")
    assert "trop vieux" in replies[0].text
    person = await _person(database, 21)
    assert person is not None and not person.is_facilitator


@pytest.mark.parametrize(
    "action",
    [
        lambda u: u.send_sticker(),
        lambda u: u.send_photo(),
        lambda u: u.send_voice(),
        lambda u: u.send_location(47.31, 5.0),
        lambda u: u.send_document(),
    ],
    ids=["sticker", "photo", "voice", "location", "document"],
)
async def test_media_where_buttons_are_expected(app, fake, action):
    user = await onboard(fake, 22)
    replies = await action(user)
    assert len(replies) == 1
    assert "je comprends seulement les boutons" in replies[0].text


async def test_very_long_text_gets_a_short_answer(app, fake):
    user = await onboard(fake, 23)
    replies = await user.send("bla " * 1020)  # 4,080 characters: within what Telegram accepts
    assert len(replies) == 1
    assert "Je n'ai pas compris" in replies[0].text
    assert len(replies[0].text) < 200


async def test_unknown_command(app, fake):
    user = await onboard(fake, 24)
    replies = await user.send("/frobnicate")
    assert "Je ne connais pas cette commande" in replies[0].text


async def test_edited_messages_are_ignored(app, fake):
    user = await onboard(fake, 25)
    sent_before = len(user.messages)
    replies = await user.edit(1, "edited text")
    assert replies == []
    assert len(user.messages) == sent_before


async def test_groups_and_channels_are_not_served(app, fake):
    user = await onboard(fake, 26)
    group = fake.group(-1001, "Voisins")
    group.add_member(user)
    assert await group.send(user, "/start") == []
    assert await group.send(user, "bonjour") == []
    channel = fake.channel(-1002, "Annonces")
    assert await channel.post("hello") == []


async def test_old_language_button_still_works_and_old_consent_says_done(app, fake):
    user = fake.user(27, "Nadia")
    first = (await user.send("/start"))[0]
    await user.tap("🇫🇷 Français")
    notice = user.last
    await user.tap("✅ Je suis d'accord")
    # A language button from an old message (a stale client) still works...
    replies = await user.press_callback("lang:en", first.message_id)
    assert user.reply_keyboard[0] == ["📅 Next sessions", "🙂 My mood"]
    assert replies
    # ...and a forged consent press on the old notice changes nothing.
    await user.press_callback("consent:no", notice.message_id)
    assert user.callback_answers[-1].get("text") == "Already done ✅"


@pytest.mark.parametrize("data", ["garbage", "lang:de", "lang", "consent:maybe", "x" * 64])
async def test_callback_data_that_does_not_parse(app, fake, data):
    user = await onboard(fake, 28)
    await user.press_callback(data)
    answer = user.callback_answers[-1]
    assert "ne marche plus" in answer["text"]


async def test_blocked_user_is_marked_unreachable(app, fake, database):
    user = await onboard(fake, 29)
    await user.block_and_notify()
    person = await _person(database, 29)
    assert person is not None and person.reachable is False
    await user.unblock_and_notify()
    person = await _person(database, 29)
    assert person is not None and person.reachable is True


async def test_403_on_a_reply_marks_the_person_unreachable(app, fake, database):
    user = await onboard(fake, 30)
    user.block()
    await user.send("/menu")
    person = await _person(database, 30)
    assert person is not None and person.reachable is False


async def test_an_error_apologises_and_the_next_update_works(app, fake, monkeypatch, caplog):
    user = await onboard(fake, 31)

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(people, "set_language", broken)
    await user.send("/language")
    replies = await user.tap("🇬🇧 English")
    assert any("Pardon, j'ai eu un problème" in (m.text or "") for m in replies)
    assert any("database on fire" in r.getMessage() or r.exc_info for r in caplog.records)
    assert any("update" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    monkeypatch.undo()
    replies = await user.send("/menu")
    assert "Voici le menu" in replies[-1].text
