"""Facilitators' calendar: series, one-off sessions, who comes, cancel, move, attendance.

Everything here is for facilitators. A new series or session is a draft in user_data
until "Créer"; nothing is written before. Buttons carry ids that are looked up again
(the data can be forged or old), and the buttons that act on a session also carry its
start time in minutes, so a session moved since the button was shown is not cancelled
or moved by mistake. Whoever answered yes or maybe is told of a change through the
outbox, in the same transaction as the change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from babel.dates import get_day_names
from telegram import InlineKeyboardMarkup, Message
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import Answer, Occurrence, OccurrenceStatus, Series
from bot.services import calendar, notices, outbox, rsvp, session_texts
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError, Change, SeriesInput
from bot.services.timeparse import (
    parse_date,
    parse_datetime,
    parse_duration_minutes,
    parse_time,
)
from handlers import router
from handlers.commands import CommandSpec, add_command
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline
from handlers.menu import register_action
from handlers.onboarding import show_menu

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

QUICK_TITLES = (
    N_("cal.quick_art"),
    N_("cal.quick_dance"),
    N_("cal.quick_relax"),
    N_("cal.quick_writing"),
    N_("cal.quick_theatre"),
)
# The emoji goes on the button only: the reason itself is what participants read.
QUICK_REASONS = (
    ("🤒", N_("cal.reason_sick")),
    ("🚪", N_("cal.reason_room")),
    ("🌧️", N_("cal.reason_weather")),
)
TIME_CHOICES = (time(10), time(14), time(14, 30), time(18))
DURATION_CHOICES = (60, 90, 120, 180)
CAPACITY_CHOICES = (10, 15, 20, 25)
FIRST_DATE_CHOICES = 3
UPCOMING_LIMIT = 5
RECENT_LIMIT = 5
# Telegram takes at most 100 buttons a keyboard; anyone beyond is reached by the picker.
MAX_LISTED = 80
BUTTON_CHARS = 40
MAX_URL = 500

SERIES_STEPS = ("ti", "wd", "tm", "du", "fq", "pl", "mp", "cp", "de", "fd", "en", "ok")
ONE_OFF_STEPS = ("ti", "wh", "du", "pl", "cp", "ok")
ANSWERS = {"y": Answer.YES, "m": Answer.MAYBE, "n": Answer.NO}

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


def _weekday_label(ctx: Ctx, weekday: int) -> str:
    name = _weekday(ctx, weekday)
    return name[:1].upper() + name[1:]


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def _duration(ctx: Ctx, minutes: int) -> str:
    return session_texts.duration(ctx.rt.translator, ctx.lang, minutes)


def _today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.rt.settings.tz).date()


def _fmt_date(ctx: Ctx, day: date) -> str:
    tz = ctx.rt.settings.tz
    return ctx.rt.translator.format_date(datetime.combine(day, time(12), tzinfo=tz), ctx.lang, tz)


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


def _read_url(text: str) -> str | None:
    text = text.strip()
    if len(text) > MAX_URL or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else None


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


def _drop_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_drop"), cb.make("cax", "d"))]


def _keep_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_keep"), cb.make("cax", "k"))]


def _rule_line(ctx: Ctx, weekday: int, start: time, minutes: int, interval: int) -> str:
    day, at, length = _weekday(ctx, weekday), _hhmm(start), _duration(ctx, minutes)
    if interval == 2:
        return ctx.t("cal.rule_every_other", weekday=day, time=at, duration=length)
    return ctx.t("cal.rule_every", weekday=day, time=at, duration=length)


def _when(ctx: Ctx, occurrence: Occurrence) -> str:
    return ctx.fmt_datetime(occurrence.starts_at)


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


# --- entry: the calendar menu -------------------------------------------------------


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
    if edit:
        ctx.edit(text, inline(rows))
    else:
        ctx.reply(text, inline(rows))


async def show_home(ctx: Ctx) -> None:
    """🗓️ Calendrier: new series or session, the series, next sessions, attendance."""
    await _home(ctx, edit=False)


@with_person(facilitator_only=True)
async def command(ctx: Ctx) -> None:
    """/calendrier (/calendar): the facilitators' calendar."""
    await _home(ctx, edit=False)


@with_person(facilitator_only=True)
async def on_menu(ctx: Ctx) -> None:
    """A button of the calendar menu."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    action = parsed.args[0]
    if action == "home":
        await _home(ctx, edit=True)
    elif action == "new":
        await _start_wizard(ctx, "series")
    elif action == "one":
        await _start_wizard(ctx, "one")
    elif action == "next":
        await _upcoming(ctx)
    else:
        await _recent(ctx, edit=True)


@with_person(facilitator_only=True)
async def on_leave(ctx: Ctx) -> None:
    """❌ Annuler (drop the draft) or ↩️ keep the session: nothing changes."""
    parsed = _parsed(ctx)
    had = any(_draft(ctx, key) is not None for key in (DRAFT, EDIT, OCC))
    router.clear(ctx)
    ctx.remove_buttons()
    if parsed is not None and parsed.args[0] == "k":
        ctx.reply(ctx.t("cal.kept"))
        return
    show_menu(ctx, N_("cancel.done") if had else N_("cancel.nothing"))


# --- new series / one-off session: the wizard ---------------------------------------


def _steps(draft: dict[str, Any]) -> tuple[str, ...]:
    return SERIES_STEPS if draft["kind"] == "series" else ONE_OFF_STEPS


async def _start_wizard(ctx: Ctx, kind: str) -> None:
    router.clear(ctx)
    draft: dict[str, Any] = {
        "kind": kind,
        "key": secrets.token_urlsafe(6),
        "step": "ti",
        "places": await queries.recent_places(ctx.session),
    }
    _data(ctx)[DRAFT] = draft
    _ask(ctx, draft)


def _first_dates(ctx: Ctx, weekday: int, start: time) -> list[date]:
    """The next dates on the series' weekday; today only if its time is still ahead."""
    local_now = ctx.now.astimezone(ctx.rt.settings.tz)
    day = local_now.date() + timedelta(days=(weekday - local_now.weekday()) % 7)
    if day == local_now.date() and local_now.time() >= start:
        day += timedelta(weeks=1)
    return [day + timedelta(weeks=i) for i in range(FIRST_DATE_CHOICES)]


