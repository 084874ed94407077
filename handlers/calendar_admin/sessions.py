"""Upcoming sessions for facilitators: their cards, who is coming, answering for someone.

The people picker lives here too: it lists names both to answer for someone and, from
the attendance sheet, to mark someone present who is not on it. Its names include
people without Telegram (marked 📵), and a button adds one (handlers.calendar_admin.offline).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.callback_data import TapCode
from bot.i18n import N_
from bot.models import Answer, Occurrence, Person
from bot.services import calendar, cards, rsvp
from bot.services import calendar_queries as queries
from handlers.calendar_admin.buttons import (
    ADD_OFFLINE,
    ANSWER,
    ANSWER_FOR,
    ATTENDANCE_SHEET,
    FORGET,
    PEOPLE_PAGE,
    PRESENT,
    SESSION_ACTION,
    Forget,
    PickerMode,
    SessionAction,
    stamp,
)
from handlers.calendar_admin.cancel_move import ask_move, ask_reason
from handlers.calendar_admin.lookups import Need, allowed, known_person, open_session
from handlers.calendar_admin.wording import (
    OFFLINE_MARK,
    Row,
    fit,
    pairs,
    refuse,
    short,
    show_screen,
    title,
    when,
)
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

UPCOMING_LIMIT = 5
# Looking is harmless: a moved or started session still shows who comes.
LOOKING = (SessionAction.WHO, SessionAction.WHO_IN_PLACE)


def _card_buttons(ctx: Ctx, occurrence: Occurrence) -> InlineKeyboardMarkup:
    def action(key: str, which: SessionAction) -> tuple[str, str]:
        return (ctx.t(key), SESSION_ACTION.make(occurrence.id, which, stamp(occurrence)))

    return inline(
        [
            [action(N_("cal.button_who"), SessionAction.WHO)],
            [
                action(N_("cal.button_cancel_session"), SessionAction.CANCEL),
                action(N_("cal.button_move"), SessionAction.MOVE),
            ],
        ]
    )


async def upcoming(ctx: Ctx) -> None:
    """The next sessions, one card each, with their counts and buttons."""
    found = await calendar.upcoming(ctx.session, now=ctx.now, limit=UPCOMING_LIMIT)
    if not found:
        ctx.reply(ctx.t("cal.upcoming_none"))
        return
    seats = await rsvp.seats_many(ctx.session, found)
    ctx.reply(ctx.t("cal.upcoming_intro"))
    tz = ctx.rt.settings.tz
    for occurrence in found:
        counts = seats[occurrence.id]
        text = cards.card(ctx.rt.translator, ctx.lang, tz, occurrence, counts, show_mine=False)
        text += "\n" + ctx.t("cal.card_counts", maybe=counts.maybe, no=counts.no)
        ctx.reply(fit(text), _card_buttons(ctx, occurrence))


def marked(a: rsvp.Attendee) -> str:
    """A name as the facilitators' lists show it: +1, 📵 without Telegram, ✍️ noted."""
    name = a.name + (" +1" if a.plus_one else "")
    if not a.uses_telegram:
        return f"{name} {OFFLINE_MARK}"
    return name + (" ✍️" if a.on_behalf else "")


def legend(ctx: Ctx, people: list[rsvp.Attendee]) -> list[str]:
    """What the marks in a list of names mean (only the marks it shows)."""
    lines = []
    if any(a.on_behalf and a.uses_telegram for a in people):
        lines.append(ctx.t("cal.who_legend"))
    if any(not a.uses_telegram for a in people):
        lines.append(ctx.t("cal.legend_offline"))
    return ["", *lines] if lines else []


