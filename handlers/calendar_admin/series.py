"""One series: its screen, changing a field (for every future session), stopping it.

A new time or place, and stopping, first ask whom to tell: everyone (anyone may come
any week) or the people who answered, each button with its number. The calendar
service tells them (and whoever a seat moves), in the same transaction; these screens
say how many were told and whom to phone.
"""

from __future__ import annotations

from telegram import Message

from bot.i18n import N_
from bot.models import Series
from bot.services import calendar
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError
from bot.services.names import title_key_for
from bot.services.notices import NoticeAudience
from bot.services.timeparse import parse_duration_minutes, parse_time
from handlers.calendar_admin.buttons import (
    CALENDAR_MENU,
    EDIT_FIELD,
    FIELD_CHOICE,
    SERIES_NOTICE,
    SERIES_SCREEN,
    STOP_SERIES,
    STOP_SERIES_ASK,
    MenuAction,
    Notify,
    SeriesField,
)
from handlers.calendar_admin.drafts import SeriesEdit, SeriesFieldDraft, SeriesNoticeDraft
from handlers.calendar_admin.home import home
from handlers.calendar_admin.lookups import live_series, open_series
from handlers.calendar_admin.values import (
    CAPACITY_CHOICES,
    DURATION_CHOICES,
    TIME_CHOICES,
    clean,
    number,
    read_capacity,
    time_from_value,
    time_value,
)
from handlers.calendar_admin.wording import (
    Row,
    drop_row,
    duration,
    error_text,
    fit,
    notify_rows,
    pairs,
    refuse,
    rule_line,
    show_choice,
    show_screen,
    spoken_time,
    title,
    told_lines,
    when,
)
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

EDIT_TEXT = "calendar.edit"
CLEAR = "clear"  # the value of the button that removes the description


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


async def _series_screen(ctx: Ctx, series: Series, *, edit: bool) -> None:
    lines = [
        ctx.t("cal.title_line", title=title(ctx, series)),
        rule_line(
            ctx, series.weekday, series.start_time, series.duration_minutes, series.interval_weeks
        ),
        ctx.t("cal.place_line", place=series.place),
    ]
    if series.map_url:
        lines.append(ctx.t("cal.map_line", url=series.map_url))
    lines.append(ctx.t("cal.capacity_line", count=series.capacity))
    if series.description:
        lines.append(ctx.t("cal.description_line", text=series.description))
    if series.group_chat_id is not None:
        lines.append(ctx.t("cal.group_line"))
    following = await queries.next_of_series(ctx.session, series_id=series.id, now=ctx.now)
    if following is not None:
        lines.append(ctx.t("cal.next_line", when=when(ctx, following)))
    text = fit(ctx.t("cal.series_screen", details="\n".join(lines)))

    def change(key: str, field: SeriesField) -> tuple[str, str]:
        return (ctx.t(key), EDIT_FIELD.make(series.id, field))

    rows: list[Row] = [
        [
            change(N_("cal.button_edit_title"), SeriesField.TITLE),
            change(N_("cal.button_edit_place"), SeriesField.PLACE),
        ],
        [
            change(N_("cal.button_edit_time"), SeriesField.TIME),
            change(N_("cal.button_edit_duration"), SeriesField.DURATION),
        ],
        [
            change(N_("cal.button_edit_capacity"), SeriesField.CAPACITY),
            change(N_("cal.button_edit_description"), SeriesField.DESCRIPTION),
        ],
        [(ctx.t("cal.button_stop"), STOP_SERIES_ASK.make(series.id))],
        [(ctx.t("cal.button_back"), CALENDAR_MENU.make(MenuAction.HOME))],
    ]
    show_screen(ctx, text, inline(rows), edit=edit)


@with_person(facilitator_only=True)
async def on_series(ctx: Ctx) -> None:
    """The screen of one series."""
    found = await open_series(ctx, SERIES_SCREEN)
    if found is not None:
        await _series_screen(ctx, found[1], edit=True)


