"""Participants' side of the calendar: next sessions, one-tap answers, .ics, reminders.

Answer buttons work in private chats and on the group's reminder. A participant sees
counts, never other people's names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import Answer, Occurrence, Series
from bot.services import calendar, ics, notices, people, rsvp, session_texts
from bot.services.rsvp import Closed, MyAnswer
from handlers.commands import CommandSpec, add_command
from handlers.decorators import Ctx, with_person
from handlers.keyboards import buttons_markup, inline
from handlers.menu import register_action
from handlers.onboarding import ask_consent_again

UPCOMING_COUNT = 3
ANSWERS = {"y": Answer.YES, "m": Answer.MAYBE, "n": Answer.NO, "p": Answer.YES, "q": Answer.YES}
CLOSED_KEYS = {
    Closed.CANCELLED: N_("rsvp.closed_cancelled"),
    Closed.STARTED: N_("rsvp.closed_started"),
    Closed.UNKNOWN: N_("rsvp.closed_unknown"),
}


async def show_sessions(ctx: Ctx) -> None:
    """The next sessions, one message each, with the answer buttons."""
    upcoming = await calendar.upcoming(ctx.session, now=ctx.now, limit=UPCOMING_COUNT)
    if not upcoming:
        ctx.reply(ctx.t("sessions.none"))
        return
    seats = await rsvp.seats_many(ctx.session, upcoming)
    mine = await rsvp.my_answers(ctx.session, person_id=ctx.person.id, occurrences=upcoming)
    tr, tz = ctx.rt.translator, ctx.rt.settings.tz
    ctx.reply(ctx.t("sessions.intro"))
    for occurrence in upcoming:
        ctx.reply(
            session_texts.card(
                tr, ctx.lang, tz, occurrence, seats[occurrence.id], mine[occurrence.id]
            ),
            buttons_markup(
                session_texts.rsvp_buttons(tr, ctx.lang, occurrence.id, mine[occurrence.id])
            ),
        )
    series_ids: dict[int, str] = {}
    for occurrence in upcoming:
        if occurrence.series_id is not None:
            series_ids.setdefault(occurrence.series_id, occurrence.title)
    rows = [
        [(ctx.t("sessions.button_ics", title=title), cb.make("ics", sid))]
        for sid, title in series_ids.items()
    ]
    rows.append([(ctx.t("sessions.button_reminders"), cb.make("rem", "show"))])
    ctx.reply(ctx.t("sessions.extras"), inline(rows))


@with_person()
async def sessions_command(ctx: Ctx) -> None:
    """/seances: the next sessions."""
    await show_sessions(ctx)


def _toast_key(code: str, outcome: rsvp.Outcome) -> str:
    if outcome.answer == Answer.YES and outcome.position is not None:
        return N_("rsvp.toast_waiting")
    if outcome.answer == Answer.MAYBE:
        return N_("rsvp.toast_maybe")
    if outcome.answer == Answer.NO:
        return N_("rsvp.toast_no")
    if code == "p":
        return N_("rsvp.toast_yes_plus")
    if code == "q":
        return N_("rsvp.toast_alone")
    return N_("rsvp.toast_yes")


@with_person(needs_consent=False)
async def on_answer(ctx: Ctx) -> None:
    """A tap on Je viens / Peut-être / Je ne viens pas / +1, in private or in the group."""
    query = ctx.query
    parsed = cb.parse(query.data if query else None)
    in_group = (
        ctx.update.effective_chat is not None and ctx.update.effective_chat.type != "private"
    )
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    if not ctx.person.has_consented:
        if in_group:
            ctx.answer(ctx.t("rsvp.group_start_first"), alert=True)
        else:
            await ask_consent_again(ctx)
        return
    code, occurrence_id = parsed.args[0], parsed.int_arg(1)
    plus_one = {"p": True, "q": False}.get(code)
    try:
        outcome = await rsvp.respond(
            ctx.session,
            occurrence_id=occurrence_id,
            person=ctx.person,
            answer=ANSWERS[code],
            plus_one=plus_one,
            now=ctx.now,
        )
    except rsvp.SessionClosed as closed:
        ctx.answer(ctx.t(CLOSED_KEYS[closed.why]), alert=True)
        return
    except rsvp.NoSeatForPlusOne:
        ctx.answer(ctx.t("rsvp.no_seat_plus_one"), alert=True)
        return
    await notices.notify_seat_moves(
        ctx.session,
        occurrence_id=occurrence_id,
        moved=outcome.moved,
        translator=ctx.rt.translator,
        tz=ctx.rt.settings.tz,
        now=ctx.now,
    )
    ctx.answer(ctx.t(_toast_key(code, outcome), position=outcome.position))
    if in_group:
        editor = ctx.rt.group_editor
        if editor is not None:

            async def refresh() -> None:
                await editor.touch(occurrence_id)

            ctx.later(refresh)
        return
    await _refresh_card(ctx, occurrence_id, outcome)


async def _refresh_card(ctx: Ctx, occurrence_id: int, outcome: rsvp.Outcome) -> None:
    """Edit the tapped message to show the new counts and the person's answer."""
    query = ctx.query
    message = query.message if query else None
    occurrence = await calendar.get_occurrence(ctx.session, occurrence_id)
    if occurrence is None or not isinstance(message, Message):
        return
    mine = MyAnswer(outcome.answer, outcome.plus_one, outcome.position)
    tr = ctx.rt.translator
    text = session_texts.card(tr, ctx.lang, ctx.rt.settings.tz, occurrence, outcome.seats, mine)
    new_markup = buttons_markup(session_texts.rsvp_buttons(tr, ctx.lang, occurrence_id, mine))
    # A reminder keeps its first line ("Rappel : c'est demain !").
    intro = (message.text or "").split("\n\n", 1)[0] if "\n\n" in (message.text or "") else ""
    if intro and not intro.startswith(text.split("\n", 1)[0]):
        text = intro + "\n\n" + text
    if text == message.text and new_markup == message.reply_markup:
        return  # the same tap twice: nothing to change on screen
    ctx.edit(text, new_markup)


