"""What facilitators see of the group's moods: figures of at least 5 people, never one person.

"📊 Humeur du groupe" (and /humeur_groupe) sends the months as a picture, then the recent
sessions in words, each with its own picture where it may be shown; "💬 Mots partagés"
lists the words participants chose to share, with their names. Which figure may be shown
is decided in bot.services.mood_stats (the 5-people rule and the subtraction rule).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from babel.numbers import format_decimal
from telegram import Bot

from bot import charts
from bot.i18n import N_
from bot.services import mood, mood_stats, names, wellbeing
from bot.services.mood_stats import Figure, Hidden, SessionFigure
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.mood.buttons import GROUP_NOTES, GROUP_SESSION

MONTHS_SHOWN = 12
RECENT_SESSIONS = 8
NOTES_SINCE = timedelta(days=30)
NOTES_SHOWN = 20
VOICES_SHOWN = 5
HIDDEN_KEYS = {
    Hidden.TOO_FEW: N_("mood.group_too_few"),
    Hidden.DAY_NOT_OVER: N_("mood.group_day_not_over"),
    Hidden.MONTH_NOT_OVER: N_("mood.group_month_not_over"),
    Hidden.WOULD_REVEAL_FEW: N_("mood.group_would_reveal"),
}


def _average(ctx: Ctx, figure: Figure) -> str:
    value = figure.average
    face = mood.FACES[min(max(round(value), mood.LOWEST), mood.HIGHEST)]
    return f"{face} {format_decimal(value, '0.0', locale=ctx.lang)}"


def _bar(ctx: Ctx, label: str, figure: Figure | None) -> charts.GroupBar:
    if figure is None:
        return charts.GroupBar(label, None, None)
    return charts.GroupBar(label, figure.counts, figure.average)


def _chart(ctx: Ctx, bars: list[charts.GroupBar]) -> charts.GroupChart:
    return charts.GroupChart(
        bars=tuple(bars),
        hidden_label=ctx.t("mood.group_hidden_short"),
        average_label=ctx.t("mood.group_average"),
    )


def _session_label(ctx: Ctx, found: SessionFigure) -> str:
    return ctx.rt.translator.format_short_date(found.local_date, ctx.lang)


def _session_line(ctx: Ctx, found: SessionFigure) -> str:
    title = names.title_of(found, ctx.rt.translator, ctx.lang)
    day = _session_label(ctx, found)
    if found.figure is None:
        reason = HIDDEN_KEYS[found.reason or Hidden.TOO_FEW]
        return ctx.t("mood.group_session_hidden", day=day, title=title, reason=ctx.t(reason))
    return ctx.t(
        "mood.group_session",
        day=day,
        title=title,
        count=found.figure.people,
        average=_average(ctx, found.figure),
    )


async def show(ctx: Ctx) -> None:
    """📊 Humeur du groupe: the months as a picture, then the recent sessions."""
    ctx.clear()
    now_day = ctx.today
    overview = await mood_stats.group_overview(
        ctx.session, today=now_day, months=MONTHS_SHOWN, recent_sessions=RECENT_SESSIONS
    )
    translator = ctx.rt.translator
    if any(m.figure is not None for m in overview.months):
        bars = [
            _bar(ctx, translator.format_month(m.month, ctx.lang), m.figure)
            for m in overview.months
        ]
        months_chart = _chart(ctx, bars)
        ctx.reply_photo(
            lambda: charts.group_moods(months_chart), ctx.t("mood.group_months_caption")
        )
    lines = [ctx.t("mood.group_title")]
    if not any(m.figure is not None for m in overview.months):
        lines.append(ctx.t("mood.group_no_month"))
    if overview.sessions:
        lines.append(ctx.t("mood.group_sessions"))
        lines += [_session_line(ctx, s) for s in overview.sessions]
    else:
        lines.append(ctx.t("mood.group_no_session"))
    lines += await _wellbeing_lines(ctx, now_day)
    lines.append(ctx.t("mood.group_rule"))
    shown = [s for s in overview.sessions if s.figure is not None]
    rows = [
        [
            (
                ctx.t("mood.group_button_session", day=_session_label(ctx, s)),
                GROUP_SESSION.make(s.occurrence_id),
            )
        ]
        for s in shown[:4]
    ]
    rows.append([(ctx.t("mood.group_button_notes"), GROUP_NOTES.make())])
    ctx.reply("\n".join(lines), inline(rows))


async def _wellbeing_lines(ctx: Ctx, now_day: date) -> list[str]:
    """The WHO-5 group average of the last month that may show it (5 people or more)."""
    averages = await wellbeing.group_averages(ctx.session, today=now_day, months=3)
    shown = [a for a in averages if a.average is not None and a.people is not None]
    if not shown:
        return []
    last = shown[-1]
    return [
        ctx.t(
            "mood.group_wellbeing",
            month=ctx.rt.translator.format_month(last.month, ctx.lang),
            score=last.average,
            count=last.people,
        )
    ]


@with_person(facilitator_only=True)
async def on_session(ctx: Ctx) -> None:
    """📊 under a session line: that session's picture, where it may be shown."""
    parsed = ctx.button(GROUP_SESSION)
    if parsed is None:
        ctx.stale()
        return
    found = await mood_stats.session_figure(
        ctx.session, occurrence_id=parsed.int_arg(0), today=ctx.today
    )
    if found is None:
        ctx.stale()
        return
    if found.figure is None:
        ctx.answer(ctx.t(HIDDEN_KEYS[found.reason or Hidden.TOO_FEW]), alert=True)
        return
    ctx.answer()
    chart = _chart(ctx, [_bar(ctx, _session_label(ctx, found), found.figure)])
    ctx.reply_photo(lambda: charts.group_moods(chart), _session_line(ctx, found))


@with_person(facilitator_only=True)
async def on_notes(ctx: Ctx) -> None:
    """💬 Mots partagés: the words participants chose to share, with their names."""
    since = ctx.today - NOTES_SINCE
    notes = await mood_stats.shared_notes(ctx.session, since=since, limit=NOTES_SHOWN)
    ctx.answer()
    if not notes:
        ctx.reply(ctx.t("mood.notes_none"))
        return
    translator = ctx.rt.translator
    written = []
    voices = []
    for note in notes:
        day = translator.format_short_date(note.local_date, ctx.lang)
        head = ctx.t("mood.note_head", name=note.name, day=day, face=mood.FACES[note.mood])
        if note.note:
            written.append(head + "\n" + note.note)
        if note.voice_file_id:
            voices.append((head, note.voice_file_id))
    if written:
        text = ctx.t("mood.notes_title") + "\n\n" + "\n\n".join(written)
        ctx.reply(text[:4096])
    bot, chat_id = ctx.context.bot, ctx.chat_id
    for caption, file_id in voices[:VOICES_SHOWN]:
        ctx.later(_voice_sender(bot, chat_id, file_id, caption))


def _voice_sender(
    bot: Bot, chat_id: int, file_id: str, caption: str
) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await bot.send_voice(chat_id, file_id, caption=caption)

    return send