# --- changing one field -------------------------------------------------------------


def _question(ctx: Ctx, series: Series, field: SeriesField) -> tuple[str, list[Row]]:
    """The question for a new value, with the current one, and the values offered."""

    def button(label: str, value: object) -> tuple[str, str]:
        return (label, FIELD_CHOICE.make(series.id, field, value))

    match field:
        case SeriesField.TITLE:
            return ctx.t("cal.edit_title", current=title(ctx, series)), []
        case SeriesField.PLACE:
            return ctx.t("cal.edit_place", current=series.place), []
        case SeriesField.TIME:
            return ctx.t("cal.edit_time", current=spoken_time(ctx, series.start_time)), pairs(
                [button(spoken_time(ctx, t), time_value(t)) for t in TIME_CHOICES]
            )
        case SeriesField.DURATION:
            current = duration(ctx, series.duration_minutes)
            return ctx.t("cal.edit_duration", current=current), pairs(
                [button(duration(ctx, m), m) for m in DURATION_CHOICES]
            )
        case SeriesField.CAPACITY:
            return ctx.t("cal.edit_capacity", count=series.capacity), [
                [button(str(n), n) for n in CAPACITY_CHOICES]
            ]
        case SeriesField.DESCRIPTION if series.description:
            return ctx.t("cal.edit_description", current=series.description), [
                [button(ctx.t("cal.button_clear_description"), CLEAR)]
            ]
        case SeriesField.DESCRIPTION:
            return ctx.t("cal.edit_description_empty"), []


def _ask_edit(ctx: Ctx, series: Series, field: SeriesField, error: str | None = None) -> None:
    ctx.expect(EDIT_TEXT)
    text, rows = _question(ctx, series, field)
    if error:
        text = f"{error}\n\n{text}"
    ctx.reply(fit(text), inline([*rows, drop_row(ctx)]))


@with_person(facilitator_only=True)
async def on_edit_start(ctx: Ctx) -> None:
    """✏️ on the series screen: ask for the new value."""
    found = await open_series(ctx, EDIT_FIELD)
    if found is None:
        return
    button, series = found
    field = SeriesField(button.args[1])
    ctx.start_draft(SeriesFieldDraft(series_id=series.id, field=field))
    _ask_edit(ctx, series, field)


def _edit_from_button(field: SeriesField, value: str) -> SeriesEdit | None:
    """The change a tapped value asks for, or None if it is not one that was offered."""
    chosen = number(value)
    match field:
        case SeriesField.TIME:
            moment = time_from_value(value)
            return SeriesEdit(start_time=moment) if moment else None
        case SeriesField.DURATION if chosen in DURATION_CHOICES:
            return SeriesEdit(duration_minutes=chosen)
        case SeriesField.CAPACITY if chosen in CAPACITY_CHOICES:
            return SeriesEdit(capacity=chosen)
        case SeriesField.DESCRIPTION if value == CLEAR:
            return SeriesEdit(description="")
        case _:
            return None


@with_person(facilitator_only=True)
async def on_edit_button(ctx: Ctx) -> None:
    """A new value tapped (time, duration, seats, or removing the description)."""
    button = ctx.button(FIELD_CHOICE)
    draft = ctx.draft(SeriesFieldDraft)
    if (
        button is None
        or draft is None
        or draft.series_id != button.int_arg(0)
        or draft.field != button.args[1]
    ):
        ctx.stale()
        return
    change = _edit_from_button(draft.field, button.args[2])
    if change is None:
        ctx.stale()
        return
    show_choice(ctx, _tapped_label(ctx))
    await _apply_edit(ctx, draft.series_id, change)


