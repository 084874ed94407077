"""The facilitators' dashboard: a few pictures and a short summary, and who no longer comes.

"📊 Tableau de bord" (/tableau, /dashboard) covers the last 3 whole months and the month
in progress by default; buttons switch to 1, 6 or 12 months. The pictures are drawn after
the transaction commits, in a worker thread, and sent as one album: one request and one
message of the chat's budget (Telegram allows about one message a second in a private
chat), where five photos would take five. The summary with the buttons comes last, under
the pictures, where the thumb is.

"🔔 Qui ne vient plus ?" names the people who came several times and not lately
(bot.services.lapsed), each with "💌 Karim": a kind message in Karim's language, shown
exactly as he will get it, which the facilitator may rewrite ("✏️ Changer le texte")
before "✅ Envoyer". It goes through the outbox, once, whatever the number of taps.

Every step reads the facilitator's role from the database when it runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import InputMediaPhoto, Message
from telegram.constants import ChatAction

from bot import charts
from bot.callback_data import ID, ButtonKind
from bot.context import Draft, MenuEntry
from bot.i18n import N_
from bot.services import activity, budget, lapsed, mood, mood_stats
from bot.services.activity import MonthFigures, ProjectFigures, SessionFigures
from bot.services.money import format_euros
from bot.services.talk import first_name
from handlers.capability import ButtonRoute, Capability, Command, Input, MenuItem, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

PERIODS = (1, 3, 6, 12)
DEFAULT_MONTHS = 3
TOKEN = r"[A-Za-z0-9_-]{6,16}"

PERIOD = ButtonKind("dshp", ("|".join(str(p) for p in PERIODS),))  # the months shown
LAPSED = ButtonKind("dshl")  # 🔔 Qui ne vient plus ?
THINK = ButtonKind("dsht", (ID,))  # 💌 a person of the list: the message, to check
THINK_EDIT = ButtonKind("dshe", (TOKEN,))  # ✏️ Changer le texte
THINK_SEND = ButtonKind("dshs", (TOKEN,))  # ✅ Envoyer (the draft's key: once)
THINK_DROP = ButtonKind("dshx")  # ❌ Annuler

THOUGHT_TEXT = "dashboard.thought"  # the input: the facilitator's own words
LISTED = 30  # people named on "Qui ne vient plus ?" (a button each)


@dataclass
class ThoughtDraft(Draft):
    """ "On pense à vous" for one person, until it is sent."""

    key: str  # the confirmation's request key: a double tap finds the message sent
    person_id: int
    name: str  # first name
    language: str  # the person's: the words and the header are in it
    text: str  # the words, without the header
    sent: bool = False


# --- the dashboard ----------------------------------------------------------------------


def _month_labels(ctx: Ctx, months: list[MonthFigures]) -> list[str]:
    """ "nov.", with the year on the first month and on January ("janv. 2026")."""
    return [
        str(
            format_date(
                m.month, "MMM y" if i == 0 or m.month.month == 1 else "MMM", locale=ctx.lang
            )
        )
        for i, m in enumerate(months)
    ]


def _percent(ctx: Ctx, part: int, whole: int) -> str:
    return format_decimal(round(100 * part / whole), locale=ctx.lang) if whole else "0"


def _attendance_chart(ctx: Ctx, sessions: list[SessionFigures]) -> charts.AttendanceChart:
    translator = ctx.rt.translator
    return charts.AttendanceChart(
        title=ctx.t("dash.chart_attendance"),
        sessions=tuple(
            charts.SessionBar(
                translator.format_short_date(s.local_date, ctx.lang),
                s.said_yes,
                s.present if s.attendance_taken else None,
                s.came_unannounced,
            )
            for s in sessions
        ),
        yes_label=ctx.t("dash.chart_yes"),
        present_label=ctx.t("dash.chart_present"),
        unannounced_label=ctx.t("dash.chart_unannounced"),
        empty_label=ctx.t("dash.chart_no_session"),
    )


def _rate_chart(ctx: Ctx, months: list[MonthFigures]) -> charts.RateChart:
    return charts.RateChart(
        title=ctx.t("dash.chart_rate"),
        months=tuple(
            charts.RateBar(label, m.said_yes_checked, m.yes_then_present)
            for label, m in zip(_month_labels(ctx, months), months, strict=True)
        ),
        empty_label=ctx.t("dash.chart_none"),
    )


def _people_chart(ctx: Ctx, months: list[MonthFigures], regulars: int) -> charts.PeopleChart:
    return charts.PeopleChart(
        title=ctx.t("dash.chart_people"),
        months=tuple(
            charts.PeopleBar(label, m.new_people, m.returning_people)
            for label, m in zip(_month_labels(ctx, months), months, strict=True)
        ),
        new_label=ctx.t("dash.chart_new"),
        returning_label=ctx.t("dash.chart_returning"),
        footer=ctx.t("dash.chart_regulars", count=regulars),
    )


def _mood_chart(
    ctx: Ctx, overview: mood_stats.GroupOverview, first_month: date
) -> charts.GroupChart | None:
    months = [m for m in overview.months if m.month >= first_month]
    if not any(m.figure is not None for m in months):
        return None
    translator = ctx.rt.translator
    return charts.GroupChart(
        bars=tuple(
            charts.GroupBar(
                translator.format_month(m.month, ctx.lang),
                m.figure.counts if m.figure else None,
                m.figure.average if m.figure else None,
            )
            for m in months
        ),
        hidden_label=ctx.t("mood.group_hidden_short"),
        average_label=ctx.t("mood.group_average"),
    )


def _projects_chart(ctx: Ctx, projects: ProjectFigures, round_line: str) -> charts.TilesChart:
    tiles = (
        (projects.proposed, N_("dash.tile_proposed")),
        (projects.open, N_("dash.tile_open")),
        (projects.selected, N_("dash.tile_selected")),
        (projects.done, N_("dash.tile_done")),
        (projects.supports, N_("dash.tile_supports")),
        (projects.volunteers, N_("dash.tile_volunteers")),
    )
    return charts.TilesChart(
        title=ctx.t("dash.chart_projects"),
        tiles=tuple(charts.Tile(str(n), ctx.t(key, count=n)) for n, key in tiles),
        footer=round_line,
    )


async def _round_line(ctx: Ctx) -> str:
    """The last budget round that ended, in one line ("" when none did)."""
    last = await budget.latest_closed(ctx.session)
    if last is None:
        return ""
    results = await budget.round_results(ctx.session, round_id=last.id)
    if results is None:
        return ""
    return ctx.t(
        "dash.round",
        count=len(results.selected),
        spent=format_euros(results.spent_cents, ctx.lang),
        amount=format_euros(results.amount_cents, ctx.lang),
        votes=ctx.t("budget.votes", count=sum(r.tally.votes for r in results.ranked)),
    )


def _mood_line(ctx: Ctx, chart: charts.GroupChart | None, months: list[date]) -> str:
    if chart is None:
        return ctx.t("dash.mood_none")
    shown = [
        (month, bar.average)
        for month, bar in zip(months, chart.bars, strict=True)
        if bar.average is not None
    ]
    month, average = shown[-1]
    face = mood.FACES[min(max(round(average), mood.LOWEST), mood.HIGHEST)]
    return ctx.t(
        "dash.mood",
        month=ctx.rt.translator.format_month(month, ctx.lang),
        average=f"{face} {format_decimal(average, '0.0', locale=ctx.lang)}",
    )


def _summary(
    ctx: Ctx,
    *,
    first_month: date,
    sessions: list[SessionFigures],
    months: list[MonthFigures],
    regulars: int,
    projects: ProjectFigures,
    mood_line: str,
    round_line: str,
) -> str:
    held = [s for s in sessions if not s.cancelled]
    cancelled = len(sessions) - len(held)
    said_yes = sum(m.said_yes_checked for m in months)
    came = sum(m.yes_then_present for m in months)
    hours = sum(s.hours for s in held)
    lines = [
        ctx.t("dash.title", since=ctx.rt.translator.format_month(first_month, ctx.lang)),
        ctx.t(
            "dash.sessions",
            count=len(held),
            hours=format_decimal(round(hours, 1), locale=ctx.lang),
        ),
    ]
    if cancelled:
        lines.append(ctx.t("dash.cancelled", count=cancelled))
    lines.append(
        ctx.t(
            "dash.present",
            count=sum(s.present for s in held),
            unannounced=sum(s.came_unannounced for s in held),
        )
    )
    if said_yes:
        lines.append(ctx.t("dash.rate", percent=_percent(ctx, came, said_yes), count=said_yes))
    lines.append(ctx.t("dash.new_people", count=sum(m.new_people for m in months)))
    lines.append(ctx.t("dash.regulars", count=regulars))
    lines.append(mood_line)
    lines.append(
        ctx.t(
            "dash.projects",
            proposed=projects.proposed,
            open=projects.open,
            selected=projects.selected,
            done=projects.done,
        )
    )
    lines.append(
        ctx.t("dash.supports", supports=projects.supports, volunteers=projects.volunteers)
    )
    # The picture's line has no emoji (matplotlib's fonts have none): the summary adds it.
    lines.append(f"🗳️ {round_line}" if round_line else ctx.t("dash.round_none"))
    return "\n".join(lines)


def _buttons(ctx: Ctx, months: int) -> list[list[tuple[str, str]]]:
    periods = [
        (
            ctx.t(
                N_("dash.button_period_current") if p == months else N_("dash.button_period"),
                count=p,
            ),
            PERIOD.make(p),
        )
        for p in PERIODS
    ]
    return [periods[:2], periods[2:], [(ctx.t("dash.button_lapsed"), LAPSED.make())]]


def _captions(ctx: Ctx, dashboard: charts.Dashboard) -> list[str]:
    keys = [N_("dash.chart_attendance"), N_("dash.chart_rate"), N_("dash.chart_people")]
    if dashboard.mood is not None:
        keys.append(N_("dash.chart_mood"))
    keys.append(N_("dash.chart_projects"))
    return [ctx.t(key) for key in keys]


async def _show(ctx: Ctx, months: int) -> None:
    tz = ctx.rt.settings.tz
    current = ctx.today.replace(day=1)
    first_month = activity.add_months(current, -months)
    start = activity.month_bounds(first_month, tz)[0]
    sessions = await activity.sessions_between(ctx.session, start=start, end=ctx.now, tz=tz)
    by_month = await activity.months_between(
        ctx.session, first_month=first_month, last_month=current, tz=tz, now=ctx.now
    )
    regulars = await activity.regulars_between(ctx.session, start=start, end=ctx.now)
    projects = await activity.projects_between(ctx.session, start=start, end=ctx.now)
    # Never further back than the mood's retention: an older month would show what is
    # left of it, not what it was.
    mood_months = min(months + 1, ctx.rt.settings.mood_retention_months)
    overview = await mood_stats.group_overview(
        ctx.session, today=ctx.today, months=mood_months, recent_sessions=0
    )
    mood_chart = _mood_chart(ctx, overview, first_month)
    round_line = await _round_line(ctx)
    held = [s for s in sessions if not s.cancelled]
    dashboard = charts.Dashboard(
        attendance=_attendance_chart(ctx, held),
        rate=_rate_chart(ctx, by_month),
        people=_people_chart(ctx, by_month, regulars),
        mood=mood_chart,
        projects=_projects_chart(ctx, projects, round_line),
    )
    summary = _summary(
        ctx,
        first_month=first_month,
        sessions=sessions,
        months=by_month,
        regulars=regulars,
        projects=projects,
        mood_line=_mood_line(
            ctx, mood_chart, [m.month for m in overview.months if m.month >= first_month]
        ),
        round_line=round_line,
    )
    captions = _captions(ctx, dashboard)
    bot, chat_id = ctx.context.bot, ctx.chat_id

    async def send_pictures() -> None:
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
        pictures = await charts.dashboard_pictures(dashboard)
        await bot.send_media_group(
            chat_id,
            [
                InputMediaPhoto(png, caption=caption)
                for png, caption in zip(pictures, captions, strict=True)
            ],
        )

    ctx.later(send_pictures)
    ctx.reply(summary, inline(_buttons(ctx, months)))


async def show(ctx: Ctx) -> None:
    """📊 Tableau de bord: the last 3 months, and the month in progress."""
    ctx.clear()
    await _show(ctx, DEFAULT_MONTHS)


@with_person(facilitator_only=True)
async def on_period(ctx: Ctx) -> None:
    """1, 3, 6 or 12 months: the pictures and the summary again, for that period."""
    parsed = ctx.button(PERIOD)
    if parsed is None:
        ctx.stale()
        return
    ctx.answer()
    await _show(ctx, parsed.int_arg(0))


# --- who no longer comes ----------------------------------------------------------------


def _lapsed_line(ctx: Ctx, person: lapsed.Lapsed) -> str:
    translator, tz = ctx.rt.translator, ctx.rt.settings.tz
    last = translator.format_date(person.last_came, ctx.lang, tz)
    line = ctx.t("dash.lapsed_line", name=person.name, count=person.times, last=last)
    if person.thought_at is not None:
        day = translator.format_date(person.thought_at, ctx.lang, tz, today=ctx.today)
        line += "\n" + ctx.t("dash.lapsed_thought", day=day)
    return line


@with_person(facilitator_only=True)
async def on_lapsed(ctx: Ctx) -> None:
    """🔔 Qui ne vient plus ?: the names, each with its "💌" button."""
    found = await lapsed.lapsed_people(ctx.session, now=ctx.now)
    ctx.answer()
    if not found:
        ctx.reply(ctx.t("dash.lapsed_none", times=lapsed.MIN_TIMES, weeks=lapsed.AWAY.days // 7))
        return
    shown = found[:LISTED]
    lines = [
        ctx.t(
            "dash.lapsed_title",
            count=len(found),
            times=lapsed.MIN_TIMES,
            weeks=lapsed.AWAY.days // 7,
        )
    ]
    lines += [_lapsed_line(ctx, person) for person in shown]
    if len(found) > len(shown):
        lines.append(ctx.t("dash.lapsed_more", count=len(found) - len(shown)))
    lines.append(ctx.t("dash.lapsed_hint"))
    rows = [
        [(ctx.t("dash.button_think", name=first_name(p.name)), THINK.make(p.person_id))]
        for p in shown
    ]
    ctx.reply("\n\n".join(lines)[:4096], inline(rows))


def _preview(ctx: Ctx, draft: ThoughtDraft) -> None:
    """The message exactly as the person will get it, and what to do with it."""
    ctx.reply(ctx.t("dash.think_preview", name=draft.name))
    ctx.reply(
        lapsed.message_text(
            ctx.rt.translator,
            language=draft.language,
            sender_name=ctx.person.display_name,
            text=draft.text,
        ),
        inline(
            [
                [(ctx.t("dash.button_send"), THINK_SEND.make(draft.key))],
                [(ctx.t("dash.button_edit"), THINK_EDIT.make(draft.key))],
                [(ctx.t("dash.button_drop"), THINK_DROP.make())],
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_think(ctx: Ctx) -> None:
    """💌 Karim: the kind message in Karim's language, to check before it goes."""
    parsed = ctx.button(THINK)
    if parsed is None:
        ctx.stale()
        return
    person = await lapsed.reachable_person(ctx.session, person_id=parsed.int_arg(0))
    if person is None:
        ctx.answer(ctx.t("dash.think_gone"), alert=True)
        return
    ctx.answer()
    name = first_name(person.display_name)
    draft = ThoughtDraft(
        key=secrets.token_urlsafe(9),
        person_id=person.id,
        name=name,
        language=person.language,
        text=lapsed.default_text(ctx.rt.translator, language=person.language, name=name),
    )
    ctx.start_draft(draft)
    _preview(ctx, draft)


