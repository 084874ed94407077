"""Attendance of a session that has started: who came, and people who came unannounced.

Someone without Telegram is on the sheet like anyone (marked 📵); one who came and is
not known yet is added from "👤 Autre personne" (handlers.calendar_admin.offline).
"""

from __future__ import annotations

from bot.models import Answer, Occurrence
from bot.services import calendar, rsvp
from handlers.calendar_admin.buttons import (
    ATTENDANCE_SHEET,
    CALENDAR_MENU,
    PEOPLE_PAGE,
    PRESENT,
    WALK_INS,
    MenuAction,
    PickerMode,
    WalkIns,
)
from handlers.calendar_admin.lookups import Need, known_person, open_session
from handlers.calendar_admin.wording import (
    OFFLINE_MARK,
    Row,
    pairs,
    short,
    show_screen,
    title,
    when,
)
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

RECENT_LIMIT = 5
# Telegram takes at most 100 buttons a keyboard; anyone beyond is reached by the picker.
MAX_LISTED = 80


async def recent(ctx: Ctx, *, edit: bool) -> None:
    """The sessions that have started, to choose the one to take attendance of."""
    found = await calendar.recent(ctx.session, now=ctx.now, limit=RECENT_LIMIT)
    rows: list[Row] = [
        [(short(f"{title(ctx, o)} · {when(ctx, o)}"), ATTENDANCE_SHEET.make(o.id))] for o in found
    ]
    rows.append([(ctx.t("cal.button_back"), CALENDAR_MENU.make(MenuAction.HOME))])
    text = ctx.t("cal.attendance_choose") if found else ctx.t("cal.attendance_none")
    show_screen(ctx, text, inline(rows), edit=edit)


def _listed(people: list[rsvp.Attendee]) -> list[rsvp.Attendee]:
    """Those expected first (yes, then the line, then maybe), then anyone marked present."""
    yes = [a for a in people if a.answer == Answer.YES]
    ordered = [a for a in yes if not a.waitlisted] + [a for a in yes if a.waitlisted]
    ordered += [a for a in people if a.answer == Answer.MAYBE]
    ordered += [a for a in people if a.answer == Answer.NO and a.present]
    return ordered[:MAX_LISTED]


async def show_sheet(ctx: Ctx, occurrence: Occurrence) -> None:
    """The attendance sheet, edited in place after every tap."""
    people = _listed(await rsvp.attendees(ctx.session, occurrence.id))
    figures = await rsvp.attendance(ctx.session, occurrence.id)
    lines = [
        ctx.t("cal.sheet_title", title=title(ctx, occurrence), when=when(ctx, occurrence)),
        ctx.t("cal.sheet_present", count=figures.total, walk_ins=figures.walk_ins),
    ]
    if figures.said_yes:
        lines.append(
            ctx.t("cal.sheet_came", count=figures.yes_and_came, said_yes=figures.said_yes)
        )
    lines.append(ctx.t("cal.sheet_hint") if people else ctx.t("cal.sheet_nobody"))
    if any(not a.uses_telegram for a in people):
        lines.append(ctx.t("cal.legend_offline"))
    names = [
        (
            ("✅ " if a.present else "⬜ ")
            + short(a.name)
            + (" +1" if a.plus_one else "")
            + ("" if a.uses_telegram else f" {OFFLINE_MARK}"),
            PRESENT.make(occurrence.id, a.person_id),
        )
        for a in people
    ]
    rows = pairs(names)
    other = PEOPLE_PAGE.make(occurrence.id, PickerMode.ATTENDANCE, 0)
    rows.append([(ctx.t("cal.button_other_person"), other)])
    rows.append(
        [
            (ctx.t("cal.button_walk_in_down"), WALK_INS.make(occurrence.id, WalkIns.DOWN)),
            (ctx.t("cal.button_walk_in_up"), WALK_INS.make(occurrence.id, WalkIns.UP)),
        ]
    )
    rows.append([(ctx.t("cal.button_back"), CALENDAR_MENU.make(MenuAction.ATTENDANCE))])
    ctx.edit("\n".join(lines), inline(rows))


@with_person(facilitator_only=True)
async def on_sheet(ctx: Ctx) -> None:
    """A session chosen for attendance."""
    found = await open_session(ctx, ATTENDANCE_SHEET, Need.STARTED)
    if found is not None:
        await show_sheet(ctx, found[1])


@with_person(facilitator_only=True)
async def on_present(ctx: Ctx) -> None:
    """One tap on a name: there / not there."""
    found = await open_session(ctx, PRESENT, Need.STARTED)
    if found is None:
        return
    button, occurrence = found
    person = await known_person(ctx, button.int_arg(1))
    if person is None:
        return
    here = await rsvp.mark_present(
        ctx.session, occurrence_id=occurrence.id, person_id=person.id, now=ctx.now
    )
    if here:
        ctx.answer(ctx.t("cal.present_toast", name=person.display_name))
    else:
        ctx.answer(ctx.t("cal.absent_toast", name=person.display_name))
    await show_sheet(ctx, occurrence)


@with_person(facilitator_only=True)
async def on_walk_ins(ctx: Ctx) -> None:
    """➖ / ➕ people who came without answering."""
    found = await open_session(ctx, WALK_INS, Need.STARTED)
    if found is None:
        return
    button, occurrence = found
    direction = WalkIns(button.args[1])
    if direction is WalkIns.DOWN and occurrence.walk_ins == 0:
        # Nothing to take away: an edit would repeat the same sheet, which Telegram refuses.
        ctx.answer(ctx.t("cal.walk_ins_zero"))
        return
    await rsvp.add_walk_ins(
        ctx.session,
        occurrence_id=occurrence.id,
        delta=1 if direction is WalkIns.UP else -1,
        now=ctx.now,
    )
    await show_sheet(ctx, occurrence)