@with_person()
async def on_ics(ctx: Ctx) -> None:
    """📲 The series as a calendar file for the phone."""
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    series: Series | None = None
    occurrences: list[Occurrence] = []
    if parsed is not None:
        series, occurrences = await calendar.series_events(
            ctx.session, series_id=parsed.int_arg(0), now=ctx.now
        )
    if series is None:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    events = [
        ics.IcsEvent(
            uid=f"occurrence-{o.id}@miroir",
            start_utc=o.starts_at,
            end_utc=o.ends_at,
            title=o.title,
            location=o.place,
            description=o.description,
            cancelled=o.status == "cancelled",
        )
        for o in occurrences
    ]
    payload = ics.series_calendar(
        series_uid=f"series-{series.id}@miroir", name=series.title, events=events, now=ctx.now
    )
    filename = _slug(series.title) + ".ics"
    bot, chat_id, caption = ctx.context.bot, ctx.chat_id, ctx.t("sessions.ics_caption")

    async def send() -> Any:
        return await bot.send_document(
            chat_id, InputFile(payload, filename=filename), caption=caption
        )

    ctx.answer()
    ctx.later(send)


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")
    return ("miroir-" + slug.lower())[:40] or "miroir"


def _reminder_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    s = ctx.rt.settings
    at = s.reminder_day_before_at.strftime("%H:%M")
    day = (
        ctx.t("reminders.day_on", time=at)
        if ctx.person.remind_day_before
        else ctx.t("reminders.day_off", time=at)
    )
    hours = (
        ctx.t("reminders.hours_on", hours=s.reminder_hours_before)
        if ctx.person.remind_hours_before
        else ctx.t("reminders.hours_off", hours=s.reminder_hours_before)
    )
    return inline([[(day, cb.make("rem", "d"))], [(hours, cb.make("rem", "h"))]])


@with_person()
async def on_reminders(ctx: Ctx) -> None:
    """🔔 Choose the reminders: both, one, or none."""
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    choice = parsed.args[0]
    if choice == "show":
        ctx.answer()
        ctx.reply(ctx.t("reminders.title"), _reminder_keyboard(ctx))
        return
    await people.toggle_reminder(ctx.session, ctx.person, day_before=choice == "d")
    ctx.answer(ctx.t("reminders.saved_toast"))
    ctx.edit(ctx.t("reminders.title"), _reminder_keyboard(ctx))


@with_person(needs_consent=False)
async def link_command(ctx: Ctx) -> None:
    """/lier in a group: a facilitator chooses which workshop this group follows."""
    if not ctx.person.is_facilitator:
        ctx.reply(ctx.t("group.only_facilitators"))
        return
    series = await calendar.active_series(ctx.session)
    if not series:
        ctx.reply(ctx.t("group.link_none"))
        return
    ctx.reply(
        ctx.t("group.link_choose"), inline([[(s.title, cb.make("lk", s.id))] for s in series])
    )


@with_person(needs_consent=False)
async def on_link(ctx: Ctx) -> None:
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    chat = ctx.update.effective_chat
    if not ctx.person.is_facilitator:
        ctx.answer(ctx.t("group.only_facilitators"), alert=True)
        return
    if parsed is None or chat is None or chat.type == "private":
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    try:
        series = await calendar.link_group(
            ctx.session, series_id=parsed.int_arg(0), chat_id=chat.id, by=ctx.person, now=ctx.now
        )
    except calendar.CalendarError:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    ctx.answer()
    ctx.edit(ctx.t("group.linked", title=series.title))


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(["seances", "sessions"], sessions_command, filters=private))
    app.add_handler(CommandHandler(["lier", "link"], link_command, filters=groups))
    app.add_handler(CallbackQueryHandler(on_answer, pattern=cb.pattern("rv")))
    app.add_handler(CallbackQueryHandler(on_ics, pattern=cb.pattern("ics")))
    app.add_handler(CallbackQueryHandler(on_reminders, pattern=cb.pattern("rem")))
    app.add_handler(CallbackQueryHandler(on_link, pattern=cb.pattern("lk")))


register_action(N_("menu.sessions"), show_sessions)
add_command(CommandSpec("seances", N_("commands.sessions")))