def _current(ctx: Ctx, kind: ButtonKind) -> ThoughtDraft | None:
    """The draft the tapped button belongs to (None: an older one, or none)."""
    parsed = ctx.button(kind)
    draft = ctx.draft(ThoughtDraft)
    if parsed is None or draft is None or draft.key != parsed.args[0]:
        return None
    return draft


@with_person(facilitator_only=True)
async def on_edit(ctx: Ctx) -> None:
    """✏️ Changer le texte: the next text the facilitator types replaces the words."""
    draft = _current(ctx, THINK_EDIT)
    if draft is None or draft.sent:
        ctx.stale()
        return
    ctx.answer()
    ctx.remove_buttons()
    ctx.expect(THOUGHT_TEXT)
    ctx.reply(ctx.t("dash.think_ask_text", name=draft.name))


async def on_thought_text(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(ThoughtDraft)
    if draft is None:
        ctx.clear()
        return
    if not ctx.person.is_facilitator:  # no longer one since the button was tapped
        ctx.clear()
        ctx.reply(ctx.t("errors.facilitators_only"))
        return
    words = text.strip()
    if not words:
        ctx.reply(ctx.t("dash.think_ask_text", name=draft.name))
        return
    if len(words) > lapsed.TEXT_LIMIT:
        ctx.reply(ctx.t("dash.think_too_long", length=len(words), limit=lapsed.TEXT_LIMIT))
        return
    draft.text = words
    ctx.stop_expecting()
    _preview(ctx, draft)


async def on_thought_media(ctx: Ctx, message: Message) -> None:
    draft = ctx.draft(ThoughtDraft)
    ctx.reply(ctx.t("dash.think_words_please", name=draft.name if draft else ""))


@with_person(facilitator_only=True)
async def on_send(ctx: Ctx) -> None:
    """✅ Envoyer: through the outbox, once per draft (a second tap is told it went)."""
    draft = _current(ctx, THINK_SEND)
    if draft is None:
        ctx.stale()
        return
    if draft.sent:
        ctx.answer(ctx.t("dash.think_already", name=draft.name))
        return
    outcome = await lapsed.send(
        ctx.session,
        sender=ctx.person,
        person_id=draft.person_id,
        text=draft.text,
        request_key=draft.key,
        now=ctx.now,
        translator=ctx.rt.translator,
    )
    if outcome is lapsed.Sent.GONE:
        ctx.clear()
        ctx.answer(ctx.t("dash.think_gone"), alert=True)
        ctx.remove_buttons()
        return
    if outcome is lapsed.Sent.ALREADY:
        ctx.answer(ctx.t("dash.think_already", name=draft.name))
        return
    draft.sent = True
    ctx.stop_expecting()
    ctx.answer(ctx.t("dash.think_sent_toast", name=draft.name))
    ctx.remove_buttons()
    ctx.reply(ctx.t("dash.think_sent", name=draft.name))


@with_person(facilitator_only=True)
async def on_drop(ctx: Ctx) -> None:
    """❌ Annuler: nothing is sent."""
    if ctx.draft(ThoughtDraft) is not None:
        ctx.clear()
    ctx.answer()
    ctx.remove_buttons()
    ctx.reply(ctx.t("dash.think_dropped"))


CAPABILITY = Capability(
    name="dashboard",
    commands=(
        Command(
            "tableau",
            "dashboard",
            with_person(facilitator_only=True)(show),
            N_("commands.dashboard"),
            who=Who.FACILITATORS,
        ),
    ),
    buttons=(
        ButtonRoute(PERIOD, on_period, facilitators_only=True),
        ButtonRoute(LAPSED, on_lapsed, facilitators_only=True),
        ButtonRoute(THINK, on_think, facilitators_only=True),
        ButtonRoute(THINK_EDIT, on_edit, facilitators_only=True),
        ButtonRoute(THINK_SEND, on_send, facilitators_only=True),
        ButtonRoute(THINK_DROP, on_drop, facilitators_only=True),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.dashboard"), facilitators_only=True), show),),
    inputs=(Input(THOUGHT_TEXT, on_thought_text, on_thought_media),),
)
