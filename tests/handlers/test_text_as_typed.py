"""What people type is shown as they typed it, on every screen that shows it.

Ana's first name, her message to the facilitators, her project's title and description,
Claire's announcement and her workshop's name are all the same text, full of what
Telegram's formatting reads as markup (HTML tags, an entity, Markdown stars, underscores
and a link). Walking the screens that show them, each one reads exactly as typed: the bot
sends plain text (no parse mode), so nothing turns bold, nothing becomes a link, and the
fake Telegram, which parses HTML and Markdown like Telegram and refuses broken markup,
finds no formatting anywhere.
"""

from __future__ import annotations

from datetime import date

from bot import charts
from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.sandbox.fake_telegram.formatting import parse
from scheduler import reminders as reminder_jobs
from tests.utils import (
    FACILITATOR_ID,
    current,
    deliver,
    last_message,
    last_text,
    messages_starting,
    onboard,
    runtime,
    text_of,
    workshop,
)

# Markup of every kind Telegram knows, and a closing tag with nothing open (broken HTML).
TYPED = "<b>x</b> *y* _z_ [a](http://e) &amp; </code>"
# Ana's first name, the same in one word (screens that name people keep the first word).
NAME = "<b>Ana</b>*y*_z_[a](http://e)&amp;</i>"  # 38 characters: never cut
ANA_ID = 201
GROUP_ID = -100321


def test_the_typed_text_would_be_formatting_if_it_were_read_as_markup() -> None:
    """What the test proves is not empty: read as HTML, Telegram refuses it; read as
    Markdown, it turns bold, italic and a link."""
    plain, entities = parse(TYPED.replace(" </code>", ""), "HTML")
    assert plain != TYPED and entities
    plain, entities = parse(TYPED.replace(" &amp; </code>", ""), "Markdown")
    assert {e["type"] for e in entities} == {"bold", "italic", "text_link"}


def shown_as_typed(message: StoredMessage) -> str:
    """The message's text, checked to be plain: no parse mode, no formatting."""
    assert message.parse_mode is None, f"sent with {message.parse_mode}"
    assert message.entities == [], f"formatted: {message.entities}"
    return text_of(message)


def holding(person: FakeUser, text: str) -> list[StoredMessage]:
    return [m for m in person.visible if text in (m.content or "")]


async def test_typed_text_is_shown_as_typed_on_every_screen(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, title=TYPED, first=date(2026, 11, 25), weekday=2)
    claire = fake.user(FACILITATOR_ID, "Claire")
    ana = await onboard(fake, ANA_ID, NAME)

    # Her card names the workshop as Claire typed it; she says she comes.
    await ana.tap("📅 Prochains ateliers")
    card = messages_starting(ana, "🎨")[-1]
    assert shown_as_typed(card).startswith(f"🎨 {TYPED}\n")
    await ana.tap_in(card.message_id, "✅ Je viens")
    assert shown_as_typed(current(ana, card)).startswith(f"🎨 {TYPED}\n")

    # Claire's "who is coming" names her as she is named on Telegram.
    await claire.tap("🗓️ Calendrier")
    session_card = (await claire.tap("📋 Prochaines séances"))[1]
    coming = shown_as_typed((await claire.tap_in(session_card.message_id, "👥 Qui vient ?"))[-1])
    assert f"🎨 {TYPED}" in coming.split("\n")  # the workshop's name
    assert f"• {NAME}" in coming.split("\n")

    # She writes to the facilitators: passed on as typed, with her name.
    await ana.send(TYPED)
    await ana.tap("✅ Oui, envoyer")
    await deliver(app)
    assert shown_as_typed(last_message(claire)) == f"💬 Message de {NAME} :\n\n{TYPED}"

    # She proposes a project: the preview, then Claire's copy, then the board.
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    await ana.send(TYPED)
    await ana.send(TYPED)
    await ana.send("0")
    await ana.tap("✅ Oui, je le porte")
    preview = messages_starting(ana, "💡")[-1]
    assert shown_as_typed(preview) == (
        f"💡 {TYPED}\n📝 {TYPED}\n💶 Coût : gratuit\n👤 {NAME} porte ce projet."
    )
    await ana.tap("✅ Envoyer")
    await deliver(app)
    proposal = holding(claire, f"💡 {TYPED}\n📝 {TYPED}")[-1]
    shown_as_typed(proposal)
    await claire.tap_in(proposal.message_id, "✅ Publier")
    assert shown_as_typed(current(claire, proposal)).endswith("✅ Publié par Claire")
    await deliver(app)
    assert f"💡 {TYPED}" in shown_as_typed(last_message(ana))
    await ana.tap("💡 Projets")
    board = (await ana.tap("📋 Voir les projets"))[-1]
    assert f"🔹 {TYPED}\n" in shown_as_typed(board)
    (open_button,) = [b for row in ana.inline_buttons(board) for b in row if b.startswith("👀")]
    await ana.tap_in(board.message_id, open_button)
    project_card = shown_as_typed(current(ana, board))
    assert f"💡 {TYPED}\n📝 {TYPED}\n" in project_card and f"👤 {NAME}" in project_card

    # Claire's announcement: the preview is exactly what participants get.
    await claire.tap("📣 Annonce")
    preview_body = (await claire.send(TYPED))[1]
    assert shown_as_typed(preview_body) == f"📣 Message de Claire\n\n{TYPED}"

    # The group's reminder names the workshop as typed.
    group = fake.group(GROUP_ID, "Miroir de soi", type="supergroup")
    group.add_member(claire)
    await group.send(claire, "/lier")
    await group.tap(claire, TYPED)
    await group.tap(claire, "🇫🇷 Français")
    clock.set(clock.now().replace(hour=17))  # 18:00 in Dijon, the day before
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    assert f"🎨 {TYPED}\n" in shown_as_typed(last_message(group))
    assert f"🎨 {TYPED}\n" in last_text(ana)

    # And nowhere did the bot format anything.
    for chat in fake.chats.values():
        for message in chat.messages:
            if message.from_bot:
                assert message.parse_mode is None and message.entities == [], message


# Matplotlib reads text between two "$" as a formula: "5$ ... 6$" turns to italics, and an
# unfinished one stops the drawing. A project's title is typed by a participant.
async def test_a_project_title_with_dollars_is_drawn_as_typed() -> None:
    chart = charts.BudgetChart(
        bars=(charts.BudgetBar(r"Fête $\frac{1$ ok", "400 €", 3, 1, True),),
        chat_label="Chat",
        paper_label="Papier",
        selected_label="Choisi",
    )
    assert (await charts.budget_results(chart)).startswith(b"\x89PNG")