def _edit_from_text(ctx: Ctx, field: SeriesField, text: str) -> SeriesEdit | str:
    """The change a typed text asks for, or the problem in words."""
    match field:
        case SeriesField.TITLE:
            name = clean(text, calendar.MAX_TITLE)
            if name is None:
                return ctx.t("cal.bad_title", limit=calendar.MAX_TITLE)
            key = title_key_for(name, ctx.rt.translator, ctx.lang)
            return SeriesEdit(title=name, title_key=key)
        case SeriesField.PLACE:
            place = clean(text, calendar.MAX_PLACE)
            if place is None:
                return ctx.t("cal.bad_place", limit=calendar.MAX_PLACE)
            return SeriesEdit(place=place)
        case SeriesField.TIME:
            moment = parse_time(text)
            return ctx.t("cal.bad_time") if moment is None else SeriesEdit(start_time=moment)
        case SeriesField.DURATION:
            minutes = parse_duration_minutes(text)
            if minutes is None:
                return ctx.t("cal.bad_duration")
            return SeriesEdit(duration_minutes=minutes)
        case SeriesField.CAPACITY:
            capacity = read_capacity(text)
            if capacity is None:
                return ctx.t("cal.bad_capacity", limit=calendar.MAX_CAPACITY)
            return SeriesEdit(capacity=capacity)
        case SeriesField.DESCRIPTION:
            description = clean(text, calendar.MAX_DESCRIPTION)
            if description is None:
                return ctx.t("cal.bad_description", limit=calendar.MAX_DESCRIPTION)
            return SeriesEdit(description=description)


