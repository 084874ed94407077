"""How the calendar's screens say things: dates and times, labels, refusals, layout."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time

from babel.dates import get_day_names
from telegram import InlineKeyboardMarkup, Message

from bot.i18n import N_
from bot.models import Occurrence, Series
from bot.services import calendar, outbox
from bot.services.calendar_queries import OfflinePerson
from bot.services.names import title_of
from bot.services.notices import AudienceCounts
from handlers.calendar_admin.buttons import LEAVE, Leave, Notify
from handlers.ctx import Ctx

Row = list[tuple[str, str]]

BUTTON_CHARS = 40
# Beside the name of someone without Telegram: counted like anyone, never messaged.
OFFLINE_MARK = "📵"

# A service's refusal code -> the message and its parameters.
REFUSALS: Mapping[str, tuple[str, Mapping[str, object]]] = {
    "title": (N_("cal.bad_title"), {"limit": calendar.MAX_TITLE}),
    "place": (N_("cal.bad_place"), {"limit": calendar.MAX_PLACE}),
    "capacity": (N_("cal.bad_capacity"), {"limit": calendar.MAX_CAPACITY}),
    "description": (N_("cal.bad_description"), {"limit": calendar.MAX_DESCRIPTION}),
    "duration": (N_("cal.bad_duration"), {}),
    "ends_before_start": (N_("cal.end_before_first_short"), {}),
    "unknown": (N_("cal.occ_unknown"), {}),
    "already_cancelled": (N_("cal.occ_cancelled"), {}),
    "started": (N_("cal.occ_started"), {}),
    "reason": (N_("cal.bad_reason"), {"limit": calendar.MAX_REASON}),
    "past": (N_("cal.past_when_confirm"), {}),
    "same_time": (N_("cal.same_time"), {}),
}


def error_text(ctx: Ctx, code: str) -> str:
    """A service's refusal code, in words."""
    key, params = REFUSALS.get(code, (N_("cal.not_possible"), {}))
    return ctx.t(key, **params)


def refuse(ctx: Ctx, text: str) -> None:
    """Say no where the person will see it: a pop-up for a tap, a message for a text."""
    if ctx.query is not None:
        ctx.answer(text, alert=True)
    else:
        ctx.reply(text)


def show_screen(ctx: Ctx, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool) -> None:
    """A screen reached by a button replaces that message; otherwise it comes as a new one."""
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


def show_choice(ctx: Ctx, label: str) -> None:
    """Keep the question in the chat with the answer under it; its buttons go away."""
    message = ctx.query.message if ctx.query else None
    question = message.text if isinstance(message, Message) and message.text else ""
    picked = ctx.t("cal.picked", choice=label)
    ctx.edit(fit(f"{question}\n\n{picked}") if question else picked)


def drop_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_drop"), LEAVE.make(Leave.DROP))]


def short(label: str) -> str:
    return label if len(label) <= BUTTON_CHARS else label[: BUTTON_CHARS - 1] + "…"


def fit(text: str) -> str:
    """Long lists (hundreds of names) are cut rather than refused by Telegram."""
    if len(text) <= outbox.TEXT_LIMIT:
        return text
    return text[: outbox.TEXT_LIMIT - 2] + "\n…"


def pairs(buttons: Sequence[tuple[str, str]]) -> list[Row]:
    """Two buttons a row: big enough to tap on a small phone, short enough to see."""
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def weekday(ctx: Ctx, day: int) -> str:
    return str(get_day_names("wide", locale=ctx.lang)[day])


def spoken_time(ctx: Ctx, moment: time) -> str:
    """A time of day as it is spoken: "14 h", "14 h 30" ("2 pm", "2:30 pm")."""
    tz = ctx.rt.settings.tz
    # Any ordinary day will do: the time of day is what is written.
    day = datetime.combine(date(2026, 1, 5), moment, tzinfo=tz)
    return ctx.rt.translator.format_time(day, ctx.lang, tz)


def duration(ctx: Ctx, minutes: int) -> str:
    """A length as a facilitator's button shows it: "1 h 30", "2 h", "45 min"."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return ctx.t("cal.duration_hm", hours=hours, minutes=f"{rest:02d}")
    if hours:
        return ctx.t("cal.duration_h", hours=hours)
    return ctx.t("cal.duration_m", minutes=rest)


def title(ctx: Ctx, item: Occurrence | Series) -> str:
    """A workshop's name in the facilitator's language (a suggested name is translated)."""
    return title_of(item, ctx.rt.translator, ctx.lang)


def rule_line(ctx: Ctx, day: int, start: time, minutes: int, interval: int) -> str:
    """ "Every Tuesday at 2 pm (1 h 30)", or every other Tuesday."""
    params = {
        "weekday": weekday(ctx, day),
        "time": spoken_time(ctx, start),
        "duration": duration(ctx, minutes),
    }
    if interval == 2:
        return ctx.t("cal.rule_every_other", **params)
    return ctx.t("cal.rule_every", **params)


def when(ctx: Ctx, occurrence: Occurrence) -> str:
    return ctx.fmt_datetime(occurrence.starts_at)


def notify_rows(ctx: Ctx, counts: AudienceCounts, make: Callable[[Notify], str]) -> list[Row]:
    """ "📢 Prévenir tout le monde (34)" and "👥 Prévenir les inscrits (3)": whom to tell."""
    return [
        [(ctx.t("cal.button_notify_everyone", count=counts.everyone), make(Notify.EVERYONE))],
        [(ctx.t("cal.button_notify_answered", count=counts.answered), make(Notify.ANSWERED))],
    ]


def told_lines(ctx: Ctx, told: int, offline: Sequence[OfflinePerson], *, group: bool) -> str:
    """How many people were told, the group, and whom to phone (no Telegram)."""
    lines = [ctx.t("cal.told", count=told)]
    if group:
        lines.append(ctx.t("cal.group_told"))
    if offline:
        lines.append(ctx.t("cal.offline_to_call", count=len(offline)))
        lines += [f"• {p.name} 📞 {p.phone}" if p.phone else f"• {p.name}" for p in offline]
    return "\n".join(lines)
