"""A new series or one-off session, step by step, kept as a draft until "Créer".

The steps are a table (STEPS): each says its id on the wire, its question, its
buttons, how a tap and a typed answer are read, and whether it is asked for a series,
a one-off session or both. Typing an answer is always listened to as well. Nothing is
written before the last tap, and a draft whose time went by meanwhile asks for a new
time, then comes back to the summary.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from bot.i18n import N_
from bot.services import calendar
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError
from bot.services.names import TITLE_KEYS, title_key_for
from bot.services.timeparse import parse_date, parse_duration_minutes, parse_time
from handlers.calendar_admin.buttons import WIZARD_CHOICE
from handlers.calendar_admin.drafts import Kind, NewSessionDraft, filled
from handlers.calendar_admin.home import home
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
    drop_row,
    duration,
    error_text,
    pairs,
    rule_line,
    short,
    show_choice,
    spoken_time,
    weekday,
    when,
)
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

WIZARD_TEXT = "calendar.wizard"

FIRST_DATE_CHOICES = 3
MAX_URL = 500
SKIP = "skip"
NO_END = "none"

Choices = list[list[tuple[str, str]]]  # rows of (label, the value the button carries)
Buttons = Callable[[Ctx, NewSessionDraft], Choices]
# A tapped value taken into the draft: its label, or None if the button is not valid.
Tap = Callable[[Ctx, NewSessionDraft, str], str | None]
# A typed answer taken into the draft: the problem in words, or None when taken.
Typed = Callable[[Ctx, NewSessionDraft, str], str | None]
Params = Callable[[Ctx, NewSessionDraft], Mapping[str, object]]


def _no_params(ctx: Ctx, draft: NewSessionDraft) -> Mapping[str, object]:
    return {}


def _no_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return []


def _no_tap(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    return None


def _buttons_only(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    return ctx.t("cal.use_buttons")


@dataclass(frozen=True)
class Step:
    """One question of the wizard."""

    id: str  # in the buttons' data: two lowercase letters
    kinds: Kind  # asked when creating these
    question: str  # catalogue key, with `params`
    params: Params = _no_params
    buttons: Buttons = _no_buttons
    tap: Tap = _no_tap
    typed: Typed = _buttons_only


# --- small helpers ------------------------------------------------------------------


def _fmt_date(ctx: Ctx, day: date) -> str:
    tz = ctx.rt.settings.tz
    return ctx.rt.translator.format_date(datetime.combine(day, time(12), tzinfo=tz), ctx.lang, tz)


def _weekday_label(ctx: Ctx, day: int) -> str:
    name = weekday(ctx, day)
    return name[:1].upper() + name[1:]


def _skip_button(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(ctx.t("cal.button_skip"), SKIP)]]


# --- each step: its buttons, a tap, a typed answer ----------------------------------


def _title_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return pairs([(ctx.t(key), str(i)) for i, key in enumerate(TITLE_KEYS)])


def _tap_title(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    index = number(value)
    if index is None or index >= len(TITLE_KEYS):
        return None
    # Kept as its key: an English participant reads "Dance", a French one "Danse".
    draft.title_key = TITLE_KEYS[index]
    draft.title = ctx.t(draft.title_key)
    return draft.title


def _type_title(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    title = clean(text, calendar.MAX_TITLE)
    if title is None:
        return ctx.t("cal.bad_title", limit=calendar.MAX_TITLE)
    draft.title = title
    # "danse" typed is the suggested name too; anything else is kept as typed.
    draft.title_key = title_key_for(title, ctx.rt.translator, ctx.lang)
    return None


def _weekday_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return pairs([(_weekday_label(ctx, day), str(day)) for day in range(7)])


def _tap_weekday(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    day = number(value)
    if day is None or day > 6:
        return None
    draft.weekday = day
    return _weekday_label(ctx, day)


def _time_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return pairs([(spoken_time(ctx, t), time_value(t)) for t in TIME_CHOICES])


def _tap_time(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    chosen = time_from_value(value)
    if chosen is None:
        return None
    draft.start_time = chosen
    return spoken_time(ctx, chosen)


def _type_time(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    moment = parse_time(text)
    if moment is None:
        return ctx.t("cal.bad_time")
    draft.start_time = moment
    return None


def _type_when(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    moment = ctx.typed_future(text, unclear=N_("cal.bad_when"), past=N_("cal.past_when"))
    if isinstance(moment, str):
        return moment
    draft.starts_at = moment
    return None


def _duration_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return pairs([(duration(ctx, m), str(m)) for m in DURATION_CHOICES])


def _tap_duration(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    minutes = number(value)
    if minutes not in DURATION_CHOICES:
        return None
    draft.duration = minutes
    return duration(ctx, minutes)


def _type_duration(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    minutes = parse_duration_minutes(text)
    if minutes is None:
        return ctx.t("cal.bad_duration")
    draft.duration = minutes
    return None


FREQUENCIES = {1: N_("cal.button_every_week"), 2: N_("cal.button_every_other_week")}


def _frequency_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(ctx.t(key), str(weeks))] for weeks, key in FREQUENCIES.items()]


def _tap_frequency(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    weeks = number(value)
    if weeks not in FREQUENCIES:
        return None
    draft.interval = weeks
    return ctx.t(FREQUENCIES[weeks])


def _place_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(short(place), str(i))] for i, place in enumerate(draft.places)]


def _tap_place(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    index = number(value)
    if index is None or index >= len(draft.places):
        return None
    draft.place = draft.places[index]
    return draft.place


def _type_place(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    place = clean(text, calendar.MAX_PLACE)
    if place is None:
        return ctx.t("cal.bad_place", limit=calendar.MAX_PLACE)
    draft.place = place
    return None


def _tap_no_map(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    if value != SKIP:
        return None
    draft.map_url = None
    return ctx.t("cal.button_skip")


def _read_url(text: str) -> str | None:
    if len(text) > MAX_URL or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else None


def _type_map(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    url = _read_url(text)
    if url is None:
        return ctx.t("cal.bad_map")
    draft.map_url = url
    return None


def _capacity_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(str(n), str(n)) for n in CAPACITY_CHOICES]]


def _tap_capacity(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    seats = number(value)
    if seats not in CAPACITY_CHOICES:
        return None
    draft.capacity = seats
    return str(seats)


def _type_capacity(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    seats = read_capacity(text)
    if seats is None:
        return ctx.t("cal.bad_capacity", limit=calendar.MAX_CAPACITY)
    draft.capacity = seats
    return None


def _tap_no_description(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    if value != SKIP:
        return None
    draft.description = None
    return ctx.t("cal.button_skip")


def _type_description(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    description = clean(text, calendar.MAX_DESCRIPTION)
    if description is None:
        return ctx.t("cal.bad_description", limit=calendar.MAX_DESCRIPTION)
    draft.description = description
    return None


def _first_date_params(ctx: Ctx, draft: NewSessionDraft) -> Mapping[str, object]:
    return {"weekday": weekday(ctx, filled(draft.weekday))}


def _first_date_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    """The next dates on the series' weekday; today only if its time is still ahead."""
    day_of_week, start = filled(draft.weekday), filled(draft.start_time)
    local_now = ctx.now.astimezone(ctx.rt.settings.tz)
    day = local_now.date() + timedelta(days=(day_of_week - local_now.weekday()) % 7)
    if day == local_now.date() and local_now.time() >= start:
        day += timedelta(weeks=1)
    days = [day + timedelta(weeks=i) for i in range(FIRST_DATE_CHOICES)]
    return [[(_fmt_date(ctx, d), d.strftime("%Y%m%d"))] for d in days]