async def on_edit_text(ctx: Ctx, text: str) -> None:
    """A typed new value for the series field being changed."""
    draft = ctx.draft(SeriesFieldDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    result = _edit_from_text(ctx, draft.field, text)
    if isinstance(result, str):
        series = await live_series(ctx, draft.series_id)
        if series is None:
            ctx.clear()
            return
        _ask_edit(ctx, series, draft.field, result)
        return
    await _apply_edit(ctx, draft.series_id, result)


async def _apply_edit(ctx: Ctx, series_id: int, change: SeriesEdit) -> None:
    """Change the series and its future sessions; a new time or place asks whom to tell."""
    ctx.clear()
    series = await live_series(ctx, series_id)
    if series is None:
        return
    if change.same_as(series):
        ctx.reply(ctx.t("cal.edit_same"))
        await _series_screen(ctx, series, edit=False)
        return
    if change.told(series):
        ctx.start_draft(SeriesNoticeDraft(series_id=series.id, edit=change))
        await _ask_whom(ctx, series, change)
        return
    await _save_edit(ctx, series, change, NoticeAudience.ANSWERED)


async def _ask_whom(ctx: Ctx, series: Series, change: SeriesEdit) -> None:
    """A new time or place: whom to tell? (each button makes the change)"""
    counts = await calendar.notice_counts(
        ctx.session, by=ctx.person, now=ctx.now, series_id=series.id
    )
    if change.start_time is not None:
        lines = [ctx.t("cal.edit_notice_time", time=spoken_time(ctx, change.start_time))]
    else:
        lines = [ctx.t("cal.edit_notice_place", place=change.place or "")]
    if series.group_chat_id is not None:
        lines.append(ctx.t("cal.group_will_know"))
    lines.append(ctx.t("cal.ask_whom"))
    rows = notify_rows(ctx, counts, lambda notify: SERIES_NOTICE.make(series.id, notify))
    ctx.reply("\n".join(lines), inline([*rows, drop_row(ctx)]))


@with_person(facilitator_only=True)
async def on_notice(ctx: Ctx) -> None:
    """📢 / 👥 after a new time or place: make the change, and tell the people chosen."""
    button = ctx.button(SERIES_NOTICE)
    draft = ctx.draft(SeriesNoticeDraft)
    if button is None or draft is None or draft.series_id != button.int_arg(0):
        ctx.stale()
        return
    ctx.clear()  # taken before any await: a second tap finds no draft
    ctx.remove_buttons()
    series = await live_series(ctx, draft.series_id)
    if series is not None:
        await _save_edit(ctx, series, draft.edit, Notify(button.args[1]).audience)


async def _save_edit(
    ctx: Ctx, series: Series, change: SeriesEdit, audience: NoticeAudience
) -> None:
    """Change the series and its future sessions, then say whom the change reached."""
    s = ctx.rt.settings
    told = change.told(series)  # read before the change: `series` is changed in place
    try:
        done = await calendar.update_series(
            ctx.session,
            series_id=series.id,
            by=ctx.person,
            now=ctx.now,
            tz=s.tz,
            translator=ctx.rt.translator,
            group_language=s.default_language,
            title=change.title,
            title_key=change.title_key,
            place=change.place,
            description=change.description,
            start_time=change.start_time,
            duration_minutes=change.duration_minutes,
            capacity=change.capacity,
            audience=audience,
        )
    except CalendarError as exc:
        refuse(ctx, error_text(ctx, exc.code))
        return
    lines = [ctx.t("cal.edit_done")]
    if done.moved:
        lines.append(ctx.t("cal.edit_moved", count=len(done.moved)))
    if told or done.moved:
        offline = await queries.offline_answered(ctx.session, now=ctx.now, series_id=series.id)
        lines.append(told_lines(ctx, done.told, offline, group=series.group_chat_id is not None))
    if done.demoted:
        lines.append(ctx.t("cal.edit_demoted", count=done.demoted))
    if done.promoted:
        lines.append(ctx.t("cal.edit_promoted", count=done.promoted))
    ctx.reply("\n".join(lines))
    await _series_screen(ctx, done.series, edit=False)


# --- stopping it --------------------------------------------------------------------


@with_person(facilitator_only=True)
async def on_stop_ask(ctx: Ctx) -> None:
    """⏹️ Arrêter la série: say what it would cancel, and ask whom to tell."""
    found = await open_series(ctx, STOP_SERIES_ASK)
    if found is None:
        return
    series = found[1]
    count = await queries.future_count(ctx.session, series_id=series.id, now=ctx.now)
    counts = await calendar.notice_counts(
        ctx.session, by=ctx.person, now=ctx.now, series_id=series.id
    )
    lines = [
        ctx.t("cal.stop_confirm", title=title(ctx, series)),
        ctx.t("cal.stop_count", count=count),
    ]
    if series.group_chat_id is not None:
        lines.append(ctx.t("cal.group_will_know"))
    lines.append(ctx.t("cal.stop_whom"))
    rows = notify_rows(ctx, counts, lambda notify: STOP_SERIES.make(series.id, notify))
    ctx.edit(
        "\n".join(lines),
        inline([*rows, [(ctx.t("cal.button_stop_no"), SERIES_SCREEN.make(series.id))]]),
    )


@with_person(facilitator_only=True)
async def on_stop(ctx: Ctx) -> None:
    """Stop confirmed: future sessions are cancelled and the people chosen told."""
    found = await open_series(ctx, STOP_SERIES)
    if found is None:
        return
    button, series = found
    s = ctx.rt.settings
    try:
        stopped = await calendar.end_series(
            ctx.session,
            series_id=series.id,
            by=ctx.person,
            now=ctx.now,
            tz=s.tz,
            translator=ctx.rt.translator,
            group_language=s.default_language,
            audience=Notify(button.args[1]).audience,
        )
    except CalendarError:
        refuse(ctx, ctx.t("cal.series_gone"))
        return
    offline = await queries.offline_answered(ctx.session, now=ctx.now, series_id=series.id)
    ctx.answer(ctx.t("cal.stopped_toast"))
    lines = [
        ctx.t("cal.stopped", title=title(ctx, series)),
        ctx.t("cal.stopped_sessions", count=len(stopped.cancelled)),
        told_lines(ctx, stopped.told, offline, group=series.group_chat_id is not None),
    ]
    ctx.edit("\n".join(lines))
    await home(ctx, edit=False)
