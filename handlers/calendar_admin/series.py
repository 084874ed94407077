"""One series: its screen, changing a field (for every future session), stopping it.

A change that moves sessions or seats is told to whoever it concerns, in the same
transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from telegram import Message

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import Series
from bot.services import calendar
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError
from bot.services.timeparse import parse_duration_minutes, parse_time
from handlers import router
from handlers.calendar_admin.common import (
    CAPACITY_CHOICES,
    DURATION_CHOICES,
    EDIT,
    EDIT_TEXT,
    TIME_CHOICES,
    Row,
    _clean,
    _data,
    _draft,
    _drop_row,
    _duration,
    _error_text,
    _fit,
    _hhmm,
    _home,
    _notify_changes,
    _notify_moves,
    _pairs,
    _parsed,
    _read_capacity,
    _refuse,
    _rule_line,
    _show_choice,
    _show_screen,
    _stale,
    _time_from_value,
    _time_value,
    _when,
)
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline


def _tapped_label(ctx: Ctx) -> str:
    """The text of the button that was tapped, read back from the message."""
    query = ctx.query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return ""
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return ""


async def _live_series(ctx: Ctx, series_id: int) -> Series | None:
    series = await queries.series(ctx.session, series_id)
    if series is None or series.ended_at is not None:
        _refuse(ctx, ctx.t("cal.series_gone"))
        return None
    return series


async def _series_screen(ctx: Ctx, series: Series, *, edit: bool) -> None:
    lines = [
        ctx.t("sessions.title", title=series.title),
        _rule_line(
            ctx, series.weekday, series.start_time, series.duration_minutes, series.interval_weeks
        ),
        ctx.t("sessions.place", place=series.place),
    ]
    if series.map_url:
        lines.append(ctx.t("sessions.map", url=series.map_url))
    lines.append(ctx.t("cal.capacity_line", capacity=series.capacity))
    if series.description:
        lines.append(ctx.t("sessions.description", text=series.description))
    following = await queries.next_of_series(ctx.session, series_id=series.id, now=ctx.now)
    if following is not None:
        lines.append(ctx.t("cal.next_line", when=_when(ctx, following)))
    text = _fit(ctx.t("cal.series_screen", details="\n".join(lines)))

    def change(key: str, field: str) -> tuple[str, str]:
        return (ctx.t(key), cb.make("cae", series.id, field))

    rows: list[Row] = [
        [change(N_("cal.button_edit_title"), "ti"), change(N_("cal.button_edit_place"), "pl")],
        [change(N_("cal.button_edit_time"), "tm"), change(N_("cal.button_edit_duration"), "du")],
        [
            change(N_("cal.button_edit_capacity"), "cp"),
            change(N_("cal.button_edit_description"), "de"),
        ],
        [(ctx.t("cal.button_stop"), cb.make("caq", series.id))],
        [(ctx.t("cal.button_back"), cb.make("cam", "home"))],
    ]
    _show_screen(ctx, text, inline(rows), edit=edit)


@with_person(facilitator_only=True)
async def on_series(ctx: Ctx) -> None:
    """The screen of one series."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    series = await _live_series(ctx, parsed.int_arg(0))
    if series is not None:
        await _series_screen(ctx, series, edit=True)


@dataclass(frozen=True)
class SeriesEdit:
    """One change to a series; the field left None is not touched."""

    title: str | None = None
    place: str | None = None
    start_time: time | None = None
    duration_minutes: int | None = None
    capacity: int | None = None
    description: str | None = None  # "" removes it

    def same_as(self, series: Series) -> bool:
        pairs: list[tuple[object, object]] = [
            (self.title, series.title),
            (self.place, series.place),
            (self.start_time, series.start_time),
            (self.duration_minutes, series.duration_minutes),
            (self.capacity, series.capacity),
            (self.description, series.description or ""),
        ]
        return all(new is None or new == old for new, old in pairs)


