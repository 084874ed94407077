"""What the calendar's screens share: drafts, button kinds, checks, wording, notices.

The drafts in user_data and every kind of calendar button are declared here, once, at
import. Names keep their leading underscore: they are private to the package, not to
one module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from babel.dates import get_day_names
from telegram import InlineKeyboardMarkup, Message

from bot import callback_data as cb
from bot.models import Occurrence, OccurrenceStatus, Person, Series
from bot.services import calendar, notices, outbox, rsvp, session_texts
from bot.services import calendar_queries as queries
from bot.services.calendar import Change
from handlers import router
from handlers.decorators import Ctx
from handlers.keyboards import inline

Row = list[tuple[str, str]]

# Drafts in user_data (cleared by /annuler and by any menu button).
DRAFT = "calendar_draft"  # a new series or one-off session
EDIT = "calendar_edit"  # one field of a series being changed
OCC = "calendar_occ"  # a session being cancelled or moved
router.DRAFT_KEYS.update({DRAFT, EDIT, OCC})

# What a typed text answers.
WIZARD_TEXT = "calendar.wizard"
EDIT_TEXT = "calendar.edit"
REASON_TEXT = "calendar.reason"
MOVE_TEXT = "calendar.move"

# Offered both by the wizard and when a series is changed.
TIME_CHOICES = (time(10), time(14), time(14, 30), time(18))
DURATION_CHOICES = (60, 90, 120, 180)
CAPACITY_CHOICES = (10, 15, 20, 25)

BUTTON_CHARS = 40

STAMP = r"[0-9]{1,10}"
cb.register("cam", r"home|new|one|next|att")  # calendar menu
cb.register("cax", r"d|k")  # leave: drop the draft / keep the session as it is
cb.register("caw", r"[a-z]{2}", r"[A-Za-z0-9_-]{1,16}")  # wizard: step, choice
cb.register("cas", cb.ID)  # series screen
cb.register("cae", cb.ID, r"ti|pl|tm|du|cp|de")  # change a field of a series
cb.register("cav", cb.ID, r"tm|du|cp|de", r"[0-9a-z]{1,8}")  # ... with a button
cb.register("caq", cb.ID)  # stop a series: ask
cb.register("caz", cb.ID)  # stop a series: confirmed
cb.register("cao", cb.ID, r"w|l|c|m", STAMP)  # session: who / who (in place) / cancel / move
cb.register("cap", cb.ID, r"r|a", r"[0-9]{1,4}")  # people picker: answer / attendance, page
cb.register("cab", cb.ID, cb.ID)  # answer for this person: choose the answer
cb.register("caa", cb.ID, cb.ID, r"y|m|n")  # answer for this person
cb.register("cac", cb.ID, r"[0-2]")  # quick reason for cancelling
cb.register("cak", cb.ID, r"c|m", STAMP)  # confirm cancel / move
cb.register("cat", cb.ID)  # attendance sheet
cb.register("cai", cb.ID, cb.ID)  # toggle a person's presence
cb.register("caj", cb.ID, r"u|d")  # walk-ins up / down


# --- small helpers ------------------------------------------------------------------


def _data(ctx: Ctx) -> dict[Any, Any]:
    data = ctx.context.user_data
    assert data is not None  # private chats always have user_data
    return data


def _draft(ctx: Ctx, key: str) -> dict[str, Any] | None:
    draft = _data(ctx).get(key)
    return draft if isinstance(draft, dict) else None


def _parsed(ctx: Ctx) -> cb.Callback | None:
    return cb.parse(ctx.query.data if ctx.query else None)


def _stale(ctx: Ctx) -> None:
    ctx.answer(ctx.t("errors.stale_button"), alert=True)


def _refuse(ctx: Ctx, text: str) -> None:
    """Say no where the person will see it: a pop-up for a tap, a message for a text."""
    if ctx.query is not None:
        ctx.answer(text, alert=True)
    else:
        ctx.reply(text)


def _show_screen(ctx: Ctx, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool) -> None:
    """A screen reached by a button replaces that message; otherwise it comes as a new one."""
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


def _stamp(occurrence: Occurrence) -> int:
    return int(occurrence.starts_at.timestamp()) // 60


def _short(label: str) -> str:
    return label if len(label) <= BUTTON_CHARS else label[: BUTTON_CHARS - 1] + "…"


def _fit(text: str) -> str:
    """Long lists (hundreds of names) are cut rather than refused by Telegram."""
    if len(text) <= outbox.TEXT_LIMIT:
        return text
    return text[: outbox.TEXT_LIMIT - 2] + "\n…"


def _pairs(buttons: Sequence[tuple[str, str]]) -> list[Row]:
    """Two buttons a row: big enough to tap on a small phone, short enough to see."""
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def _weekday(ctx: Ctx, weekday: int) -> str:
    return str(get_day_names("wide", locale=ctx.lang)[weekday])


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def _duration(ctx: Ctx, minutes: int) -> str:
    return session_texts.duration(ctx.rt.translator, ctx.lang, minutes)


def _time_value(moment: time) -> str:
    """A start time as a button carries it."""
    return moment.strftime("%H%M")


def _time_from_value(value: str) -> time | None:
    """The offered start time a button carried, or None if it is not one of them."""
    return next((t for t in TIME_CHOICES if _time_value(t) == value), None)


def _clean(text: str, limit: int) -> str | None:
    text = text.strip()
    return text if 0 < len(text) <= limit else None


def _read_capacity(text: str) -> int | None:
    # [0-9] rather than isdigit(): "²" or "٣" are digits to Python, not to a facilitator.
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None
    value = int(text)
    return value if 1 <= value <= calendar.MAX_CAPACITY else None


def _error_text(ctx: Ctx, code: str) -> str:
    """A service's refusal code, in words."""
    if code == "title":
        return ctx.t("cal.bad_title", limit=calendar.MAX_TITLE)
    if code == "place":
        return ctx.t("cal.bad_place", limit=calendar.MAX_PLACE)
    if code == "capacity":
        return ctx.t("cal.bad_capacity", limit=calendar.MAX_CAPACITY)
    if code == "description":
        return ctx.t("cal.bad_description", limit=calendar.MAX_DESCRIPTION)
    if code == "duration":
        return ctx.t("cal.bad_duration")
    if code == "ends_before_start":
        return ctx.t("cal.end_before_first_short")
    if code == "unknown":
        return ctx.t("cal.occ_unknown")
    if code == "already_cancelled":
        return ctx.t("cal.occ_cancelled")
    if code == "started":
        return ctx.t("cal.occ_started")
    return ctx.t("cal.not_possible")


