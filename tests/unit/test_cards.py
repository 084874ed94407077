"""How a session reads on a phone: short cards, counts and durations in words, the
waiting list in words, and the answer buttons (no "+1" for a person in line)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator, default_translator
from bot.models import Answer, Occurrence, OccurrenceStatus
from bot.services import cards
from bot.services.outbox import Button
from bot.services.rsvp import MyAnswer, Seats

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 1 December, 14 h in Dijon


@pytest.fixture
def tr() -> Translator:
    return default_translator()


def session(**changes: object) -> Occurrence:
    values: dict[str, object] = {
        "id": 42,
        "series_id": 7,
        "title": "Miroir de soi",
        "place": "Centre social, Fontaine d'Ouche",
        "description": "Prendre soin de soi, en groupe.",
        "map_url": "https://maps.example.org/cs",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "capacity": 20,
        "status": OccurrenceStatus.SCHEDULED,
    }
    values.update(changes)
    return Occurrence(**values)


def seats(taken: int = 0, capacity: int = 20, waiting: int = 0) -> Seats:
    return Seats(taken=taken, capacity=capacity, yes=taken, maybe=0, no=0, waiting=waiting)


def buttons(rows: list[list[Button]]) -> list[list[str]]:
    return [[b.text for b in row] for row in rows]


def test_a_card_is_name_day_counts_and_my_answer_nothing_more(tr: Translator) -> None:
    text = cards.card(tr, "fr", PARIS, session(), seats(2), MyAnswer(Answer.YES))
    assert text == (
        "🎨 Miroir de soi\n"
        "📅 mardi 1 décembre, de 14 h à 16 h\n"
        "👥 2 personnes viennent. Il reste 18 places.\n"
        "✅ Vous venez."
    )


def test_today_and_tomorrow_by_name_and_the_place_on_request(tr: Translator) -> None:
    text = cards.card(
        tr, "fr", PARIS, session(), seats(), None, today=date(2026, 11, 30), place=True
    )
    assert text.split("\n")[1:3] == [
        "📅 demain, de 14 h à 16 h",
        "📍 Centre social, Fontaine d'Ouche",
    ]


@pytest.mark.parametrize(
    ("taken", "waiting", "lang", "expected"),
    [
        (0, 0, "fr", "👥 Il y a 20 places."),
        (1, 0, "fr", "👥 1 personne vient. Il reste 19 places."),
        (19, 0, "fr", "👥 19 personnes viennent. Il reste 1 place."),
        (20, 0, "fr", "👥 20 personnes viennent. C'est complet."),
        (20, 1, "fr", "👥 20 personnes viennent. C'est complet.\n🕐 1 personne attend une place."),
        (
            20,
            3,
            "fr",
            "👥 20 personnes viennent. C'est complet.\n🕐 3 personnes attendent une place.",
        ),
        (0, 0, "en", "👥 There are 20 seats."),
        (1, 0, "en", "👥 1 person is coming. There are 19 seats left."),
        (19, 0, "en", "👥 19 people are coming. There is 1 seat left."),
        (20, 2, "en", "👥 20 people are coming. It is full.\n🕐 2 people are waiting for a seat."),
    ],
)
def test_counts_in_words(
    tr: Translator, taken: int, waiting: int, lang: str, expected: str
) -> None:
    assert cards.seats_line(tr, lang, seats(taken, waiting=waiting)) == expected


@pytest.mark.parametrize(
    ("position", "lang", "expected"),
    [
        (1, "fr", "🕐 Vous êtes la 1re personne sur la liste d'attente."),
        (2, "fr", "🕐 Vous êtes la 2e personne sur la liste d'attente."),
        (11, "fr", "🕐 Vous êtes la 11e personne sur la liste d'attente."),
        (1, "en", "🕐 You are number 1 on the waiting list."),
        (3, "en", "🕐 You are number 3 on the waiting list."),
    ],
)
def test_the_place_in_line_in_words(
    tr: Translator, position: int, lang: str, expected: str
) -> None:
    line = cards.my_line(tr, lang, MyAnswer(Answer.YES, position=position))
    assert line.split("\n")[0] == expected


def test_a_full_session_says_what_to_do_to_those_without_a_seat(tr: Translator) -> None:
    full = seats(20)
    hint = "🕐 Touchez « Je viens » pour attendre une place."
    assert hint in cards.card(tr, "fr", PARIS, session(), full, None)
    assert hint in cards.card(tr, "fr", PARIS, session(), full, MyAnswer(Answer.MAYBE))
    assert hint not in cards.card(tr, "fr", PARIS, session(), full, MyAnswer(Answer.YES))
    waiting = MyAnswer(Answer.YES, position=1)
    assert hint not in cards.card(tr, "fr", PARIS, session(), full, waiting)
    assert hint not in cards.card(tr, "fr", PARIS, session(), full, show_mine=False)


def test_a_cancelled_session_says_so_without_capitals_and_with_its_reason(
    tr: Translator,
) -> None:
    cancelled = session(status=OccurrenceStatus.CANCELLED, cancel_reason="Salle fermée")
    assert cards.card(tr, "fr", PARIS, cancelled, seats()) == (
        "🎨 Miroir de soi\n📅 mardi 1 décembre, de 14 h à 16 h\n🚫 Atelier annulé\n💬 Salle fermée"
    )
    quick = session(status=OccurrenceStatus.CANCELLED, cancel_reason_key="cal.reason_room")
    assert cards.card(tr, "en", PARIS, quick, seats()).split("\n")[2:] == [
        "🚫 Workshop cancelled",
        "💬 " + tr.t("cal.reason_room", "en"),
    ]


def test_a_suggested_name_is_shown_in_the_readers_language(tr: Translator) -> None:
    dance = session(title="Danse", title_key="cal.quick_dance")
    assert cards.card(tr, "en", PARIS, dance, seats()).startswith("🎨 Dance\n")
    assert cards.card(tr, "fr", PARIS, dance, seats()).startswith("🎨 Danse\n")


@pytest.mark.parametrize(
    ("minutes", "fr", "en"),
    [
        (60, "1 heure", "1 hour"),
        (120, "2 heures", "2 hours"),
        (90, "1 heure et demie", "1 and a half hours"),
        (150, "2 heures et demie", "2 and a half hours"),
        (45, "45 minutes", "45 minutes"),
        (1, "1 minute", "1 minute"),
        (75, "1 heure et 15 minutes", "1 hour and 15 minutes"),
        (181, "3 heures et 1 minute", "3 hours and 1 minute"),
    ],
)
def test_durations_as_spoken(tr: Translator, minutes: int, fr: str, en: str) -> None:
    assert cards.duration(tr, "fr", minutes) == fr
    assert cards.duration(tr, "en", minutes) == en


def test_answer_buttons_and_the_plus_one_only_with_a_seat(tr: Translator) -> None:
    answers = [["✅ Je viens"], ["🤔 Peut-être", "❌ Je ne viens pas"]]
    assert buttons(cards.rsvp_buttons(tr, "fr", 42)) == answers
    seated = MyAnswer(Answer.YES)
    assert buttons(cards.rsvp_buttons(tr, "fr", 42, seated)) == [
        *answers,
        ["➕ Je viens avec quelqu'un"],
    ]
    with_someone = MyAnswer(Answer.YES, plus_one=True)
    assert buttons(cards.rsvp_buttons(tr, "fr", 42, with_someone)) == [*answers, ["➖ Juste moi"]]
    # In line: no "+1" (it would only push them further back).
    in_line = MyAnswer(Answer.YES, position=1)
    assert buttons(cards.rsvp_buttons(tr, "fr", 42, in_line)) == answers
    # In line with a +1 (their session shrank): they may come alone, which can be enough.
    in_line_with_someone = MyAnswer(Answer.YES, plus_one=True, position=1)
    assert buttons(cards.rsvp_buttons(tr, "fr", 42, in_line_with_someone)) == [
        *answers,
        ["➖ Juste moi"],
    ]
    assert [b.callback_data for row in cards.rsvp_buttons(tr, "fr", 42) for b in row] == [
        "rv:y:42",
        "rv:m:42",
        "rv:n:42",
    ]


def test_when_keeps_its_meaning_for_the_notices(tr: Translator) -> None:
    assert cards.when(tr, "fr", PARIS, START) == "mardi 1 décembre à 14 h"
    assert cards.when(tr, "en", PARIS, START, today=date(2026, 12, 1)) == "today at 2 pm"
