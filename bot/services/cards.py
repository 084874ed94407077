"""How a session reads on a phone: the card, the answer buttons, the notices.

Shared by the participants' list, reminders, the group post and the notices about
cancelled or moved sessions, so all of them say the same thing the same way.

A card is short, in easy-to-read words: the workshop's name, the day and the time, how
many people come, and the reader's own answer. The address and the description are
asked for with a button on the participants' list ("📍 Où ?", "ℹ️ Détails").
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.callback_data import RSVP_ANSWER, TapCode
from bot.i18n import N_, Translator
from bot.models import Answer, Occurrence, OccurrenceStatus
from bot.services import names
from bot.services.outbox import Button
from bot.services.rsvp import MyAnswer, Seats


def duration(translator: Translator, lang: str, minutes: int) -> str:
    """ "2 heures", "1 heure et demie", "45 minutes", "1 heure et 15 minutes"."""
    t = translator.t
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t("sessions.duration_m", lang, count=rest)
    if rest == 30:
        return t("sessions.duration_half", lang, count=hours)
    whole = t("sessions.duration_h", lang, count=hours)
    if not rest:
        return whole
    part = t("sessions.duration_m", lang, count=rest)
    return t("sessions.duration_hm", lang, hours=whole, minutes=part)


def when(
    translator: Translator, lang: str, tz: ZoneInfo, moment: datetime, *, today: date | None = None
) -> str:
    """ "mardi 3 décembre à 14 h" ("demain à 14 h" when `today` is given and it fits)."""
    return translator.format_datetime(moment, lang, tz, today=today)


def day_line(
    translator: Translator,
    lang: str,
    tz: ZoneInfo,
    occurrence: Occurrence,
    *,
    today: date | None = None,
) -> str:
    """ "📅 mardi 3 décembre, de 14 h à 16 h"."""
    return translator.t(
        "sessions.day",
        lang,
        date=translator.format_date(occurrence.starts_at, lang, tz, today=today),
        start=translator.format_time(occurrence.starts_at, lang, tz),
        end=translator.format_time(occurrence.ends_at, lang, tz),
    )


def seats_line(translator: Translator, lang: str, seats: Seats) -> str:
    """ "👥 2 personnes viennent. Il reste 18 places." and the waiting list, in words."""
    t = translator.t
    if seats.taken == 0:
        line = t("sessions.seats_open", lang, count=seats.capacity)
    else:
        coming = t("sessions.seats_coming", lang, count=seats.taken)
        left = (
            t("sessions.seats_left", lang, count=seats.free)
            if seats.free
            else t("sessions.seats_full", lang)
        )
        line = coming + " " + left
    if seats.waiting:
        line += "\n" + t("sessions.waiting", lang, count=seats.waiting)
    return line


def my_line(translator: Translator, lang: str, mine: MyAnswer | None) -> str:
    """The reader's own answer, in words."""
    t = translator.t
    if mine is None or mine.answer is None:
        return t("sessions.mine_none", lang)
    if mine.answer == Answer.YES and mine.position is not None:
        return (
            t("sessions.mine_waiting", lang, count=mine.position)
            + "\n"
            + t("sessions.mine_waiting_next", lang)
        )
    if mine.answer == Answer.YES:
        return t("sessions.mine_yes_plus", lang) if mine.plus_one else t("sessions.mine_yes", lang)
    if mine.answer == Answer.MAYBE:
        return t("sessions.mine_maybe", lang)
    return t("sessions.mine_no", lang)


def card(
    translator: Translator,
    lang: str,
    tz: ZoneInfo,
    occurrence: Occurrence,
    seats: Seats,
    mine: MyAnswer | None = None,
    *,
    show_mine: bool = True,
    today: date | None = None,
    place: bool = False,
) -> str:
    """One session, one short message: what, when, how many come, and my answer.

    `today` names today and tomorrow ("demain, de 14 h à 16 h"); `place` adds the
    address on a line of its own (for a message that has no "📍 Où ?" button).
    """
    t = translator.t
    lines = [
        t("sessions.title", lang, title=names.title_of(occurrence, translator, lang)),
        day_line(translator, lang, tz, occurrence, today=today),
    ]
    if place:
        lines.append(t("sessions.place", lang, place=occurrence.place))
    if occurrence.status == OccurrenceStatus.CANCELLED:
        lines.append(t("sessions.cancelled_line", lang))
        reason = names.reason_of(occurrence, translator, lang)
        if reason:
            lines.append(t("sessions.cancelled_reason", lang, reason=reason))
        return "\n".join(lines)
    lines.append(seats_line(translator, lang, seats))
    if show_mine:
        lines.append(my_line(translator, lang, mine))
        has_seat = mine is not None and mine.answer == Answer.YES
        if not seats.free and not has_seat:
            lines.append(t("sessions.full_hint", lang))
    return "\n".join(lines)


def rsvp_buttons(
    translator: Translator, lang: str, occurrence_id: int, mine: MyAnswer | None = None
) -> list[list[Button]]:
    """Je viens / Peut-être / Je ne viens pas, and the +1 toggle for a yes with a seat.

    A person on the waiting list gets no "+1": they wait for one seat. One who waits
    with a +1 may drop it ("➖ Juste moi"), which can be enough to get a seat.
    """
    t = translator.t

    def button(key: str, code: TapCode) -> Button:
        return Button(t(key, lang), RSVP_ANSWER.make(code, occurrence_id))

    rows = [
        [button(N_("sessions.button_yes"), TapCode.YES)],
        [
            button(N_("sessions.button_maybe"), TapCode.MAYBE),
            button(N_("sessions.button_no"), TapCode.NO),
        ],
    ]
    if mine is not None and mine.answer == Answer.YES:
        if mine.plus_one:
            rows.append([button(N_("sessions.button_alone"), TapCode.ALONE)])
        elif mine.position is None:
            rows.append([button(N_("sessions.button_plus_one"), TapCode.PLUS_ONE)])
    return rows
