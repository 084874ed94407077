"""Participants' side of the calendar: next sessions, one-tap answers, .ics, reminders.

Answer buttons work in private chats and on the group's reminder. A participant sees
counts, never other people's names.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest

from bot.callback_data import ID, RSVP_ANSWER, ButtonKind, TapCode
from bot.context import MenuEntry, MiroirContext
from bot.http import not_modified
from bot.i18n import N_, normalize_language
from bot.models import Answer, Occurrence, Series
from bot.runtime import Runtime
from bot.sending import inline_keyboard
from bot.services import calendar, cards, ics, people, rsvp
from bot.services.rsvp import Closed, MyAnswer
from bot.services.taps import TapRequest
from handlers.capability import ButtonRoute, Capability, Command, MenuItem
from handlers.ctx import Ctx, with_person
from handlers.keyboards import consent_keyboard, inline

log = logging.getLogger(__name__)

UPCOMING_COUNT = 3
CALENDAR_FILE = ButtonKind("ics", (ID,))  # the calendar file of a series
REMINDER_CHOICE = ButtonKind("rem", (r"d|h|show",))  # day before, hours before, or the screen
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
            cards.card(tr, ctx.lang, tz, occurrence, seats[occurrence.id], mine[occurrence.id]),
            inline_keyboard(cards.rsvp_buttons(tr, ctx.lang, occurrence.id, mine[occurrence.id])),
        )
    series_ids: dict[int, str] = {}
    for occurrence in upcoming:
        if occurrence.series_id is not None:
            series_ids.setdefault(occurrence.series_id, occurrence.title)
    rows = [
        [(ctx.t("sessions.button_ics", title=title), CALENDAR_FILE.make(sid))]
        for sid, title in series_ids.items()
    ]
    rows.append([(ctx.t("sessions.button_reminders"), REMINDER_CHOICE.make("show"))])
    ctx.reply(ctx.t("sessions.extras"), inline(rows))


@with_person()
async def sessions_command(ctx: Ctx) -> None:
    """/seances: the next sessions."""
    await show_sessions(ctx)


def _toast_key(code: TapCode, outcome: rsvp.Outcome) -> str:
    if outcome.answer == Answer.YES and outcome.position is not None:
        return N_("rsvp.toast_waiting")
    if outcome.answer == Answer.MAYBE:
        return N_("rsvp.toast_maybe")
    if outcome.answer == Answer.NO:
        return N_("rsvp.toast_no")
    if code is TapCode.PLUS_ONE:
        return N_("rsvp.toast_yes_plus")
    if code is TapCode.ALONE:
        return N_("rsvp.toast_alone")
    return N_("rsvp.toast_yes")


async def on_answer(update: Update, context: MiroirContext) -> None:
    """A tap on Je viens / Peut-être / Je ne viens pas / +1, in private or in the group.

    Not wrapped in with_person: taps are written in batches (bot.batching), so that fifty
    people tapping at once are all answered within a fraction of a second.
    """
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or user.is_bot:
        return
    rt = context.runtime
    guess = normalize_language(user.language_code, rt.settings.default_language)
    parsed = RSVP_ANSWER.parse(query.data)
    if parsed is None:
        await query.answer(rt.t("errors.stale_button", guess), show_alert=True)
        return
    code, occurrence_id = TapCode(parsed.args[0]), parsed.int_arg(1)
    request = TapRequest(
        people.UserInfo(user.id, user.first_name, user.last_name, guess), occurrence_id, code
    )
    result = await rt.taps.submit(request)
    lang = result.language
    if context.user_data is not None:
        context.user_data.language = lang
    in_group = chat is not None and chat.type != "private"
    outcome = result.outcome
    if outcome is None:
        if in_group:
            await query.answer(rt.t("rsvp.group_start_first", lang), show_alert=True)
            return
        await query.answer(rt.t("consent.needed_toast", lang))
        await context.bot.send_message(
            user.id,
            rt.t("consent.notice", lang),
            reply_markup=consent_keyboard(lambda key, **kw: rt.t(key, lang, **kw)),
        )
        return
    if isinstance(outcome, rsvp.SessionClosed):
        await query.answer(rt.t(CLOSED_KEYS[outcome.why], lang), show_alert=True)
        return
    if isinstance(outcome, rsvp.NoSeatForPlusOne):
        await query.answer(rt.t("rsvp.no_seat_plus_one", lang), show_alert=True)
        return
    await query.answer(rt.t(_toast_key(code, outcome), lang, position=outcome.position))
    if in_group:
        await rt.group_counts.touch(occurrence_id)
        return
    if result.occurrence is not None and isinstance(query.message, Message):
        await _refresh_card(rt, context, query.message, lang, result.occurrence, outcome)


async def _refresh_card(
    rt: Runtime,
    context: MiroirContext,
    message: Message,
    lang: str,
    occurrence: Occurrence,
    outcome: rsvp.Outcome,
) -> None:
    """Edit the tapped message to show the new counts and the person's answer."""
    mine = MyAnswer(outcome.answer, outcome.plus_one, outcome.position)
    tr = rt.translator
    text = cards.card(tr, lang, rt.settings.tz, occurrence, outcome.seats, mine)
    new_markup = inline_keyboard(cards.rsvp_buttons(tr, lang, occurrence.id, mine))
    # A reminder keeps its first line ("Rappel : c'est demain !").
    old = message.text or ""
    intro = old.split("\n\n", 1)[0] if "\n\n" in old else ""
    if intro and not intro.startswith(text.split("\n", 1)[0]):
        text = intro + "\n\n" + text
    if text == old and new_markup == message.reply_markup:
        return  # the same tap twice: nothing to change on screen
    try:
        await context.bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=new_markup
        )
    except BadRequest as exc:
        if not not_modified(exc):
            raise


@with_person()
async def on_ics(ctx: Ctx) -> None:
    """📲 The series as a calendar file for the phone."""
    parsed = ctx.button(CALENDAR_FILE)
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
    return inline([[(day, REMINDER_CHOICE.make("d"))], [(hours, REMINDER_CHOICE.make("h"))]])


@with_person()
async def on_reminders(ctx: Ctx) -> None:
    """🔔 Choose the reminders: both, one, or none."""
    parsed = ctx.button(REMINDER_CHOICE)
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


CAPABILITY = Capability(
    name="rsvp",
    commands=(Command("seances", "sessions", sessions_command, N_("commands.sessions")),),
    buttons=(
        ButtonRoute(RSVP_ANSWER, on_answer),
        ButtonRoute(CALENDAR_FILE, on_ics),
        ButtonRoute(REMINDER_CHOICE, on_reminders),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.sessions")), show_sessions),),
)
