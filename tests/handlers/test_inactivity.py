"""Two years without the bot, as Ana and Béa live it: a kind message with "✅ Je reste";
Ana taps it and stays, Béa does not answer and is erased a month later. Claire, a
facilitator, is never warned nor erased."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.sandbox.fake_telegram import FakeTelegram
from scheduler import inactivity
from tests.utils import (
    current,
    deliver,
    last_message,
    onboard,
    onboard_claire,
    runtime,
    stored_person,
    text_of,
    toast,
)

TWO_YEARS_AND_A_DAY = timedelta(days=731 + 1)


async def tick(app: MiroirApp) -> tuple[int, int]:
    """The hourly job, then the sender delivers what it wrote."""
    done = await inactivity.tick(runtime(app))
    await deliver(app)
    return done


async def test_ana_stays_with_one_tap_and_bea_is_erased_a_month_later(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    bea = await onboard(fake, 202, "Béa")
    clock.advance(TWO_YEARS_AND_A_DAY)
    assert await tick(app) == (2, 0)

    warning = last_message(ana)
    assert text_of(warning).startswith("👋 Bonjour.\n📅 Vous n'avez pas utilisé Miroir")
    assert "🗑️ Dans 30 jours, j'efface tout ce que je sais de vous." in text_of(warning)
    assert ana.inline_buttons(warning) == [["✅ Je reste"]]
    assert text_of(last_message(bea)) == text_of(warning)
    assert not any("Miroir depuis longtemps" in (m.text or "") for m in claire.messages)

    await ana.tap("✅ Je reste")
    assert toast(ana) == "✅ Vous restez"
    thanks = text_of(current(ana, warning))
    assert thanks == "👍 Merci ! Vous restez.\n📅 Je garde tout comme avant."
    assert ana.inline_buttons(current(ana, warning)) == []

    clock.advance(timedelta(days=30))
    assert await tick(app) == (0, 1)  # Béa only; nobody is warned twice
    assert await stored_person(database, ana.id) is not None
    assert await stored_person(database, bea.id) is None
    assert await stored_person(database, claire.id) is not None


async def test_a_tap_on_i_am_staying_after_the_erasure_starts_again(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    bea = await onboard(fake, 202, "Béa")
    clock.advance(TWO_YEARS_AND_A_DAY)
    await tick(app)
    warning = last_message(bea)
    clock.advance(timedelta(days=31))
    await tick(app)
    assert await stored_person(database, bea.id) is None

    await bea.tap_in(warning.message_id, "✅ Je reste")
    assert text_of(current(bea, warning)).startswith("🗑️ J'ai déjà effacé vos informations.")
    assert "🔒 Vos informations" in text_of(last_message(bea))
    kept = await stored_person(database, bea.id)
    assert kept is not None and kept.consent_at is None


async def test_writing_anything_counts_as_an_answer(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 201, "Ana")
    clock.advance(TWO_YEARS_AND_A_DAY)
    await tick(app)
    clock.advance(timedelta(days=3))
    await ana.tap("📅 Prochains ateliers")
    clock.advance(timedelta(days=30))
    assert await tick(app) == (0, 0)
    assert await stored_person(database, ana.id) is not None


async def test_someone_who_never_agreed_is_warned_and_may_stay_too(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Only a name and a language are kept before the privacy notice: those too."""
    zoe = fake.user(301, "Zoé")
    await zoe.send("/start")
    clock.advance(TWO_YEARS_AND_A_DAY)
    assert await tick(app) == (1, 0)
    await zoe.tap("✅ Je reste")
    assert text_of(last_message(zoe)).startswith("👍 Merci ! Vous restez.")
    clock.advance(timedelta(days=31))
    assert await tick(app) == (0, 0)
    assert await stored_person(database, zoe.id) is not None