async def _who_view(ctx: Ctx, occurrence: Occurrence) -> tuple[str, InlineKeyboardMarkup | None]:
    """Names for the facilitator: confirmed (+1), the line in order, maybe, how many no."""
    people = await rsvp.attendees(ctx.session, occurrence.id)
    seats = await rsvp.seats(ctx.session, occurrence)
    yes = [a for a in people if a.answer == Answer.YES]
    confirmed = [a for a in yes if not a.waitlisted]
    line = [a for a in yes if a.waitlisted]
    maybe = [a for a in people if a.answer == Answer.MAYBE]
    said_no = sum(1 for a in people if a.answer == Answer.NO)

    lines = [ctx.t("cal.who_title", title=title(ctx, occurrence), when=when(ctx, occurrence))]
    if not people:
        lines.append(ctx.t("cal.who_nobody"))
    if confirmed:
        lines.append(ctx.t("cal.who_confirmed", count=seats.taken, capacity=seats.capacity))
        lines += [f"• {marked(a)}" for a in confirmed]
    if line:
        lines.append(ctx.t("cal.who_waiting"))
        lines += [f"{i}. {marked(a)}" for i, a in enumerate(line, start=1)]
    if maybe:
        lines.append(ctx.t("cal.who_maybe"))
        lines += [f"• {marked(a)}" for a in maybe]
    if said_no:
        lines.append(ctx.t("cal.who_no", count=said_no))
    lines += legend(ctx, people)
    if occurrence.starts_at <= ctx.now:
        lines.append(ctx.t("cal.who_started"))
        return fit("\n".join(lines)), None
    return fit("\n".join(lines)), inline(
        [
            [
                (
                    ctx.t("cal.button_answer_for"),
                    PEOPLE_PAGE.make(occurrence.id, PickerMode.ANSWER, 0),
                )
            ]
        ]
    )


@with_person(facilitator_only=True)
async def on_session_action(ctx: Ctx) -> None:
    """The buttons of a session card: who comes, cancel, move."""
    found = await open_session(ctx, SESSION_ACTION, Need.EXISTS)
    if found is None:
        return
    button, occurrence = found
    action = SessionAction(button.args[1])
    if action in LOOKING:
        text, markup = await _who_view(ctx, occurrence)
        show_screen(ctx, text, markup, edit=action is SessionAction.WHO_IN_PLACE)
        return
    if not allowed(ctx, occurrence, Need.OPEN, at=button.int_arg(2)):
        return
    if action is SessionAction.CANCEL:
        ask_reason(ctx, occurrence)
    else:
        ask_move(ctx, occurrence)