def _ask_edit(ctx: Ctx, series: Series, field: str, error: str | None = None) -> None:
    router.expect(ctx, EDIT_TEXT)

    def button(label: str, value: object) -> tuple[str, str]:
        return (label, cb.make("cav", series.id, field, value))

    rows: list[Row] = []
    if field == "ti":
        text = ctx.t("cal.edit_title", current=series.title)
    elif field == "pl":
        text = ctx.t("cal.edit_place", current=series.place)
    elif field == "tm":
        text = ctx.t("cal.edit_time", current=_hhmm(series.start_time))
        rows = _pairs([button(_hhmm(t), _time_value(t)) for t in TIME_CHOICES])
    elif field == "du":
        text = ctx.t("cal.edit_duration", current=_duration(ctx, series.duration_minutes))
        rows = _pairs([button(_duration(ctx, m), m) for m in DURATION_CHOICES])
    elif field == "cp":
        text = ctx.t("cal.edit_capacity", current=series.capacity)
        rows = [[button(str(n), n) for n in CAPACITY_CHOICES]]
    elif series.description:
        text = ctx.t("cal.edit_description", current=series.description)
        rows = [[button(ctx.t("cal.button_clear_description"), "clear")]]
    else:
        text = ctx.t("cal.edit_description_empty")
    if error:
        text = f"{error}\n\n{text}"
    ctx.reply(_fit(text), inline([*rows, _drop_row(ctx)]))