def _draft_time(draft: dict[str, Any]) -> time:
    return time.fromisoformat(draft["time"])


def _summary(ctx: Ctx, draft: dict[str, Any]) -> str:
    lines = [ctx.t("sessions.title", title=draft["title"])]
    if draft["kind"] == "series":
        lines.append(
            _rule_line(
                ctx, draft["weekday"], _draft_time(draft), draft["duration"], draft["interval"]
            )
        )
    else:
        lines.append(
            ctx.t(
                "sessions.when",
                when=ctx.fmt_datetime(datetime.fromisoformat(draft["starts_at"])),
                duration=_duration(ctx, draft["duration"]),
            )
        )
    lines.append(ctx.t("sessions.place", place=draft["place"]))
    if draft.get("map_url"):
        lines.append(ctx.t("sessions.map", url=draft["map_url"]))
    lines.append(ctx.t("cal.capacity_line", capacity=draft["capacity"]))
    if draft.get("description"):
        lines.append(ctx.t("sessions.description", text=draft["description"]))
    if draft["kind"] == "series":
        lines.append(
            ctx.t("cal.first_line", date=_fmt_date(ctx, date.fromisoformat(draft["first_date"])))
        )
        if draft.get("until"):
            lines.append(
                ctx.t("cal.until_line", date=_fmt_date(ctx, date.fromisoformat(draft["until"])))
            )
        else:
            lines.append(ctx.t("cal.no_end_line"))
    return ctx.t("cal.summary", details="\n".join(lines))


def _question(ctx: Ctx, draft: dict[str, Any]) -> tuple[str, list[Row]]:
    """The text and buttons of the draft's current step."""
    step = draft["step"]

    def button(label: str, value: object) -> tuple[str, str]:
        return (label, cb.make("caw", step, value))

    if step == "ti":
        titles = [button(ctx.t(key), i) for i, key in enumerate(QUICK_TITLES)]
        if draft["kind"] == "series":
            return ctx.t("cal.ask_title"), _pairs(titles)
        return ctx.t("cal.ask_title_one"), _pairs(titles)
    if step == "wd":
        return ctx.t("cal.ask_weekday"), _pairs(
            [button(_weekday_label(ctx, day), day) for day in range(7)]
        )
    if step == "tm":
        return ctx.t("cal.ask_time"), _pairs(
            [button(_hhmm(t), t.strftime("%H%M")) for t in TIME_CHOICES]
        )
    if step == "du":
        return ctx.t("cal.ask_duration"), _pairs(
            [button(_duration(ctx, m), m) for m in DURATION_CHOICES]
        )
    if step == "fq":
        return ctx.t("cal.ask_frequency"), [
            [button(ctx.t("cal.button_every_week"), 1)],
            [button(ctx.t("cal.button_every_other_week"), 2)],
        ]
    if step == "pl":
        places = [[button(_short(p), i)] for i, p in enumerate(draft["places"])]
        return ctx.t("cal.ask_place"), places
    if step == "mp":
        return ctx.t("cal.ask_map"), [[button(ctx.t("cal.button_skip"), "skip")]]
    if step == "cp":
        return ctx.t("cal.ask_capacity"), [[button(str(n), n) for n in CAPACITY_CHOICES]]
    if step == "de":
        return ctx.t("cal.ask_description"), [[button(ctx.t("cal.button_skip"), "skip")]]
    if step == "fd":
        days = _first_dates(ctx, draft["weekday"], _draft_time(draft))
        rows = [[button(_fmt_date(ctx, d), d.strftime("%Y%m%d"))] for d in days]
        return ctx.t("cal.ask_first_date", weekday=_weekday(ctx, draft["weekday"])), rows
    if step == "en":
        first = _fmt_date(ctx, date.fromisoformat(draft["first_date"]))
        return ctx.t("cal.ask_end", first=first), [[button(ctx.t("cal.button_no_end"), "none")]]
    if step == "wh":
        return ctx.t("cal.ask_when"), []
    return _summary(ctx, draft), [[button(ctx.t("cal.button_create"), draft["key"])]]


def _ask(ctx: Ctx, draft: dict[str, Any], error: str | None = None) -> None:
    """Ask the current step again or for the first time; typing is always listened to."""
    router.expect(ctx, WIZARD_TEXT)
    text, rows = _question(ctx, draft)
    if error:
        text = f"{error}\n\n{text}"
    ctx.reply(text, inline([*rows, _drop_row(ctx)]))


