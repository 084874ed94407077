"""Facilitators' calendar: series, one-off sessions, who comes, cancel, move, attendance.

Everything here is for facilitators. A new series or session is a draft in user_data
until "Créer"; nothing is written before. Buttons carry ids that are looked up again
(the data can be forged or old), and the buttons that act on a session also carry its
start time in minutes, so a session moved since the button was shown is not cancelled
or moved by mistake. Whoever answered yes or maybe is told of a change through the
outbox, in the same transaction as the change.

Here: the ways in (the menu button, /calendrier, the calendar menu, leaving a draft)
and the wiring. The screens are in the modules beside it: common (what they share),
wizard (a new series or one-off session), series (one series: look, change, stop),
sessions (upcoming sessions, who comes, answering for someone), cancel_move (cancel or
move one session) and attendance.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callback_data as cb
from bot.i18n import N_
from handlers import router
from handlers.calendar_admin.attendance import _recent, on_present, on_sheet, on_walk_ins
from handlers.calendar_admin.cancel_move import (
    on_confirm,
    on_move_text,
    on_quick_reason,
    on_reason_text,
)
from handlers.calendar_admin.common import (
    DRAFT,
    EDIT,
    EDIT_TEXT,
    MOVE_TEXT,
    OCC,
    REASON_TEXT,
    WIZARD_TEXT,
    _draft,
    _home,
    _parsed,
    _stale,
)
from handlers.calendar_admin.series import (
    on_edit_button,
    on_edit_start,
    on_edit_text,
    on_series,
    on_stop,
    on_stop_ask,
)
from handlers.calendar_admin.sessions import (
    _upcoming,
    on_answer,
    on_answer_for,
    on_occurrence,
    on_picker,
)
from handlers.calendar_admin.wizard import _start_wizard, on_wizard_button, on_wizard_text
from handlers.commands import CommandSpec, add_command
from handlers.decorators import Ctx, with_person
from handlers.menu import register_action
from handlers.onboarding import show_menu


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