@with_person(facilitator_only=True)
async def on_edit_start(ctx: Ctx) -> None:
    """✏️ on the series screen: ask for the new value."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    series = await _live_series(ctx, parsed.int_arg(0))
    if series is None:
        return
    router.clear(ctx)
    _data(ctx)[EDIT] = {"series": series.id, "field": parsed.args[1]}
    _ask_edit(ctx, series, parsed.args[1])


def _edit_from_button(field: str, value: str) -> SeriesEdit | None:
    if field == "tm":
        chosen = _time_from_value(value)
        return SeriesEdit(start_time=chosen) if chosen else None
    number = int(value) if value.isascii() and value.isdigit() else -1
    if field == "du" and number in DURATION_CHOICES:
        return SeriesEdit(duration_minutes=number)
    if field == "cp" and number in CAPACITY_CHOICES:
        return SeriesEdit(capacity=number)
    if field == "de" and value == "clear":
        return SeriesEdit(description="")
    return None


@with_person(facilitator_only=True)
async def on_edit_button(ctx: Ctx) -> None:
    """A new value tapped (time, duration, seats, or removing the description)."""
    parsed = _parsed(ctx)
    draft = _draft(ctx, EDIT)
    if (
        parsed is None
        or draft is None
        or draft.get("series") != parsed.int_arg(0)
        or draft.get("field") != parsed.args[1]
    ):
        _stale(ctx)
        return
    change = _edit_from_button(parsed.args[1], parsed.args[2])
    if change is None:
        _stale(ctx)
        return
    _show_choice(ctx, _tapped_label(ctx))
    await _apply_edit(ctx, parsed.int_arg(0), change)


def _edit_from_text(ctx: Ctx, field: str, text: str) -> SeriesEdit | str:
    """The change a typed text asks for, or the problem in words."""
    if field == "ti":
        title = _clean(text, calendar.MAX_TITLE)
        if title is None:
            return ctx.t("cal.bad_title", limit=calendar.MAX_TITLE)
        return SeriesEdit(title=title)
    if field == "pl":
        place = _clean(text, calendar.MAX_PLACE)
        if place is None:
            return ctx.t("cal.bad_place", limit=calendar.MAX_PLACE)
        return SeriesEdit(place=place)
    if field == "tm":
        moment = parse_time(text)
        return ctx.t("cal.bad_time") if moment is None else SeriesEdit(start_time=moment)
    if field == "du":
        minutes = parse_duration_minutes(text)
        if minutes is None:
            return ctx.t("cal.bad_duration")
        return SeriesEdit(duration_minutes=minutes)
    if field == "cp":
        capacity = _read_capacity(text)
        if capacity is None:
            return ctx.t("cal.bad_capacity", limit=calendar.MAX_CAPACITY)
        return SeriesEdit(capacity=capacity)
    description = _clean(text, calendar.MAX_DESCRIPTION)
    if description is None:
        return ctx.t("cal.bad_description", limit=calendar.MAX_DESCRIPTION)
    return SeriesEdit(description=description)


async def on_edit_text(ctx: Ctx, text: str) -> None:
    """A typed new value for the series field being changed."""
    draft = _draft(ctx, EDIT)
    if draft is None or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    result = _edit_from_text(ctx, draft["field"], text)
    if isinstance(result, str):
        series = await _live_series(ctx, draft["series"])
        if series is None:
            router.clear(ctx)
            return
        _ask_edit(ctx, series, draft["field"], result)
        return
    await _apply_edit(ctx, draft["series"], result)


async def _apply_edit(ctx: Ctx, series_id: int, change: SeriesEdit) -> None:
    """Change the series and its future sessions; tell whoever the change moves."""
    router.clear(ctx)
    series = await _live_series(ctx, series_id)
    if series is None:
        return
    if change.same_as(series):
        ctx.reply(ctx.t("cal.edit_same"))
        await _series_screen(ctx, series, edit=False)
        return
    try:
        series, moved_sessions, seat_changes = await calendar.update_series(
            ctx.session,
            series_id=series_id,
            by=ctx.person,
            now=ctx.now,
            tz=ctx.rt.settings.timezone,
            title=change.title,
            place=change.place,
            description=change.description,
            start_time=change.start_time,
            duration_minutes=change.duration_minutes,
            capacity=change.capacity,
        )
    except CalendarError as exc:
        _refuse(ctx, _error_text(ctx, exc.code))
        return
    lines = [ctx.t("cal.edit_done")]
    told = await _notify_changes(ctx, moved_sessions)
    if moved_sessions:
        lines.append(ctx.t("cal.edit_moved", sessions=len(moved_sessions), people=told))
    promoted = demoted = 0
    for occurrence_id, up, down in seat_changes:
        moved = await queries.seat_moves(
            ctx.session, occurrence_id=occurrence_id, promoted=up, demoted=down
        )
        await _notify_moves(ctx, occurrence_id, moved)
        promoted, demoted = promoted + len(up), demoted + len(down)
    if demoted:
        lines.append(ctx.t("cal.edit_demoted", count=demoted))
    if promoted:
        lines.append(ctx.t("cal.edit_promoted", count=promoted))
    ctx.reply("\n".join(lines))
    await _series_screen(ctx, series, edit=False)


@with_person(facilitator_only=True)
async def on_stop_ask(ctx: Ctx) -> None:
    """⏹️ Arrêter la série: say what it would cancel, and ask."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    series = await _live_series(ctx, parsed.int_arg(0))
    if series is None:
        return
    count = await queries.future_count(ctx.session, series_id=series.id, now=ctx.now)
    ctx.edit(
        ctx.t("cal.stop_confirm", title=series.title, count=count),
        inline(
            [
                [(ctx.t("cal.button_stop_yes"), cb.make("caz", series.id))],
                [(ctx.t("cal.button_stop_no"), cb.make("cas", series.id))],
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_stop(ctx: Ctx) -> None:
    """Stop confirmed: future sessions are cancelled and the people who answered told."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    series = await _live_series(ctx, parsed.int_arg(0))
    if series is None:
        return
    try:
        changes = await calendar.end_series(
            ctx.session,
            series_id=series.id,
            by=ctx.person,
            now=ctx.now,
            tz=ctx.rt.settings.timezone,
        )
    except CalendarError:
        _refuse(ctx, ctx.t("cal.series_gone"))
        return
    told = await _notify_changes(ctx, changes)
    ctx.answer(ctx.t("cal.stopped_toast"))
    ctx.edit(ctx.t("cal.stopped", title=series.title, sessions=len(changes), people=told))
    await _home(ctx, edit=False)