def _advance(ctx: Ctx, draft: dict[str, Any]) -> None:
    steps = _steps(draft)
    if draft.pop("resume", False):
        draft["step"] = "ok"  # only the time had to be given again: back to the summary
    else:
        draft["step"] = steps[steps.index(draft["step"]) + 1]
    _ask(ctx, draft)


def _first_date_error(ctx: Ctx, draft: dict[str, Any], day: date) -> str | None:
    local_now = ctx.now.astimezone(ctx.rt.settings.tz)
    # Today whose start time went by would quietly start the series a week later.
    if day < local_now.date() or (
        day == local_now.date() and local_now.time() >= _draft_time(draft)
    ):
        return ctx.t("cal.past_date", date=_fmt_date(ctx, day))
    if day.weekday() != draft["weekday"]:
        return ctx.t(
            "cal.wrong_weekday",
            date=_fmt_date(ctx, day),
            weekday=_weekday(ctx, draft["weekday"]),
        )
    return None


def _choose(ctx: Ctx, draft: dict[str, Any], step: str, value: str) -> str | None:
    """Take a tapped choice into the draft; its label, or None if the button is not valid."""
    number = int(value) if value.isascii() and value.isdigit() else -1
    if step == "ti" and 0 <= number < len(QUICK_TITLES):
        draft["title"] = ctx.t(QUICK_TITLES[number])
        return str(draft["title"])
    if step == "wd" and 0 <= number <= 6:
        draft["weekday"] = number
        return _weekday_label(ctx, number)
    if step == "tm":
        chosen = next((t for t in TIME_CHOICES if t.strftime("%H%M") == value), None)
        if chosen is not None:
            draft["time"] = chosen.isoformat()
            return _hhmm(chosen)
    if step == "du" and number in DURATION_CHOICES:
        draft["duration"] = number
        return _duration(ctx, number)
    if step == "fq" and number in (1, 2):
        draft["interval"] = number
        if number == 2:
            return ctx.t("cal.button_every_other_week")
        return ctx.t("cal.button_every_week")
    if step == "pl" and 0 <= number < len(draft["places"]):
        draft["place"] = draft["places"][number]
        return str(draft["place"])
    if step in ("mp", "de") and value == "skip":
        draft["map_url" if step == "mp" else "description"] = None
        return ctx.t("cal.button_skip")
    if step == "cp" and number in CAPACITY_CHOICES:
        draft["capacity"] = number
        return str(number)
    if step == "fd" and len(value) == 8:
        try:
            day = datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            return None
        if _first_date_error(ctx, draft, day) is None:
            draft["first_date"] = day.isoformat()
            return _fmt_date(ctx, day)
    if step == "en" and value == "none":
        draft["until"] = None
        return ctx.t("cal.button_no_end")
    return None


def _type_in(ctx: Ctx, draft: dict[str, Any], step: str, text: str) -> str | None:
    """Take a typed answer into the draft; the problem in words, or None when taken."""
    if step == "ti":
        title = _clean(text, calendar.MAX_TITLE)
        if title is None:
            return ctx.t("cal.bad_title", limit=calendar.MAX_TITLE)
        draft["title"] = title
    elif step == "tm":
        moment = parse_time(text)
        if moment is None:
            return ctx.t("cal.bad_time")
        draft["time"] = moment.isoformat()
    elif step == "du":
        minutes = parse_duration_minutes(text)
        if minutes is None:
            return ctx.t("cal.bad_duration")
        draft["duration"] = minutes
    elif step == "pl":
        place = _clean(text, calendar.MAX_PLACE)
        if place is None:
            return ctx.t("cal.bad_place", limit=calendar.MAX_PLACE)
        draft["place"] = place
    elif step == "mp":
        url = _read_url(text)
        if url is None:
            return ctx.t("cal.bad_map")
        draft["map_url"] = url
    elif step == "cp":
        capacity = _read_capacity(text)
        if capacity is None:
            return ctx.t("cal.bad_capacity", limit=calendar.MAX_CAPACITY)
        draft["capacity"] = capacity
    elif step == "de":
        description = _clean(text, calendar.MAX_DESCRIPTION)
        if description is None:
            return ctx.t("cal.bad_description", limit=calendar.MAX_DESCRIPTION)
        draft["description"] = description
    elif step == "fd":
        day = parse_date(text, today=_today(ctx), lang=ctx.lang)
        if day is None:
            return ctx.t("cal.bad_date")
        problem = _first_date_error(ctx, draft, day)
        if problem:
            return problem
        draft["first_date"] = day.isoformat()
    elif step == "en":
        day = parse_date(text, today=_today(ctx), lang=ctx.lang)
        if day is None:
            return ctx.t("cal.bad_date")
        first = date.fromisoformat(draft["first_date"])
        if day < first:
            return ctx.t(
                "cal.end_before_first", end=_fmt_date(ctx, day), first=_fmt_date(ctx, first)
            )
        draft["until"] = day.isoformat()
    elif step == "wh":
        moment_at = parse_datetime(text, now=ctx.now, tz=ctx.rt.settings.timezone, lang=ctx.lang)
        if moment_at is None:
            return ctx.t("cal.bad_when")
        if moment_at <= ctx.now:
            return ctx.t("cal.past_when", when=ctx.fmt_datetime(moment_at))
        draft["starts_at"] = moment_at.isoformat()
    else:
        # Weekday, frequency and the summary are buttons only.
        return ctx.t("cal.use_buttons")
    return None


