"""Upcoming sessions for facilitators: their cards, who is coming, answering for someone.

The people picker lives here too: it lists names both to answer for someone and, from
the attendance sheet, to mark someone present who is not on it.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import Answer, Occurrence
from bot.services import calendar, rsvp, session_texts
from bot.services import calendar_queries as queries
from handlers.calendar_admin.cancel_move import _ask_move, _ask_reason
from handlers.calendar_admin.common import (
    Row,
    _existing_occurrence,
    _fit,
    _known_person,
    _notify_moves,
    _open_occurrence,
    _pairs,
    _parsed,
    _refuse,
    _short,
    _show_screen,
    _stale,
    _stamp,
    _started_occurrence,
    _when,
)
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline

UPCOMING_LIMIT = 5
ANSWERS = {"y": Answer.YES, "m": Answer.MAYBE, "n": Answer.NO}


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
        occurrence = await _existing_occurrence(ctx, occurrence_id)
        if occurrence is None:
            return
        text, markup = await _who_view(ctx, occurrence)
        _show_screen(ctx, text, markup, edit=action == "l")
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
    person = await _known_person(ctx, parsed.int_arg(1))
    if person is None:
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
    person = await _known_person(ctx, parsed.int_arg(1))
    if person is None:
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