async def show_picker(
    ctx: Ctx, occurrence: Occurrence, mode: PickerMode, page_number: int
) -> None:
    """Everyone who agreed to the privacy notice, by name, ten a page; and a button to
    add someone without Telegram."""
    page = await queries.people_page(ctx.session, page=page_number)
    present: set[int] = set()
    if mode is PickerMode.ATTENDANCE:
        present = {
            a.person_id for a in await rsvp.attendees(ctx.session, occurrence.id) if a.present
        }
        target = PRESENT
        text = ctx.t("cal.pick_present", page=page.page + 1, pages=page.pages)
        back = (ctx.t("cal.button_back"), ATTENDANCE_SHEET.make(occurrence.id))
    else:
        target = ANSWER_FOR
        text = ctx.t("cal.pick_answer", page=page.page + 1, pages=page.pages)
        who = SESSION_ACTION.make(occurrence.id, SessionAction.WHO_IN_PLACE, stamp(occurrence))
        back = (ctx.t("cal.button_back"), who)
    names = [
        (
            ("✅ " if p.id in present else "")
            + short(p.name)
            + ("" if p.uses_telegram else f" {OFFLINE_MARK}"),
            target.make(occurrence.id, p.id),
        )
        for p in page.people
    ]
    rows = pairs(names)
    nav: Row = []
    if page.has_previous:
        nav.append(("◀️", PEOPLE_PAGE.make(occurrence.id, mode, page.page - 1)))
    if page.has_next:
        nav.append(("▶️", PEOPLE_PAGE.make(occurrence.id, mode, page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(ctx.t("cal.button_add_offline"), ADD_OFFLINE.make(occurrence.id, mode))])
    rows.append([back])
    ctx.edit(text, inline(rows))


@with_person(facilitator_only=True)
async def on_picker(ctx: Ctx) -> None:
    """✍️ Répondre pour quelqu'un / 👤 Autre personne: a page of names."""
    found = await open_session(ctx, PEOPLE_PAGE, Need.EXISTS)
    if found is None:
        return
    button, occurrence = found
    mode = PickerMode(button.args[1])
    need = Need.STARTED if mode is PickerMode.ATTENDANCE else Need.OPEN
    if allowed(ctx, occurrence, need):
        await show_picker(ctx, occurrence, mode, button.int_arg(2))


def _answer_line(ctx: Ctx, mine: rsvp.MyAnswer) -> str:
    if mine.answer == Answer.YES and mine.position is not None:
        return ctx.t("cal.current_waiting", count=mine.position)
    if mine.answer == Answer.YES and mine.plus_one:
        return ctx.t("cal.current_yes_plus")
    if mine.answer == Answer.YES:
        return ctx.t("cal.current_yes")
    if mine.answer == Answer.MAYBE:
        return ctx.t("cal.current_maybe")
    if mine.answer == Answer.NO:
        return ctx.t("cal.current_no")
    return ctx.t("cal.current_none")


async def show_answer_for(ctx: Ctx, occurrence: Occurrence, person: Person) -> None:
    """Someone's answer and the three answer buttons, in place of the tapped message."""
    answers = await rsvp.my_answers(ctx.session, person_id=person.id, occurrences=[occurrence])
    lines = [
        ctx.t(
            "cal.answer_for",
            name=person.display_name,
            title=title(ctx, occurrence),
            when=when(ctx, occurrence),
            current=_answer_line(ctx, answers[occurrence.id]),
        )
    ]
    if person.uses_telegram:
        lines.append(ctx.t("cal.answer_for_silent", name=person.display_name))
    else:
        lines.append(ctx.t("cal.answer_for_offline", name=person.display_name))
        if person.phone:
            lines.append(ctx.t("cal.phone_line", phone=person.phone))

    def answer(key: str, code: TapCode) -> tuple[str, str]:
        return (ctx.t(key), ANSWER.make(occurrence.id, person.id, code))

    rows: list[Row] = [
        [answer(N_("sessions.button_yes"), TapCode.YES)],
        [
            answer(N_("sessions.button_maybe"), TapCode.MAYBE),
            answer(N_("sessions.button_no"), TapCode.NO),
        ],
    ]
    if not person.uses_telegram:
        forget = FORGET.make(occurrence.id, person.id, Forget.ASK)
        rows.append([(ctx.t("cal.button_forget"), forget)])
    back = PEOPLE_PAGE.make(occurrence.id, PickerMode.ANSWER, 0)
    rows.append([(ctx.t("cal.button_back"), back)])
    ctx.edit("\n".join(lines), inline(rows))


@with_person(facilitator_only=True)
async def on_answer_for(ctx: Ctx) -> None:
    """A name was chosen: show their answer and the three answer buttons."""
    found = await open_session(ctx, ANSWER_FOR)
    if found is None:
        return
    button, occurrence = found
    person = await known_person(ctx, button.int_arg(1))
    if person is not None:
        await show_answer_for(ctx, occurrence, person)


@with_person(facilitator_only=True)
async def on_answer(ctx: Ctx) -> None:
    """Record an answer on someone's behalf (they are told only if a seat moves)."""
    found = await open_session(ctx, ANSWER)
    if found is None:
        return
    button, occurrence = found
    person = await known_person(ctx, button.int_arg(1))
    if person is None:
        return
    try:
        outcome = await calendar.answer_for(
            ctx.session,
            occurrence_id=occurrence.id,
            person=person,
            answer=TapCode(button.args[2]).answer,
            by=ctx.person,
            now=ctx.now,
            translator=ctx.rt.translator,
            tz=ctx.rt.settings.tz,
        )
    except rsvp.SessionClosed:
        refuse(ctx, ctx.t("cal.occ_started"))
        return
    if outcome.waitlisted:
        ctx.answer(
            ctx.t("cal.answered_waiting", name=person.display_name, count=outcome.position or 1)
        )
    else:
        ctx.answer(ctx.t("cal.answered", name=person.display_name))
    text, markup = await _who_view(ctx, occurrence)
    ctx.edit(text, markup)
