"""A person's own moods: "📈 Mes semaines" (a picture of 12 weeks) and "🔒 Mes réponses"
(what is kept, the well-being questionnaire, and erasing everything at once)."""

from __future__ import annotations

from datetime import timedelta

from bot import charts
from bot.i18n import N_
from bot.services import mood
from bot.services.mood import Feeling
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.mood import wellbeing
from handlers.mood.buttons import WITHDRAW

WEEKS_SHOWN = 12
FEELING_KEYS = {
    Feeling.LOW: N_("mood.feeling_low"),
    Feeling.MIXED: N_("mood.feeling_mixed"),
    Feeling.GOOD: N_("mood.feeling_good"),
    Feeling.VERY_GOOD: N_("mood.feeling_very_good"),
}


@with_person()
async def on_weeks(ctx: Ctx) -> None:
    """📈 Mes semaines: the picture of the last 12 weeks and one sentence."""
    if not ctx.person.mood_consented:
        ctx.answer(ctx.t("mood.nothing_kept"), alert=True)
        return
    now_day = ctx.today
    first = mood.window_start(now_day, WEEKS_SHOWN)
    points = await mood.my_days(ctx.session, person_id=ctx.person.id, since=first, until=now_day)
    if not points:
        ctx.answer()
        ctx.reply(ctx.t("mood.weeks_empty"))
        return
    translator = ctx.rt.translator
    # A label every other week keeps them readable on a small screen.
    labels = tuple(
        (monday, translator.format_short_date(monday, ctx.lang))
        for monday in (first + timedelta(weeks=w) for w in range(0, WEEKS_SHOWN, 2))
    )
    ctx.answer()
    chart = charts.WeeksChart(
        points=tuple(charts.DayMood(p.day, p.mood) for p in points),
        first_day=first,
        last_day=now_day,
        week_labels=labels,
    )
    feeling = mood.feeling(points, now_day)
    caption = (
        ctx.t(FEELING_KEYS[feeling]) if feeling in FEELING_KEYS else ctx.t("mood.feeling_none")
    )
    ctx.reply_photo(lambda: charts.my_weeks(chart), caption)


@with_person()
async def on_mine(ctx: Ctx) -> None:
    """🔒 Mes réponses: what is kept, for how long, and the buttons to change it."""
    if not ctx.person.mood_consented:
        ctx.answer(ctx.t("mood.nothing_kept"), alert=True)
        return
    count = await mood.count_check_ins(ctx.session, person_id=ctx.person.id)
    months = ctx.rt.settings.mood_retention_months
    text = "\n".join(
        [
            ctx.t("mood.mine_title"),
            ctx.t("mood.mine_count", count=count),
            ctx.t("mood.mine_kept", count=months),
            ctx.t("mood.mine_who"),
        ]
    )
    rows = [*wellbeing.settings_rows(ctx), [(ctx.t("mood.button_erase"), WITHDRAW.make("ask"))]]
    ctx.answer()
    ctx.reply(text, inline(rows))


@with_person()
async def on_withdraw(ctx: Ctx) -> None:
    """🗑️ Tout effacer, then ✅ Oui / ❌ Non: withdrawing the consent erases everything."""
    parsed = ctx.button(WITHDRAW)
    if parsed is None:
        ctx.stale()
        return
    step = parsed.args[0]
    if step == "ask":
        if not ctx.person.mood_consented:
            ctx.answer(ctx.t("mood.nothing_kept"), alert=True)
            return
        ctx.edit(
            ctx.t("mood.erase_ask"),
            inline(
                [
                    [(ctx.t("mood.erase_yes"), WITHDRAW.make("yes"))],
                    [(ctx.t("mood.erase_no"), WITHDRAW.make("no"))],
                ]
            ),
        )
        return
    if step == "no":
        ctx.edit(ctx.t("mood.erase_kept"))
        return
    if not ctx.person.mood_consented:
        ctx.answer(ctx.t("mood.erased_toast"))
        ctx.edit(ctx.t("mood.erased"))
        return
    await mood.withdraw(ctx.session, person=ctx.person, now=ctx.now)
    ctx.clear()
    ctx.answer(ctx.t("mood.erased_toast"))
    ctx.edit(ctx.t("mood.erased"))