@with_person(facilitator_only=True)
async def on_wizard_button(ctx: Ctx) -> None:
    """A choice tapped in the wizard (only the current step's buttons count)."""
    parsed = _parsed(ctx)
    draft = _draft(ctx, DRAFT)
    if parsed is None or draft is None or draft.get("step") != parsed.args[0]:
        _stale(ctx)
        return
    step, value = parsed.args
    if step == "ok":
        await _create(ctx, draft, value)
        return
    label = _choose(ctx, draft, step, value)
    if label is None:
        _stale(ctx)
        return
    _show_choice(ctx, label)
    _advance(ctx, draft)


async def on_wizard_text(ctx: Ctx, text: str) -> None:
    """A typed answer to the wizard's current step."""
    draft = _draft(ctx, DRAFT)
    if draft is None or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    problem = _type_in(ctx, draft, draft["step"], text.strip())
    if problem:
        _ask(ctx, draft, problem)
        return
    _advance(ctx, draft)


async def _create(ctx: Ctx, draft: dict[str, Any], key: str) -> None:
    if draft.get("key") != key:
        _stale(ctx)
        return
    data = _data(ctx)
    # Taken before any await: a second tap on "Créer" finds no draft.
    data.pop(DRAFT, None)
    router.clear(ctx)
    s = ctx.rt.settings
    try:
        if draft["kind"] == "series":
            series = await calendar.create_series(
                ctx.session,
                data=SeriesInput(
                    title=draft["title"],
                    place=draft["place"],
                    weekday=draft["weekday"],
                    start_time=_draft_time(draft),
                    duration_minutes=draft["duration"],
                    first_date=date.fromisoformat(draft["first_date"]),
                    interval_weeks=draft["interval"],
                    until=date.fromisoformat(draft["until"]) if draft.get("until") else None,
                    capacity=draft["capacity"],
                    description=draft.get("description"),
                    map_url=draft.get("map_url"),
                ),
                creator=ctx.person,
                now=ctx.now,
                tz=s.timezone,
            )
            count = await queries.future_count(ctx.session, series_id=series.id, now=ctx.now)
            done = ctx.t("cal.series_created", count=count)
        else:
            occurrence = await calendar.create_one_off(
                ctx.session,
                creator=ctx.person,
                title=draft["title"],
                place=draft["place"],
                starts_at=datetime.fromisoformat(draft["starts_at"]),
                duration_minutes=draft["duration"],
                now=ctx.now,
                tz=s.timezone,
                capacity=draft["capacity"],
            )
            done = ctx.t("cal.one_off_created", when=_when(ctx, occurrence))
    except CalendarError as exc:
        data[DRAFT] = draft
        if exc.code == "past":
            # The time went by while the facilitator was filling in the rest.
            draft.update(step="wh", resume=True)
            ctx.remove_buttons()
            _ask(ctx, draft, ctx.t("cal.past_when_confirm"))
            return
        router.expect(ctx, WIZARD_TEXT)
        ctx.answer(_error_text(ctx, exc.code), alert=True)
        return
    except BaseException:
        data[DRAFT] = draft  # nothing was saved: keep the draft for another try
        raise
    ctx.answer(ctx.t("cal.created_toast"))
    ctx.remove_buttons()
    ctx.reply(done)
    await _home(ctx, edit=False)


# --- a series: look, change, stop ---------------------------------------------------


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
    if edit:
        ctx.edit(text, inline(rows))
    else:
        ctx.reply(text, inline(rows))


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
        rows = _pairs([button(_hhmm(t), t.strftime("%H%M")) for t in TIME_CHOICES])
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
        chosen = next((t for t in TIME_CHOICES if t.strftime("%H%M") == value), None)
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


# --- upcoming sessions: cards, who comes, answering for someone ---------------------


def _card_buttons(ctx: Ctx, occurrence: Occurrence) -> InlineKeyboardMarkup:
    stamp = _stamp(occurrence)
    return inline(
        [
            [(ctx.t("cal.button_who"), cb.make("cao", occurrence.id, "w", stamp))],
            [
                (ctx.t("cal.button_cancel_session"), cb.make("cao", occurrence.id, "c", stamp)),
                (ctx.t("cal.button_move"), cb.make("cao", occurrence.id, "m", stamp)),
            ],
        ]
    )


async def _upcoming(ctx: Ctx) -> None:
    found = await calendar.upcoming(ctx.session, now=ctx.now, limit=UPCOMING_LIMIT)
    if not found:
        ctx.reply(ctx.t("cal.upcoming_none"))
        return
    seats = await rsvp.seats_many(ctx.session, found)
    ctx.reply(ctx.t("cal.upcoming_intro"))
    tz = ctx.rt.settings.tz
    for occurrence in found:
        counts = seats[occurrence.id]
        text = session_texts.card(
            ctx.rt.translator, ctx.lang, tz, occurrence, counts, show_mine=False
        )
        text += "\n" + ctx.t("cal.card_counts", maybe=counts.maybe, no=counts.no)
        ctx.reply(_fit(text), _card_buttons(ctx, occurrence))


