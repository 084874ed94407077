"""Facilitators' calendar: series, one-off sessions, who comes, cancel, move, attendance.

Everything here is for facilitators. A new series or session is a draft until
"Créer"; nothing is written before. Buttons carry ids that are looked up again (the
data can be forged or old), and the buttons that change a session also carry its start
time, so a session moved since the button was shown is not cancelled or moved by
mistake. A change ends with whom to tell: everyone (the group is open: anyone may
come any week) or whoever answered; the calendar service tells them through the outbox,
in the same transaction as the change. People without Telegram are counted like anyone
and never messaged: the facilitator is shown whom to phone.

Here: the ways in (the menu button, /calendrier, the calendar menu, leaving a draft)
and CAPABILITY, what the calendar adds to the bot. Beside it:
  buttons      every kind of calendar button, as it travels on the wire
  drafts       what a conversation remembers between two messages
  lookups      what a button points at, looked up again (open_session...)
  wording      how the screens say things
  values       the values offered as buttons, and the readers of typed ones
  home         the calendar's home screen
  wizard       a new series or one-off session, step by step (a table of steps)
  series       one series: look, change a field, stop
  sessions     upcoming sessions, who comes, answering for someone
  cancel_move  cancel or move one session
  attendance   who came to a session that has started
  offline      adding (or erasing) someone without Telegram
"""

from __future__ import annotations

from bot.context import MenuEntry
from bot.i18n import N_
from handlers.calendar_admin import attendance, cancel_move, offline, series, sessions, wizard
from handlers.calendar_admin.buttons import (
    ADD_OFFLINE,
    ANSWER,
    ANSWER_FOR,
    ATTENDANCE_SHEET,
    CALENDAR_MENU,
    CONFIRM_CHANGE,
    EDIT_FIELD,
    FIELD_CHOICE,
    FORGET,
    LEAVE,
    OFFLINE,
    PEOPLE_PAGE,
    PRESENT,
    QUICK_REASON,
    SERIES_NOTICE,
    SERIES_SCREEN,
    SESSION_ACTION,
    STOP_SERIES,
    STOP_SERIES_ASK,
    WALK_INS,
    WIZARD_CHOICE,
    Leave,
    MenuAction,
)
from handlers.calendar_admin.drafts import CalendarDraft, Kind
from handlers.calendar_admin.home import home
from handlers.capability import ButtonRoute, Capability, Command, Input, MenuItem, Who
from handlers.ctx import Ctx, with_person


async def show_home(ctx: Ctx) -> None:
    """🗓️ Calendrier: new series or session, the series, next sessions, attendance."""
    await home(ctx, edit=False)


@with_person(facilitator_only=True)
async def command(ctx: Ctx) -> None:
    """/calendrier (/calendar): the facilitators' calendar."""
    await home(ctx, edit=False)


@with_person(facilitator_only=True)
async def on_menu(ctx: Ctx) -> None:
    """A button of the calendar menu."""
    button = ctx.button(CALENDAR_MENU)
    if button is None:
        ctx.stale()
        return
    match MenuAction(button.args[0]):
        case MenuAction.HOME:
            await home(ctx, edit=True)
        case MenuAction.NEW_SERIES:
            await wizard.start_wizard(ctx, Kind.SERIES)
        case MenuAction.ONE_OFF:
            await wizard.start_wizard(ctx, Kind.ONE_OFF)
        case MenuAction.UPCOMING:
            await sessions.upcoming(ctx)
        case MenuAction.ATTENDANCE:
            await attendance.recent(ctx, edit=True)


@with_person(facilitator_only=True)
async def on_leave(ctx: Ctx) -> None:
    """❌ Annuler (drop the draft) or ↩️ keep the session: nothing changes."""
    button = ctx.button(LEAVE)
    had = ctx.draft(CalendarDraft) is not None
    ctx.clear()
    ctx.remove_buttons()
    if button is not None and button.args[0] == Leave.KEEP:
        ctx.reply(ctx.t("cal.kept"))
        return
    ctx.show_menu(N_("cancel.done") if had else N_("cancel.nothing"))


CAPABILITY = Capability(
    name="calendar_admin",
    commands=(
        Command("calendrier", "calendar", command, N_("cal.command"), who=Who.FACILITATORS),
    ),
    buttons=(
        ButtonRoute(CALENDAR_MENU, on_menu, facilitators_only=True),
        ButtonRoute(LEAVE, on_leave, facilitators_only=True),
        ButtonRoute(WIZARD_CHOICE, wizard.on_button, facilitators_only=True),
        ButtonRoute(SERIES_SCREEN, series.on_series, facilitators_only=True),
        ButtonRoute(EDIT_FIELD, series.on_edit_start, facilitators_only=True),
        ButtonRoute(FIELD_CHOICE, series.on_edit_button, facilitators_only=True),
        ButtonRoute(SERIES_NOTICE, series.on_notice, facilitators_only=True),
        ButtonRoute(STOP_SERIES_ASK, series.on_stop_ask, facilitators_only=True),
        ButtonRoute(STOP_SERIES, series.on_stop, facilitators_only=True),
        ButtonRoute(SESSION_ACTION, sessions.on_session_action, facilitators_only=True),
        ButtonRoute(PEOPLE_PAGE, sessions.on_picker, facilitators_only=True),
        ButtonRoute(ANSWER_FOR, sessions.on_answer_for, facilitators_only=True),
        ButtonRoute(ANSWER, sessions.on_answer, facilitators_only=True),
        ButtonRoute(ADD_OFFLINE, offline.on_add, facilitators_only=True),
        ButtonRoute(OFFLINE, offline.on_choice, facilitators_only=True),
        ButtonRoute(FORGET, offline.on_forget, facilitators_only=True),
        ButtonRoute(QUICK_REASON, cancel_move.on_quick_reason, facilitators_only=True),
        ButtonRoute(CONFIRM_CHANGE, cancel_move.on_confirm, facilitators_only=True),
        ButtonRoute(ATTENDANCE_SHEET, attendance.on_sheet, facilitators_only=True),
        ButtonRoute(PRESENT, attendance.on_present, facilitators_only=True),
        ButtonRoute(WALK_INS, attendance.on_walk_ins, facilitators_only=True),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.calendar"), facilitators_only=True), show_home),),
    inputs=(
        Input(wizard.WIZARD_TEXT, wizard.on_text),
        Input(series.EDIT_TEXT, series.on_edit_text),
        Input(cancel_move.REASON_TEXT, cancel_move.on_reason_text),
        Input(cancel_move.MOVE_TEXT, cancel_move.on_move_text),
        Input(offline.OFFLINE_TEXT, offline.on_text),
    ),
)