def _show_choice(ctx: Ctx, label: str) -> None:
    """Keep the question in the chat with the answer under it; its buttons go away."""
    message = ctx.query.message if ctx.query else None
    question = message.text if isinstance(message, Message) and message.text else ""
    picked = ctx.t("cal.picked", choice=label)
    ctx.edit(_fit(f"{question}\n\n{picked}") if question else picked)


def _drop_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_drop"), cb.make("cax", "d"))]


def _rule_line(ctx: Ctx, weekday: int, start: time, minutes: int, interval: int) -> str:
    day, at, length = _weekday(ctx, weekday), _hhmm(start), _duration(ctx, minutes)
    if interval == 2:
        return ctx.t("cal.rule_every_other", weekday=day, time=at, duration=length)
    return ctx.t("cal.rule_every", weekday=day, time=at, duration=length)


def _when(ctx: Ctx, occurrence: Occurrence) -> str:
    return ctx.fmt_datetime(occurrence.starts_at)


# --- looking up what a button points at ---------------------------------------------


async def _existing_occurrence(ctx: Ctx, occurrence_id: int) -> Occurrence | None:
    """The session unless it is unknown or cancelled; otherwise say why and return None."""
    occurrence = await queries.occurrence(ctx.session, occurrence_id)
    if occurrence is None:
        _refuse(ctx, ctx.t("cal.occ_unknown"))
    elif occurrence.status == OccurrenceStatus.CANCELLED:
        _refuse(ctx, ctx.t("cal.occ_cancelled"))
    else:
        return occurrence
    return None


async def _open_occurrence(ctx: Ctx, occurrence_id: int, stamp: int | None) -> Occurrence | None:
    """The session if it can still be changed; otherwise say why and return None."""
    occurrence = await _existing_occurrence(ctx, occurrence_id)
    if occurrence is None:
        return None
    if occurrence.starts_at <= ctx.now:
        _refuse(ctx, ctx.t("cal.occ_started"))
    elif stamp is not None and _stamp(occurrence) != stamp:
        _refuse(ctx, ctx.t("cal.occ_moved", when=_when(ctx, occurrence)))
    else:
        return occurrence
    return None


async def _started_occurrence(ctx: Ctx, occurrence_id: int) -> Occurrence | None:
    """The session if attendance can be taken (it has started and was not cancelled)."""
    occurrence = await _existing_occurrence(ctx, occurrence_id)
    if occurrence is None:
        return None
    if occurrence.starts_at > ctx.now:
        _refuse(ctx, ctx.t("cal.att_not_yet"))
    else:
        return occurrence
    return None


async def _known_person(ctx: Ctx, person_id: int) -> Person | None:
    """Someone who agreed to the privacy notice; otherwise say so and return None."""
    person = await queries.consented_person(ctx.session, person_id)
    if person is None:
        _refuse(ctx, ctx.t("cal.person_unknown"))
    return person


# --- telling people -----------------------------------------------------------------


async def _notify_changes(ctx: Ctx, changes: Sequence[Change]) -> int:
    """Tell people (and the group) about cancelled or moved sessions; how many people."""
    s = ctx.rt.settings
    for change in changes:
        await notices.notify_change(
            ctx.session,
            change,
            translator=ctx.rt.translator,
            tz=s.tz,
            now=ctx.now,
            group_language=s.default_language,
        )
    return len({person for change in changes for person in change.person_ids})


async def _notify_moves(ctx: Ctx, occurrence_id: int, moved: Sequence[rsvp.Moved]) -> None:
    if moved:
        await notices.notify_seat_moves(
            ctx.session,
            occurrence_id=occurrence_id,
            moved=moved,
            translator=ctx.rt.translator,
            tz=ctx.rt.settings.tz,
            now=ctx.now,
        )


# --- the calendar's home screen, where several flows end ----------------------------


def _series_label(ctx: Ctx, series: Series) -> str:
    day, at = _weekday(ctx, series.weekday), _hhmm(series.start_time)
    if series.interval_weeks == 2:
        return ctx.t("cal.series_button_other", title=_short(series.title), weekday=day, time=at)
    return ctx.t("cal.series_button", title=_short(series.title), weekday=day, time=at)


async def _home(ctx: Ctx, *, edit: bool) -> None:
    rows: list[Row] = [
        [(ctx.t("cal.button_new_series"), cb.make("cam", "new"))],
        [(ctx.t("cal.button_one_off"), cb.make("cam", "one"))],
    ]
    active = await calendar.active_series(ctx.session)
    rows += [[(_series_label(ctx, s), cb.make("cas", s.id))] for s in active]
    rows.append([(ctx.t("cal.button_upcoming"), cb.make("cam", "next"))])
    rows.append([(ctx.t("cal.button_attendance"), cb.make("cam", "att"))])
    text = ctx.t("cal.home") if active else ctx.t("cal.home_empty")
    _show_screen(ctx, text, inline(rows), edit=edit)
