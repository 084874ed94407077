"""How a session reads on a phone: the card, the answer buttons, the notices.

Shared by the participants' list, reminders, the group post and the notices about
cancelled or moved sessions, so all of them say the same thing the same way.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callback_data import RSVP_ANSWER, TapCode
from bot.i18n import Translator
from bot.models import Answer, Occurrence, OccurrenceStatus
from bot.services.outbox import Button
from bot.services.rsvp import MyAnswer, Seats


def duration(translator: Translator, lang: str, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return translator.t("sessions.duration_hm", lang, hours=hours, minutes=f"{rest:02d}")
    if hours:
        return translator.t("sessions.duration_h", lang, hours=hours)
    return translator.t("sessions.duration_m", lang, minutes=rest)


def when(translator: Translator, lang: str, tz: ZoneInfo, moment: datetime) -> str:
    return translator.format_datetime(moment, lang, tz)


def seats_line(translator: Translator, lang: str, seats: Seats) -> str:
    line = translator.t("sessions.seats", lang, taken=seats.taken, capacity=seats.capacity)
    if seats.waiting:
        line += "\n" + translator.t("sessions.waiting", lang, count=seats.waiting)
    return line


def my_line(translator: Translator, lang: str, mine: MyAnswer | None) -> str:
    t = translator.t
    if mine is None or mine.answer is None:
        return t("sessions.mine_none", lang)
    if mine.answer == Answer.YES and mine.position is not None:
        return t("sessions.mine_waiting", lang, position=mine.position)
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
) -> str:
    """One session, one message: what, when, where, how many, and my answer."""
    t = translator.t
    minutes = int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
    lines = [
        t("sessions.title", lang, title=occurrence.title),
        t(
            "sessions.when",
            lang,
            when=when(translator, lang, tz, occurrence.starts_at),
            duration=duration(translator, lang, minutes),
        ),
        t("sessions.place", lang, place=occurrence.place),
    ]
    if occurrence.map_url:
        lines.append(t("sessions.map", lang, url=occurrence.map_url))
    if occurrence.description:
        lines.append(t("sessions.description", lang, text=occurrence.description))
    if occurrence.status == OccurrenceStatus.CANCELLED:
        lines.append(t("sessions.cancelled_line", lang))
        return "\n".join(lines)
    lines.append(seats_line(translator, lang, seats))
    if show_mine:
        lines.append(my_line(translator, lang, mine))
    return "\n".join(lines)


def rsvp_buttons(
    translator: Translator, lang: str, occurrence_id: int, mine: MyAnswer | None = None
) -> list[list[Button]]:
    """Je viens / Peut-être / Je ne viens pas, and the +1 toggle for a yes."""
    t = translator.t
    rows = [
        [Button(t("sessions.button_yes", lang), RSVP_ANSWER.make(TapCode.YES, occurrence_id))],
        [
            Button(
                t("sessions.button_maybe", lang), RSVP_ANSWER.make(TapCode.MAYBE, occurrence_id)
            ),
            Button(t("sessions.button_no", lang), RSVP_ANSWER.make(TapCode.NO, occurrence_id)),
        ],
    ]
    if mine is not None and mine.answer == Answer.YES:
        if mine.plus_one:
            rows.append(
                [
                    Button(
                        t("sessions.button_alone", lang),
                        RSVP_ANSWER.make(TapCode.ALONE, occurrence_id),
                    )
                ]
            )
        else:
            rows.append(
                [
                    Button(
                        t("sessions.button_plus_one", lang),
                        RSVP_ANSWER.make(TapCode.PLUS_ONE, occurrence_id),
                    )
                ]
            )
    return rows