async def _open_occurrence(ctx: Ctx, occurrence_id: int, stamp: int | None) -> Occurrence | None:
    """The session if it can still be changed; otherwise say why and return None."""
    occurrence = await queries.occurrence(ctx.session, occurrence_id)
    if occurrence is None:
        _refuse(ctx, ctx.t("cal.occ_unknown"))
    elif occurrence.status == OccurrenceStatus.CANCELLED:
        _refuse(ctx, ctx.t("cal.occ_cancelled"))
    elif occurrence.starts_at <= ctx.now:
        _refuse(ctx, ctx.t("cal.occ_started"))
    elif stamp is not None and _stamp(occurrence) != stamp:
        _refuse(ctx, ctx.t("cal.occ_moved", when=_when(ctx, occurrence)))
    else:
        return occurrence
    return None


async def _who_view(ctx: Ctx, occurrence: Occurrence) -> tuple[str, InlineKeyboardMarkup | None]:
    """Names for the facilitator: confirmed (+1), the line in order, maybe, how many no."""
    people = await rsvp.attendees(ctx.session, occurrence.id)
    seats = await rsvp.seats(ctx.session, occurrence)
    yes = [a for a in people if a.answer == Answer.YES]
    confirmed = [a for a in yes if not a.waitlisted]
    line = [a for a in yes if a.waitlisted]
    maybe = [a for a in people if a.answer == Answer.MAYBE]
    said_no = sum(1 for a in people if a.answer == Answer.NO)

    def name(a: rsvp.Attendee) -> str:
        return a.name + (" +1" if a.plus_one else "") + (" ✍️" if a.on_behalf else "")

    lines = [ctx.t("cal.who_title", title=occurrence.title, when=_when(ctx, occurrence))]
    if not people:
        lines.append(ctx.t("cal.who_nobody"))
    if confirmed:
        lines.append(ctx.t("cal.who_confirmed", taken=seats.taken, capacity=seats.capacity))
        lines += [f"• {name(a)}" for a in confirmed]
    if line:
        lines.append(ctx.t("cal.who_waiting"))
        lines += [f"{i}. {name(a)}" for i, a in enumerate(line, start=1)]
    if maybe:
        lines.append(ctx.t("cal.who_maybe"))
        lines += [f"• {name(a)}" for a in maybe]
    if said_no:
        lines.append(ctx.t("cal.who_no", count=said_no))
    if any(a.on_behalf for a in people):
        lines.append(ctx.t("cal.who_legend"))
    if occurrence.starts_at <= ctx.now:
        lines.append(ctx.t("cal.who_started"))
        return _fit("\n".join(lines)), None
    return _fit("\n".join(lines)), inline(
        [[(ctx.t("cal.button_answer_for"), cb.make("cap", occurrence.id, "r", 0))]]
    )


@with_person(facilitator_only=True)
async def on_occurrence(ctx: Ctx) -> None:
    """The buttons of a session card: who comes, cancel, move."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence_id, action, stamp = parsed.int_arg(0), parsed.args[1], parsed.int_arg(2)
    if action in ("w", "l"):
        # Looking is harmless: a moved or started session still shows its list.
        occurrence = await queries.occurrence(ctx.session, occurrence_id)
        if occurrence is None:
            _refuse(ctx, ctx.t("cal.occ_unknown"))
            return
        if occurrence.status == OccurrenceStatus.CANCELLED:
            _refuse(ctx, ctx.t("cal.occ_cancelled"))
            return
        text, markup = await _who_view(ctx, occurrence)
        if action == "w":
            ctx.reply(text, markup)
        else:
            ctx.edit(text, markup)
        return
    found = await _open_occurrence(ctx, occurrence_id, stamp)
    if found is None:
        return
    if action == "c":
        _ask_reason(ctx, found)
    else:
        _ask_move(ctx, found)


async def _picker(ctx: Ctx, occurrence: Occurrence, mode: str, page_number: int) -> None:
    """Everyone who agreed to the privacy notice, by name, ten a page."""
    page = await queries.people_page(ctx.session, page=page_number)
    present: set[int] = set()
    if mode == "a":
        present = {
            a.person_id for a in await rsvp.attendees(ctx.session, occurrence.id) if a.present
        }
        target = "cai"
        text = ctx.t("cal.pick_present", page=page.page + 1, pages=page.pages)
        back = (ctx.t("cal.button_back"), cb.make("cat", occurrence.id))
    else:
        target = "cab"
        text = ctx.t("cal.pick_answer", page=page.page + 1, pages=page.pages)
        back = (ctx.t("cal.button_back"), cb.make("cao", occurrence.id, "l", _stamp(occurrence)))
    names = [
        (("✅ " if p.id in present else "") + _short(p.name), cb.make(target, occurrence.id, p.id))
        for p in page.people
    ]
    rows = _pairs(names)
    nav: Row = []
    if page.has_previous:
        nav.append(("◀️", cb.make("cap", occurrence.id, mode, page.page - 1)))
    if page.has_next:
        nav.append(("▶️", cb.make("cap", occurrence.id, mode, page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([back])
    ctx.edit(text, inline(rows))


@with_person(facilitator_only=True)
async def on_picker(ctx: Ctx) -> None:
    """✍️ Répondre pour quelqu'un / 👤 Autre personne: a page of names."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence_id, mode, page = parsed.int_arg(0), parsed.args[1], parsed.int_arg(2)
    if mode == "a":
        occurrence = await _started_occurrence(ctx, occurrence_id)
    else:
        occurrence = await _open_occurrence(ctx, occurrence_id, None)
    if occurrence is not None:
        await _picker(ctx, occurrence, mode, page)


