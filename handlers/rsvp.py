"""Participants' side of the calendar: the workshops, one-tap answers, .ics, reminders.

The list shows every series' next session first (and one-off sessions coming soon), so
no workshop hides behind another; "📅 Autres dates" shows the following ones, a few at a
time. Each card is short (name, day and time, how many come, my answer); the address and
the description are one tap away ("📍 Où ?", "ℹ️ Détails"), and every card offers its
calendar file ("📲 Ajouter à mon agenda"). Answer buttons work in private chats and on
the group's reminder. A participant sees counts, never other people's names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest

from bot.callback_data import ID, RSVP_ANSWER, ButtonKind, TapCode
from bot.context import MenuEntry, MiroirContext
from bot.http import not_modified
from bot.i18n import N_, normalize_language
from bot.models import Answer, Occurrence, OccurrenceStatus
from bot.runtime import Runtime
from bot.sending import inline_keyboard
from bot.services import calendar, calendar_queries, cards, ics, names, people, rsvp
from bot.services.outbox import Button
from bot.services.rsvp import Closed, MyAnswer
from bot.services.taps import TapRequest
from handlers.capability import ButtonRoute, Capability, Command, MenuItem
from handlers.ctx import Ctx, with_person
from handlers.keyboards import consent_keyboard, inline

log = logging.getLogger(__name__)

# "📅 Autres dates" shows this many sessions a tap.
MORE_DATES_COUNT = 3
CALENDAR_FILE = ButtonKind("ics", (ID,))  # the calendar file of a series
SESSION_FILE = ButtonKind("icso", (ID,))  # the calendar file of one session (a one-off)
WHERE = ButtonKind("ou", (ID,))  # the address of a session, and its map
DETAILS = ButtonKind("info", (ID,))  # what a session is about
MORE_DATES = ButtonKind("dates", (r"[1-9]\d{0,2}",))  # the page of other dates, from 1
REMINDER_CHOICE = ButtonKind("rem", (r"d|h|show",))  # day before, hours before, or the screen
CLOSED_KEYS = {
    Closed.CANCELLED: N_("rsvp.closed_cancelled"),
    Closed.STARTED: N_("rsvp.closed_started"),
    Closed.UNKNOWN: N_("rsvp.closed_unknown"),
}
# The kinds of button a card carries besides the answers (kept when a tap edits it).
CARD_EXTRAS = (WHERE, DETAILS, CALENDAR_FILE, SESSION_FILE)


def _today(rt: Runtime, now: datetime) -> date:
    return now.astimezone(rt.settings.tz).date()


def _extra_rows(ctx: Ctx, occurrence: Occurrence) -> list[list[Button]]:
    """📍 Où ? and ℹ️ Détails, then 📲 Ajouter à mon agenda."""
    info = [Button(ctx.t("sessions.button_where"), WHERE.make(occurrence.id))]
    if occurrence.description:
        info.append(Button(ctx.t("sessions.button_details"), DETAILS.make(occurrence.id)))
    calendar_file = (
        CALENDAR_FILE.make(occurrence.series_id)
        if occurrence.series_id is not None
        else SESSION_FILE.make(occurrence.id)
    )
    return [info, [Button(ctx.t("sessions.button_ics"), calendar_file)]]


async def _show_cards(ctx: Ctx, occurrences: Sequence[Occurrence]) -> None:
    """One message per session, with its buttons; a typed "oui" answers the last one."""
    found = list(occurrences)
    seats = await rsvp.seats_many(ctx.session, found)
    mine = await rsvp.my_answers(ctx.session, person_id=ctx.person.id, occurrences=found)
    tr, tz, today = ctx.rt.translator, ctx.rt.settings.tz, _today(ctx.rt, ctx.now)
    for occurrence in found:
        text = cards.card(
            tr, ctx.lang, tz, occurrence, seats[occurrence.id], mine[occurrence.id], today=today
        )
        if occurrence.status == OccurrenceStatus.CANCELLED:
            ctx.reply(text)
            continue
        rows = cards.rsvp_buttons(tr, ctx.lang, occurrence.id, mine[occurrence.id])
        ctx.reply(text, inline_keyboard([*rows, *_extra_rows(ctx, occurrence)]))
        ctx.state.last_card = (occurrence.id, ctx.now)


async def show_sessions(ctx: Ctx) -> None:
    """The workshops: every series' next session, one-off sessions coming soon."""
    listing = await calendar_queries.workshop_listing(ctx.session, now=ctx.now)
    if not listing.first:
        ctx.reply(ctx.t("sessions.none"))
        return
    ctx.reply(ctx.t("sessions.intro"))
    await _show_cards(ctx, listing.first)
    reminders = (ctx.t("sessions.button_reminders"), REMINDER_CHOICE.make("show"))
    if listing.others:
        ctx.reply(
            ctx.t("sessions.extras_more"),
            inline([[(ctx.t("sessions.button_more"), MORE_DATES.make(1))], [reminders]]),
        )
    else:
        ctx.reply(ctx.t("sessions.extras"), inline([[reminders]]))