def _first_date_problem(ctx: Ctx, draft: NewSessionDraft, day: date) -> str | None:
    local_now = ctx.now.astimezone(ctx.rt.settings.tz)
    # Today whose start time went by would quietly start the series a week later.
    if day < local_now.date() or (
        day == local_now.date() and local_now.time() >= filled(draft.start_time)
    ):
        return ctx.t("cal.past_date", date=_fmt_date(ctx, day))
    if day.weekday() != draft.weekday:
        return ctx.t(
            "cal.wrong_weekday",
            date=_fmt_date(ctx, day),
            weekday=weekday(ctx, filled(draft.weekday)),
        )
    return None


def _tap_first_date(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    if len(value) != 8:
        return None
    try:
        day = datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None
    if _first_date_problem(ctx, draft, day) is not None:
        return None
    draft.first_date = day
    return _fmt_date(ctx, day)


def _type_first_date(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    day = parse_date(text, today=ctx.today, lang=ctx.lang)
    if day is None:
        return ctx.t("cal.bad_date")
    problem = _first_date_problem(ctx, draft, day)
    if problem is None:
        draft.first_date = day
    return problem


def _end_params(ctx: Ctx, draft: NewSessionDraft) -> Mapping[str, object]:
    return {"first": _fmt_date(ctx, filled(draft.first_date))}


def _end_buttons(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(ctx.t("cal.button_no_end"), NO_END)]]


def _tap_no_end(ctx: Ctx, draft: NewSessionDraft, value: str) -> str | None:
    if value != NO_END:
        return None
    draft.until = None
    return ctx.t("cal.button_no_end")


def _type_end(ctx: Ctx, draft: NewSessionDraft, text: str) -> str | None:
    day = parse_date(text, today=ctx.today, lang=ctx.lang)
    if day is None:
        return ctx.t("cal.bad_date")
    first = filled(draft.first_date)
    if day < first:
        return ctx.t("cal.end_before_first", end=_fmt_date(ctx, day), first=_fmt_date(ctx, first))
    draft.until = day
    return None


def _summary(ctx: Ctx, draft: NewSessionDraft) -> Mapping[str, object]:
    if draft.kind is Kind.SERIES:
        series = draft.series()
        lines = [
            ctx.t("cal.title_line", title=series.title),
            rule_line(
                ctx,
                series.weekday,
                series.start_time,
                series.duration_minutes,
                series.interval_weeks,
            ),
            ctx.t("cal.place_line", place=series.place),
        ]
        if series.map_url:
            lines.append(ctx.t("cal.map_line", url=series.map_url))
        lines.append(ctx.t("cal.capacity_line", count=series.capacity))
        if series.description:
            lines.append(ctx.t("cal.description_line", text=series.description))
        lines.append(ctx.t("cal.first_line", date=_fmt_date(ctx, series.first_date)))
        if series.until:
            lines.append(ctx.t("cal.until_line", date=_fmt_date(ctx, series.until)))
        else:
            lines.append(ctx.t("cal.no_end_line"))
    else:
        one_off = draft.one_off()
        lines = [
            ctx.t("cal.title_line", title=one_off.title),
            ctx.t("cal.when_line", when=ctx.fmt_datetime(one_off.starts_at)),
            ctx.t("cal.duration_line", duration=duration(ctx, one_off.duration_minutes)),
            ctx.t("cal.place_line", place=one_off.place),
            ctx.t("cal.capacity_line", count=one_off.capacity),
        ]
    return {"details": "\n".join(lines)}


def _create_button(ctx: Ctx, draft: NewSessionDraft) -> Choices:
    return [[(ctx.t("cal.button_create"), draft.key)]]


# --- the table ----------------------------------------------------------------------

SERIES, ONE_OFF, BOTH = Kind.SERIES, Kind.ONE_OFF, Kind.SERIES | Kind.ONE_OFF

# Asked again, alone, when a one-off session's time went by before "Créer".
WHEN = Step("wh", ONE_OFF, N_("cal.ask_when"), typed=_type_when)
# Tapping "Créer" is not a choice: the draft is created (see on_button).
SUMMARY = Step("ok", BOTH, N_("cal.summary"), params=_summary, buttons=_create_button)

# In the order they are asked; each kind of draft asks the steps that apply to it.
STEPS: tuple[Step, ...] = (
    Step(
        "ti",
        SERIES,
        N_("cal.ask_title"),
        buttons=_title_buttons,
        tap=_tap_title,
        typed=_type_title,
    ),
    Step(
        "ti",
        ONE_OFF,
        N_("cal.ask_title_one"),
        buttons=_title_buttons,
        tap=_tap_title,
        typed=_type_title,
    ),
    Step("wd", SERIES, N_("cal.ask_weekday"), buttons=_weekday_buttons, tap=_tap_weekday),
    Step("tm", SERIES, N_("cal.ask_time"), buttons=_time_buttons, tap=_tap_time, typed=_type_time),
    WHEN,
    Step(
        "du",
        BOTH,
        N_("cal.ask_duration"),
        buttons=_duration_buttons,
        tap=_tap_duration,
        typed=_type_duration,
    ),
    Step("fq", SERIES, N_("cal.ask_frequency"), buttons=_frequency_buttons, tap=_tap_frequency),
    Step(
        "pl", BOTH, N_("cal.ask_place"), buttons=_place_buttons, tap=_tap_place, typed=_type_place
    ),
    Step("mp", SERIES, N_("cal.ask_map"), buttons=_skip_button, tap=_tap_no_map, typed=_type_map),
    Step(
        "cp",
        BOTH,
        N_("cal.ask_capacity"),
        buttons=_capacity_buttons,
        tap=_tap_capacity,
        typed=_type_capacity,
    ),
    Step(
        "de",
        SERIES,
        N_("cal.ask_description"),
        buttons=_skip_button,
        tap=_tap_no_description,
        typed=_type_description,
    ),
    Step(
        "fd",
        SERIES,
        N_("cal.ask_first_date"),
        params=_first_date_params,
        buttons=_first_date_buttons,
        tap=_tap_first_date,
        typed=_type_first_date,
    ),
    Step(
        "en",
        SERIES,
        N_("cal.ask_end"),
        params=_end_params,
        buttons=_end_buttons,
        tap=_tap_no_end,
        typed=_type_end,
    ),
    SUMMARY,
)


def _steps(kind: Kind) -> Sequence[Step]:
    return [step for step in STEPS if kind in step.kinds]


def _current(draft: NewSessionDraft) -> Step:
    return next(step for step in _steps(draft.kind) if step.id == draft.step)


# --- the conversation ---------------------------------------------------------------


async def start_wizard(ctx: Ctx, kind: Kind) -> None:
    """Begin a new series or one-off session with its first question."""
    draft = NewSessionDraft(
        kind=kind,
        key=secrets.token_urlsafe(6),
        places=await queries.recent_places(ctx.session),
        step=_steps(kind)[0].id,
    )
    ctx.start_draft(draft)
    _ask(ctx, draft)


def _ask(ctx: Ctx, draft: NewSessionDraft, error: str | None = None) -> None:
    """Ask the current step again or for the first time; typing is always listened to."""
    ctx.expect(WIZARD_TEXT)
    step = _current(draft)
    text = ctx.t(step.question, **step.params(ctx, draft))
    if error:
        text = f"{error}\n\n{text}"
    rows = [
        [(label, WIZARD_CHOICE.make(step.id, value)) for label, value in row]
        for row in step.buttons(ctx, draft)
    ]
    ctx.reply(text, inline([*rows, drop_row(ctx)]))


def _advance(ctx: Ctx, draft: NewSessionDraft) -> None:
    steps = _steps(draft.kind)
    if draft.resume:
        draft.resume = False
        draft.step = SUMMARY.id
    else:
        draft.step = steps[steps.index(_current(draft)) + 1].id
    _ask(ctx, draft)


@with_person(facilitator_only=True)
async def on_button(ctx: Ctx) -> None:
    """A choice tapped in the wizard (only the current step's buttons count)."""
    button = ctx.button(WIZARD_CHOICE)
    draft = ctx.draft(NewSessionDraft)
    if button is None or draft is None or draft.step != button.args[0]:
        ctx.stale()
        return
    step, value = _current(draft), button.args[1]
    if step is SUMMARY:
        await _create(ctx, draft, value)
        return
    label = step.tap(ctx, draft, value)
    if label is None:
        ctx.stale()
        return
    show_choice(ctx, label)
    _advance(ctx, draft)


async def on_text(ctx: Ctx, text: str) -> None:
    """A typed answer to the wizard's current step."""
    draft = ctx.draft(NewSessionDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    problem = _current(draft).typed(ctx, draft, text.strip())
    if problem:
        _ask(ctx, draft, problem)
        return
    _advance(ctx, draft)


async def _create(ctx: Ctx, draft: NewSessionDraft, key: str) -> None:
    if draft.key != key:
        ctx.stale()
        return
    # Taken before any await: a second tap on "Créer" finds no draft.
    ctx.clear()
    s = ctx.rt.settings
    try:
        if draft.kind is Kind.SERIES:
            series = await calendar.create_series(
                ctx.session, data=draft.series(), creator=ctx.person, now=ctx.now, tz=s.tz
            )
            count = await queries.future_count(ctx.session, series_id=series.id, now=ctx.now)
            done = ctx.t("cal.series_created", count=count)
        else:
            one_off = draft.one_off()
            occurrence = await calendar.create_one_off(
                ctx.session,
                creator=ctx.person,
                title=one_off.title,
                place=one_off.place,
                starts_at=one_off.starts_at,
                duration_minutes=one_off.duration_minutes,
                now=ctx.now,
                tz=s.tz,
                capacity=one_off.capacity,
                title_key=draft.title_key,
            )
            done = ctx.t("cal.one_off_created", when=when(ctx, occurrence))
    except CalendarError as exc:
        ctx.state.draft = draft
        if exc.code == "past":
            # The time went by while the facilitator was filling in the rest.
            draft.step, draft.resume = WHEN.id, True
            ctx.remove_buttons()
            _ask(ctx, draft, ctx.t("cal.past_when_confirm"))
            return
        ctx.expect(WIZARD_TEXT)
        ctx.answer(error_text(ctx, exc.code), alert=True)
        return
    except BaseException:
        ctx.state.draft = draft  # nothing was saved: keep the draft for another try
        raise
    ctx.answer(ctx.t("cal.created_toast"))
    ctx.remove_buttons()
    ctx.reply(done)
    await home(ctx, edit=False)