def _answer_line(ctx: Ctx, mine: rsvp.MyAnswer) -> str:
    if mine.answer == Answer.YES and mine.position is not None:
        return ctx.t("cal.current_waiting", position=mine.position)
    if mine.answer == Answer.YES and mine.plus_one:
        return ctx.t("cal.current_yes_plus")
    if mine.answer == Answer.YES:
        return ctx.t("cal.current_yes")
    if mine.answer == Answer.MAYBE:
        return ctx.t("cal.current_maybe")
    if mine.answer == Answer.NO:
        return ctx.t("cal.current_no")
    return ctx.t("cal.current_none")


@with_person(facilitator_only=True)
async def on_answer_for(ctx: Ctx) -> None:
    """A name was chosen: show their answer and the three answer buttons."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence = await _open_occurrence(ctx, parsed.int_arg(0), None)
    if occurrence is None:
        return
    person = await queries.consented_person(ctx.session, parsed.int_arg(1))
    if person is None:
        _refuse(ctx, ctx.t("cal.person_unknown"))
        return
    answers = await rsvp.my_answers(ctx.session, person_id=person.id, occurrences=[occurrence])
    mine = answers[occurrence.id]
    text = ctx.t(
        "cal.answer_for",
        name=person.display_name,
        title=occurrence.title,
        when=_when(ctx, occurrence),
        current=_answer_line(ctx, mine),
    )

    def answer(key: str, code: str) -> tuple[str, str]:
        return (ctx.t(key), cb.make("caa", occurrence.id, person.id, code))

    ctx.edit(
        text,
        inline(
            [
                [answer(N_("sessions.button_yes"), "y")],
                [answer(N_("sessions.button_maybe"), "m"), answer(N_("sessions.button_no"), "n")],
                [(ctx.t("cal.button_back"), cb.make("cap", occurrence.id, "r", 0))],
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_answer(ctx: Ctx) -> None:
    """Record an answer on someone's behalf (they are told only if a seat moves)."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence = await _open_occurrence(ctx, parsed.int_arg(0), None)
    if occurrence is None:
        return
    person = await queries.consented_person(ctx.session, parsed.int_arg(1))
    if person is None:
        _refuse(ctx, ctx.t("cal.person_unknown"))
        return
    try:
        outcome = await rsvp.respond(
            ctx.session,
            occurrence_id=occurrence.id,
            person=person,
            answer=ANSWERS[parsed.args[2]],
            now=ctx.now,
            by=ctx.person,
        )
    except rsvp.SessionClosed:
        _refuse(ctx, ctx.t("cal.occ_started"))
        return
    await _notify_moves(ctx, occurrence.id, outcome.moved)
    if outcome.waitlisted:
        ctx.answer(
            ctx.t("cal.answered_waiting", name=person.display_name, position=outcome.position)
        )
    else:
        ctx.answer(ctx.t("cal.answered", name=person.display_name))
    text, markup = await _who_view(ctx, occurrence)
    ctx.edit(text, markup)


# --- cancel or move one session -----------------------------------------------------


def _ask_reason(ctx: Ctx, occurrence: Occurrence) -> None:
    router.clear(ctx)
    _data(ctx)[OCC] = {"occ": occurrence.id, "stamp": _stamp(occurrence), "action": "c"}
    router.expect(ctx, REASON_TEXT)
    rows = [
        [(f"{emoji} {ctx.t(key)}", cb.make("cac", occurrence.id, i))]
        for i, (emoji, key) in enumerate(QUICK_REASONS)
    ]
    ctx.reply(
        ctx.t("cal.ask_reason", title=occurrence.title, when=_when(ctx, occurrence)),
        inline([*rows, _keep_row(ctx)]),
    )


def _occ_draft(ctx: Ctx, occurrence_id: int, action: str) -> dict[str, Any] | None:
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("occ") != occurrence_id or draft.get("action") != action:
        return None
    return draft


async def _told_count(ctx: Ctx, occurrence: Occurrence) -> int:
    seats = await rsvp.seats(ctx.session, occurrence)
    return seats.yes + seats.waiting + seats.maybe


