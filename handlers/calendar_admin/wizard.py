"""A new series or one-off session, step by step, kept as a draft until "Créer".

Each step is a question with buttons; typing an answer is always listened to as well.
Nothing is written before the last tap, and a draft whose time went by meanwhile asks
for a new time, then comes back to the summary.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot import callback_data as cb
from bot.i18n import N_
from bot.services import calendar
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError, SeriesInput
from bot.services.timeparse import (
    parse_date,
    parse_datetime,
    parse_duration_minutes,
    parse_time,
)
from handlers import router
from handlers.calendar_admin.common import (
    CAPACITY_CHOICES,
    DRAFT,
    DURATION_CHOICES,
    TIME_CHOICES,
    WIZARD_TEXT,
    Row,
    _clean,
    _data,
    _draft,
    _drop_row,
    _duration,
    _error_text,
    _hhmm,
    _home,
    _pairs,
    _parsed,
    _read_capacity,
    _rule_line,
    _short,
    _show_choice,
    _stale,
    _time_from_value,
    _time_value,
    _weekday,
    _when,
)
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline

QUICK_TITLES = (
    N_("cal.quick_art"),
    N_("cal.quick_dance"),
    N_("cal.quick_relax"),
    N_("cal.quick_writing"),
    N_("cal.quick_theatre"),
)
FIRST_DATE_CHOICES = 3
MAX_URL = 500

SERIES_STEPS = ("ti", "wd", "tm", "du", "fq", "pl", "mp", "cp", "de", "fd", "en", "ok")
ONE_OFF_STEPS = ("ti", "wh", "du", "pl", "cp", "ok")


def _weekday_label(ctx: Ctx, weekday: int) -> str:
    name = _weekday(ctx, weekday)
    return name[:1].upper() + name[1:]


def _today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.rt.settings.tz).date()


def _fmt_date(ctx: Ctx, day: date) -> str:
    tz = ctx.rt.settings.tz
    return ctx.rt.translator.format_date(datetime.combine(day, time(12), tzinfo=tz), ctx.lang, tz)


def _read_url(text: str) -> str | None:
    text = text.strip()
    if len(text) > MAX_URL or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else None


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
            [button(_hhmm(t), _time_value(t)) for t in TIME_CHOICES]
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
        chosen = _time_from_value(value)
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