@with_person()
async def sessions_command(ctx: Ctx) -> None:
    """/seances: the workshops."""
    await show_sessions(ctx)


@with_person()
async def on_more_dates(ctx: Ctx) -> None:
    """📅 Autres dates: the following sessions, a few at a time."""
    parsed = ctx.button(MORE_DATES)
    if parsed is None:
        ctx.stale()
        return
    page = parsed.int_arg(0)
    listing = await calendar_queries.workshop_listing(ctx.session, now=ctx.now)
    start = (page - 1) * MORE_DATES_COUNT
    shown = listing.others[start : start + MORE_DATES_COUNT]
    ctx.answer()
    _settle_more_button(ctx)
    if not shown:
        ctx.reply(ctx.t("sessions.no_more"))
        return
    await _show_cards(ctx, shown)
    if len(listing.others) > start + MORE_DATES_COUNT:
        ctx.reply(
            ctx.t("sessions.more"),
            inline([[(ctx.t("sessions.button_more"), MORE_DATES.make(page + 1))]]),
        )


def _settle_more_button(ctx: Ctx) -> None:
    """The tapped "📅 Autres dates" goes away: its message keeps the reminders button, or
    becomes the heading of the dates that follow."""
    query = ctx.query
    message = query.message if query else None
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    buttons = [b for row in message.reply_markup.inline_keyboard for b in row]
    if any(REMINDER_CHOICE.parse(_data(b)) for b in buttons):
        reminders = (ctx.t("sessions.button_reminders"), REMINDER_CHOICE.make("show"))
        ctx.edit(ctx.t("sessions.extras"), inline([[reminders]]))
    else:
        ctx.edit(ctx.t("sessions.more_heading"))


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
    await query.answer(rt.t(_toast_key(code, outcome), lang, count=outcome.position))
    if in_group:
        await rt.group_counts.touch(occurrence_id)
        return
    if context.user_data is not None:
        context.user_data.last_card = (occurrence_id, rt.clock.now())
    if result.occurrence is not None and isinstance(query.message, Message):
        await _refresh_card(rt, context, query.message, lang, result.occurrence, outcome)


def _data(button: InlineKeyboardButton) -> str | None:
    return button.callback_data if isinstance(button.callback_data, str) else None


def _kept_rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    """The rows of a card's keyboard that are not answers (📍 Où ?, 📲 agenda...)."""
    if markup is None:
        return []
    kept: list[list[InlineKeyboardButton]] = []
    for row in markup.inline_keyboard:
        if all(any(kind.parse(_data(b)) for kind in CARD_EXTRAS) for b in row):
            kept.append(list(row))
    return kept


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
    tr, tz = rt.translator, rt.settings.tz
    old = message.text or ""
    # A reminder may show the address on the card: it stays.
    place = tr.t("sessions.place", lang, place=occurrence.place) in old.split("\n")
    today = _today(rt, rt.clock.now())
    text = cards.card(tr, lang, tz, occurrence, outcome.seats, mine, today=today, place=place)
    answers = inline_keyboard(cards.rsvp_buttons(tr, lang, occurrence.id, mine)).inline_keyboard
    new_markup = InlineKeyboardMarkup([*answers, *_kept_rows(message.reply_markup)])
    # A reminder keeps its first line ("Rappel : c'est demain !").
    intro = old.split("\n\n", 1)[0] if "\n\n" in old else ""
    if intro and not intro.startswith(text.split("\n", 1)[0]):
        text = intro + "\n\n" + text
    if text == old and new_markup == message.reply_markup:
        return  # the same tap twice: nothing to change on screen
    # Two taps in flight at once both carry the card as it was before either edit: the
    # second must not send the edit the first one made (Telegram refuses it). Checked and
    # set with no await in between, so concurrent taps of one person see each other.
    state = context.user_data
    drawn = (message.chat.id, message.message_id, text, new_markup.to_json())
    if state is not None:
        if state.last_edit == drawn:
            return
        state.last_edit = drawn
    try:
        await context.bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=new_markup
        )
    except BadRequest as exc:
        if not not_modified(exc):
            if state is not None and state.last_edit == drawn:
                state.last_edit = None  # not drawn: the next tap may try again
            raise


async def _tapped_occurrence(ctx: Ctx, kind: ButtonKind) -> Occurrence | None:
    """The session a card's button is about; None (and a kind word) when it is gone."""
    parsed = ctx.button(kind)
    found = None
    if parsed is not None:
        found = await calendar_queries.occurrence(ctx.session, parsed.int_arg(0))
    if found is None:
        ctx.stale()
    return found


@with_person()
async def on_where(ctx: Ctx) -> None:
    """📍 Où ?: the address of the session, and its map when there is one."""
    occurrence = await _tapped_occurrence(ctx, WHERE)
    if occurrence is None:
        return
    tr = ctx.rt.translator
    text = "\n".join(
        [
            ctx.t("sessions.title", title=names.title_of(occurrence, tr, ctx.lang)),
            ctx.t("sessions.place", place=occurrence.place),
        ]
    )
    url = occurrence.map_url
    markup = (
        inline_keyboard([[Button(ctx.t("sessions.button_map"), url=url)]])
        if url and url.startswith(("https://", "http://"))
        else None
    )
    ctx.answer()
    ctx.reply(text, markup)
    if occurrence.status == OccurrenceStatus.SCHEDULED:
        ctx.state.last_card = (occurrence.id, ctx.now)