async def _confirm_cancel(
    ctx: Ctx, occurrence: Occurrence, draft: dict[str, Any], reason: str
) -> None:
    draft["reason"] = reason
    router.stop_expecting(ctx)
    ctx.reply(
        ctx.t(
            "cal.confirm_cancel",
            title=occurrence.title,
            when=_when(ctx, occurrence),
            reason=reason,
            count=await _told_count(ctx, occurrence),
        ),
        inline(
            [
                [
                    (
                        ctx.t("cal.button_confirm_cancel"),
                        cb.make("cak", occurrence.id, "c", draft["stamp"]),
                    )
                ],
                _keep_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_quick_reason(ctx: Ctx) -> None:
    """A reason tapped (sick facilitator, room, weather)."""
    parsed = _parsed(ctx)
    draft = _occ_draft(ctx, parsed.int_arg(0), "c") if parsed else None
    if parsed is None or draft is None:
        _stale(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    emoji, key = QUICK_REASONS[parsed.int_arg(1)]
    reason = ctx.t(key)
    _show_choice(ctx, f"{emoji} {reason}")
    await _confirm_cancel(ctx, occurrence, draft, reason)


async def on_reason_text(ctx: Ctx, text: str) -> None:
    """A typed reason for cancelling."""
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("action") != "c" or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    reason = _clean(text, calendar.MAX_REASON)
    if reason is None:
        ctx.reply(ctx.t("cal.bad_reason", limit=calendar.MAX_REASON), inline([_keep_row(ctx)]))
        return
    await _confirm_cancel(ctx, occurrence, draft, reason)


def _ask_move(ctx: Ctx, occurrence: Occurrence) -> None:
    router.clear(ctx)
    _data(ctx)[OCC] = {"occ": occurrence.id, "stamp": _stamp(occurrence), "action": "m"}
    router.expect(ctx, MOVE_TEXT)
    ctx.reply(
        ctx.t("cal.ask_move", title=occurrence.title, when=_when(ctx, occurrence)),
        inline([_keep_row(ctx)]),
    )


async def on_move_text(ctx: Ctx, text: str) -> None:
    """The new day and time typed for a session."""
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("action") != "m" or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    moment = parse_datetime(text, now=ctx.now, tz=ctx.rt.settings.timezone, lang=ctx.lang)
    problem = None
    if moment is None:
        problem = ctx.t("cal.bad_move")
    elif moment <= ctx.now:
        problem = ctx.t("cal.past_move", when=ctx.fmt_datetime(moment))
    elif moment == occurrence.starts_at:
        problem = ctx.t("cal.same_time")
    if problem or moment is None:
        ctx.reply(problem or ctx.t("cal.bad_move"), inline([_keep_row(ctx)]))
        return
    draft["new_start"] = moment.isoformat()
    router.stop_expecting(ctx)
    ctx.reply(
        ctx.t(
            "cal.confirm_move",
            title=occurrence.title,
            old=_when(ctx, occurrence),
            when=ctx.fmt_datetime(moment),
            count=await _told_count(ctx, occurrence),
        ),
        inline(
            [
                [
                    (
                        ctx.t("cal.button_confirm_move"),
                        cb.make("cak", occurrence.id, "m", draft["stamp"]),
                    )
                ],
                _keep_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    """✅ Oui: cancel or move the session, and tell whoever answered yes or maybe."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence_id, action, stamp = parsed.int_arg(0), parsed.args[1], parsed.int_arg(2)
    draft = _occ_draft(ctx, occurrence_id, action)
    needed = "reason" if action == "c" else "new_start"
    if draft is None or needed not in draft or draft.get("stamp") != stamp:
        _stale(ctx)
        return
    # Taken before any await: a second tap finds no draft.
    _data(ctx).pop(OCC, None)
    router.clear(ctx)
    occurrence = await _open_occurrence(ctx, occurrence_id, stamp)
    if occurrence is None:
        ctx.remove_buttons()
        return
    try:
        if action == "c":
            change = await calendar.cancel_occurrence(
                ctx.session,
                occurrence_id=occurrence.id,
                reason=draft["reason"],
                by=ctx.person,
                now=ctx.now,
            )
        else:
            change = await calendar.move_occurrence(
                ctx.session,
                occurrence_id=occurrence.id,
                new_start=datetime.fromisoformat(draft["new_start"]),
                by=ctx.person,
                now=ctx.now,
            )
    except CalendarError as exc:
        ctx.remove_buttons()
        _refuse(ctx, _error_text(ctx, exc.code))
        return
    told = await _notify_changes(ctx, [change])
    if action == "c":
        ctx.answer(ctx.t("cal.cancelled_toast"))
        ctx.edit(
            ctx.t("cal.cancelled", title=occurrence.title, when=_when(ctx, occurrence), count=told)
        )
    else:
        ctx.answer(ctx.t("cal.moved_toast"))
        ctx.edit(
            ctx.t("cal.moved", title=occurrence.title, when=_when(ctx, occurrence), count=told)
        )


# --- attendance ---------------------------------------------------------------------


async def _recent(ctx: Ctx, *, edit: bool) -> None:
    found = await calendar.recent(ctx.session, now=ctx.now, limit=RECENT_LIMIT)
    rows: list[Row] = [
        [(_short(f"{o.title} · {_when(ctx, o)}"), cb.make("cat", o.id))] for o in found
    ]
    rows.append([(ctx.t("cal.button_back"), cb.make("cam", "home"))])
    text = ctx.t("cal.attendance_choose") if found else ctx.t("cal.attendance_none")
    if edit:
        ctx.edit(text, inline(rows))
    else:
        ctx.reply(text, inline(rows))


async def _started_occurrence(ctx: Ctx, occurrence_id: int) -> Occurrence | None:
    """The session if attendance can be taken (it has started and was not cancelled)."""
    occurrence = await queries.occurrence(ctx.session, occurrence_id)
    if occurrence is None:
        _refuse(ctx, ctx.t("cal.occ_unknown"))
    elif occurrence.status == OccurrenceStatus.CANCELLED:
        _refuse(ctx, ctx.t("cal.occ_cancelled"))
    elif occurrence.starts_at > ctx.now:
        _refuse(ctx, ctx.t("cal.att_not_yet"))
    else:
        return occurrence
    return None


def _listed(people: list[rsvp.Attendee]) -> list[rsvp.Attendee]:
    """Those expected first (yes, then the line, then maybe), then anyone marked present."""
    yes = [a for a in people if a.answer == Answer.YES]
    ordered = [a for a in yes if not a.waitlisted] + [a for a in yes if a.waitlisted]
    ordered += [a for a in people if a.answer == Answer.MAYBE]
    ordered += [a for a in people if a.answer == Answer.NO and a.present]
    return ordered[:MAX_LISTED]


async def _sheet(ctx: Ctx, occurrence: Occurrence) -> None:
    """The attendance sheet, edited in place after every tap."""
    people = _listed(await rsvp.attendees(ctx.session, occurrence.id))
    figures = await rsvp.attendance(ctx.session, occurrence.id)
    lines = [
        ctx.t("cal.sheet_title", title=occurrence.title, when=_when(ctx, occurrence)),
        ctx.t("cal.sheet_present", total=figures.total, walk_ins=figures.walk_ins),
    ]
    if figures.said_yes:
        lines.append(ctx.t("cal.sheet_came", came=figures.yes_and_came, said_yes=figures.said_yes))
    lines.append(ctx.t("cal.sheet_hint") if people else ctx.t("cal.sheet_nobody"))
    names = [
        (
            ("✅ " if a.present else "⬜ ") + _short(a.name) + (" +1" if a.plus_one else ""),
            cb.make("cai", occurrence.id, a.person_id),
        )
        for a in people
    ]
    rows = _pairs(names)
    rows.append([(ctx.t("cal.button_other_person"), cb.make("cap", occurrence.id, "a", 0))])
    rows.append(
        [
            (ctx.t("cal.button_walk_in_down"), cb.make("caj", occurrence.id, "d")),
            (ctx.t("cal.button_walk_in_up"), cb.make("caj", occurrence.id, "u")),
        ]
    )
    rows.append([(ctx.t("cal.button_back"), cb.make("cam", "att"))])
    ctx.edit("\n".join(lines), inline(rows))


@with_person(facilitator_only=True)
async def on_sheet(ctx: Ctx) -> None:
    """A session chosen for attendance."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence = await _started_occurrence(ctx, parsed.int_arg(0))
    if occurrence is not None:
        await _sheet(ctx, occurrence)


@with_person(facilitator_only=True)
async def on_present(ctx: Ctx) -> None:
    """One tap on a name: there / not there."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence = await _started_occurrence(ctx, parsed.int_arg(0))
    if occurrence is None:
        return
    person = await queries.consented_person(ctx.session, parsed.int_arg(1))
    if person is None:
        _refuse(ctx, ctx.t("cal.person_unknown"))
        return
    here = await rsvp.mark_present(
        ctx.session, occurrence_id=occurrence.id, person_id=person.id, now=ctx.now
    )
    if here:
        ctx.answer(ctx.t("cal.present_toast", name=person.display_name))
    else:
        ctx.answer(ctx.t("cal.absent_toast", name=person.display_name))
    await _sheet(ctx, occurrence)


@with_person(facilitator_only=True)
async def on_walk_ins(ctx: Ctx) -> None:
    """➖ / ➕ people who came without answering."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence = await _started_occurrence(ctx, parsed.int_arg(0))
    if occurrence is None:
        return
    if parsed.args[1] == "d" and occurrence.walk_ins == 0:
        # Nothing to take away: an edit would repeat the same sheet, which Telegram refuses.
        ctx.answer(ctx.t("cal.walk_ins_zero"))
        return
    await rsvp.add_walk_ins(
        ctx.session,
        occurrence_id=occurrence.id,
        delta=1 if parsed.args[1] == "u" else -1,
        now=ctx.now,
    )
    await _sheet(ctx, occurrence)


# --- wiring -------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the calendar's handlers (facilitators only)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(["calendrier", "calendar"], command, filters=private))
    buttons = {
        "cam": on_menu,
        "cax": on_leave,
        "caw": on_wizard_button,
        "cas": on_series,
        "cae": on_edit_start,
        "cav": on_edit_button,
        "caq": on_stop_ask,
        "caz": on_stop,
        "cao": on_occurrence,
        "cap": on_picker,
        "cab": on_answer_for,
        "caa": on_answer,
        "cac": on_quick_reason,
        "cak": on_confirm,
        "cat": on_sheet,
        "cai": on_present,
        "caj": on_walk_ins,
    }
    for kind, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=cb.pattern(kind)))


router.TEXT_INPUTS[WIZARD_TEXT] = on_wizard_text
router.TEXT_INPUTS[EDIT_TEXT] = on_edit_text
router.TEXT_INPUTS[REASON_TEXT] = on_reason_text
router.TEXT_INPUTS[MOVE_TEXT] = on_move_text
register_action(N_("menu.calendar"), show_home)
add_command(CommandSpec("calendrier", N_("cal.command"), facilitator_only=True))