@with_person()
async def on_details(ctx: Ctx) -> None:
    """ℹ️ Détails: what the session is about, how long it lasts, where it is."""
    occurrence = await _tapped_occurrence(ctx, DETAILS)
    if occurrence is None:
        return
    tr, tz = ctx.rt.translator, ctx.rt.settings.tz
    minutes = int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
    lines = [
        ctx.t("sessions.title", title=names.title_of(occurrence, tr, ctx.lang)),
        cards.day_line(tr, ctx.lang, tz, occurrence, today=_today(ctx.rt, ctx.now)),
        ctx.t("sessions.lasts", duration=cards.duration(tr, ctx.lang, minutes)),
        ctx.t("sessions.place", place=occurrence.place),
    ]
    if occurrence.description:
        lines.append(ctx.t("sessions.description", text=occurrence.description))
    ctx.answer()
    ctx.reply("\n".join(lines))
    if occurrence.status == OccurrenceStatus.SCHEDULED:
        ctx.state.last_card = (occurrence.id, ctx.now)


def _send_file(ctx: Ctx, payload: bytes, filename: str) -> None:
    bot, chat_id, caption = ctx.context.bot, ctx.chat_id, ctx.t("sessions.ics_caption")

    async def send() -> Any:
        return await bot.send_document(
            chat_id, InputFile(payload, filename=filename), caption=caption
        )

    ctx.answer()
    ctx.later(send)


def _events(ctx: Ctx, occurrences: Sequence[Occurrence]) -> list[ics.IcsEvent]:
    tr = ctx.rt.translator
    events = []
    for occurrence in occurrences:
        name = names.title_of(occurrence, tr, ctx.lang)
        if occurrence.status == OccurrenceStatus.CANCELLED:
            name = ctx.t("sessions.ics_cancelled", title=name)
        events.append(ics.event_of(occurrence, title=name))
    return events


@with_person()
async def on_ics(ctx: Ctx) -> None:
    """📲 A series as a calendar file: its coming sessions, cancelled ones marked."""
    parsed = ctx.button(CALENDAR_FILE)
    if parsed is None:
        ctx.stale()
        return
    series, occurrences = await calendar.series_events(
        ctx.session, series_id=parsed.int_arg(0), now=ctx.now
    )
    if series is None:
        ctx.stale()
        return
    name = names.title_of(series, ctx.rt.translator, ctx.lang)
    payload = ics.calendar_file(
        uid=ics.series_uid(series.id), name=name, events=_events(ctx, occurrences), now=ctx.now
    )
    _send_file(ctx, payload, ics.file_name(name))


@with_person()
async def on_session_ics(ctx: Ctx) -> None:
    """📲 One session (a one-off) as a calendar file."""
    occurrence = await _tapped_occurrence(ctx, SESSION_FILE)
    if occurrence is None:
        return
    name = names.title_of(occurrence, ctx.rt.translator, ctx.lang)
    payload = ics.calendar_file(
        uid=ics.occurrence_uid(occurrence.id),
        name=name,
        events=_events(ctx, [occurrence]),
        now=ctx.now,
    )
    _send_file(ctx, payload, ics.file_name(name))


def _reminder_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    """Each switch says what it does: "🔔 La veille à 18 h : oui"."""
    s = ctx.rt.settings
    local_day = ctx.now.astimezone(s.tz).date()
    at = ctx.rt.translator.format_time(
        datetime.combine(local_day, s.reminder_day_before_at, tzinfo=s.tz), ctx.lang, s.tz
    )
    day_key = N_("reminders.day_on") if ctx.person.remind_day_before else N_("reminders.day_off")
    hours_key = (
        N_("reminders.hours_on") if ctx.person.remind_hours_before else N_("reminders.hours_off")
    )
    day = ctx.t(day_key, time=at)
    hours = ctx.t(hours_key, count=s.reminder_hours_before)
    return inline([[(day, REMINDER_CHOICE.make("d"))], [(hours, REMINDER_CHOICE.make("h"))]])


@with_person()
async def on_reminders(ctx: Ctx) -> None:
    """🔔 Choose the reminders: both, one, or none."""
    parsed = ctx.button(REMINDER_CHOICE)
    if parsed is None:
        ctx.stale()
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
        ButtonRoute(RSVP_ANSWER, on_answer, in_groups=True),
        ButtonRoute(MORE_DATES, on_more_dates),
        ButtonRoute(WHERE, on_where),
        ButtonRoute(DETAILS, on_details),
        ButtonRoute(CALENDAR_FILE, on_ics),
        ButtonRoute(SESSION_FILE, on_session_ics),
        ButtonRoute(REMINDER_CHOICE, on_reminders),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.sessions")), show_sessions),),
)
