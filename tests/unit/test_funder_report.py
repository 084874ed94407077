"""The funders' report: its figures, how they are written, the monthly message."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, CheckIn, OutboxMessage, Person, Role
from bot.services import funder_report
from bot.services.funder_report import REPORT_MONTH, MonthNotStarted, Unit, format_number
from tests.unit.test_activity import PARIS, answer, autumn, local, occurrence, person

TR = Translator()
DECEMBER_FIRST = local(date(2026, 12, 1), 7)


async def november(
    database: Database, now: datetime = DECEMBER_FIRST
) -> funder_report.MonthReport:
    async with database.transaction() as session:
        return await funder_report.build(session, month=date(2026, 11, 15), now=now, tz=PARIS)


def rows(data: bytes) -> dict[str, str]:
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, for Excel"
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    return {row[0]: row[2] for row in reader}


@pytest.mark.parametrize(
    ("value", "unit", "lang", "shown"),
    [
        (1234, Unit.COUNT, "fr", "1\u00a0234"),
        (1234, Unit.COUNT, "en", "1,234"),
        (3.45, Unit.DECIMAL, "fr", "3,5"),
        (3.45, Unit.DECIMAL, "en", "3.5"),
        (2 / 3, Unit.PERCENT, "fr", "67\u00a0%"),
        (2 / 3, Unit.PERCENT, "en", "67%"),
        (8.0, Unit.HOURS, "fr", "8\u00a0h"),
        (7.5, Unit.HOURS, "fr", "7,5\u00a0h"),
        (None, Unit.DECIMAL, "fr", "–"),
    ],
)
def test_numbers_are_written_as_readers_write_them(
    value: float | None, unit: Unit, lang: str, shown: str
) -> None:
    assert format_number(value, unit, lang) == shown


def test_pdf_text_keeps_french_and_leaves_out_what_the_font_lacks() -> None:
    assert (
        funder_report.pdf_text("📄 Œuvre à l’été : 1\u202f234 €") == "Œuvre à l’été : 1\u00a0234 €"
    )


def test_month_codes_travel_on_buttons() -> None:
    code = funder_report.month_code(date(2026, 11, 1))
    assert code == 24322
    assert REPORT_MONTH.parse(REPORT_MONTH.make(code)) is not None
    assert funder_report.parse_month_code(code) == date(2026, 11, 1)
    assert funder_report.parse_month_code(funder_report.month_code(date(2027, 1, 1))) == date(
        2027, 1, 1
    )
    # Codes no real button carries.
    assert funder_report.parse_month_code(3) is None
    assert funder_report.parse_month_code(10**9) is None


async def test_the_report_holds_the_months_figures_and_its_csv_says_the_same(
    database: Database,
) -> None:
    await autumn(database)
    report = await november(database)
    assert report.month == date(2026, 11, 1) and report.complete
    assert [m.month for m in report.trend] == [date(2026, m, 1) for m in (6, 7, 8, 9, 10, 11)]
    assert len(report.sessions) == 4
    figures = rows(funder_report.to_csv(report, translator=TR, lang="fr"))
    assert figures["month"] == "2026-11"
    assert figures["sessions_held"] == "4" and figures["sessions_cancelled"] == "0"
    assert figures["workshop_hours"] == "8,0"
    assert figures["present_total"] == "6" and figures["present_average"] == "1,5"
    assert figures["said_yes"] == "5" and figures["yes_rate"] == "100"
    assert figures["came_unannounced"] == "1" and figures["walk_ins"] == "0"
    assert (figures["unique_people"], figures["new_people"], figures["returning_people"]) == (
        "3",
        "2",
        "1",
    )
    assert figures["regulars"] == "1"


async def test_the_csv_has_no_names(database: Database) -> None:
    await autumn(database)
    report = await november(database)
    for lang in ("fr", "en"):
        text = funder_report.to_csv(report, translator=TR, lang=lang).decode("utf-8-sig")
        for name in ("Ana", "Ben", "Cleo", "Dan", "Eve", "Fay"):
            assert name not in text


async def test_the_group_mood_is_given_only_for_five_people_or_more(database: Database) -> None:
    async with database.transaction() as session:
        people = [await person(session, f"P{i}") for i in range(6)]
        for i, day in enumerate((date(2026, 10, 6), date(2026, 11, 3))):
            sid = await occurrence(session, local(day))
            # October: 4 people answer (hidden); November: 6 (shown).
            for who in people[: 4 + 2 * i]:
                await answer(session, sid, who, Answer.YES, present=True)
                session.add(
                    CheckIn(
                        person_id=who,
                        local_date=day,
                        mood=4,
                        occurrence_id=sid,
                        created_at=local(day, 17),
                        updated_at=local(day, 17),
                    )
                )
    report = await november(database)
    by_month = {m.month: m for m in report.mood}
    assert list(by_month) == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert by_month[date(2026, 10, 1)].average is None
    assert by_month[date(2026, 11, 1)].average == 4.0
    assert by_month[date(2026, 11, 1)].people == 6
    texts = funder_report.pdf_texts(
        report, translator=TR, lang="fr", workshop="Miroir de soi", tz=PARIS
    )
    assert texts.mood_lines[1] == "octobre 2026 : pas assez de réponses pour la montrer"
    assert texts.mood_lines[2] == "novembre 2026 : 4,0 sur 5, 6 personnes"
    figures = rows(funder_report.to_csv(report, translator=TR, lang="fr"))
    assert figures["mood_average_2026_10"] == "" and figures["mood_average_2026_11"] == "4,0"


async def test_the_month_in_progress_is_marked_and_its_mood_not_shown(database: Database) -> None:
    await autumn(database)
    report = await november(database, now=local(date(2026, 11, 12)))
    assert not report.complete
    assert report.figures.sessions_held == 2
    assert report.mood[-1].average is None
    texts = funder_report.pdf_texts(report, translator=TR, lang="fr", workshop="M", tz=PARIS)
    assert texts.note == "Mois en cours : les chiffres au 12 novembre 2026."


async def test_a_month_not_begun_has_no_report(database: Database) -> None:
    with pytest.raises(MonthNotStarted):
        await november(database, now=local(date(2026, 10, 31), 23))


async def facilitators(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        claire = Person(
            telegram_id=9001,
            display_name="Claire",
            language="fr",
            role=Role.FACILITATOR,
            created_at=DECEMBER_FIRST,
            last_seen_at=DECEMBER_FIRST,
        )
        jo = Person(
            telegram_id=9002,
            display_name="Jo",
            language="en",
            role=Role.FACILITATOR,
            created_at=DECEMBER_FIRST,
            last_seen_at=DECEMBER_FIRST,
        )
        ana = Person(
            telegram_id=201,
            display_name="Ana",
            language="fr",
            created_at=DECEMBER_FIRST,
            last_seen_at=DECEMBER_FIRST,
        )
        session.add_all([claire, jo, ana])
        await session.flush()
        return claire.id, jo.id


async def monthly(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        return await funder_report.enqueue_monthly(session, now=now, tz=PARIS, translator=TR)


async def test_on_the_first_day_each_facilitator_is_told_once(database: Database) -> None:
    claire, jo = await facilitators(database)
    # 30 November 23:30 UTC is already 1 December in Paris.
    first_local_minute = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert await monthly(database, first_local_minute - timedelta(hours=1)) == 0
    assert await monthly(database, first_local_minute) == 2
    assert await monthly(database, first_local_minute + timedelta(hours=12)) == 0
    assert await monthly(database, local(date(2026, 12, 2), 9)) == 0
    async with database.transaction() as session:
        messages = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(m.person_id, m.chat_id) for m in messages] == [(claire, 9001), (jo, 9002)]
    assert messages[0].text == (
        "📄 Le rapport de novembre 2026 est prêt.\n👇 Touchez le bouton pour le recevoir."
    )
    assert messages[1].text is not None and messages[1].text.startswith(
        "📄 The report for November 2026"
    )
    assert messages[0].buttons == [
        [{"text": "📄 Recevoir le rapport", "callback_data": "rpt:24322"}]
    ]
    # January's message is about December of the year before.
    assert await monthly(database, local(date(2027, 1, 1), 9)) == 2
    async with database.transaction() as session:
        last = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert last[-1].buttons == [[{"text": "📄 Get the report", "callback_data": "rpt:24323"}]]


def test_a_page_with_dashes_euros_and_apostrophes_is_written() -> None:
    """An empty month shows "–" for its averages; a Latin-1 font could not write it."""
    texts = funder_report.PdfTexts(
        title="Rapport d’activité de février 2027",
        workshop="Miroir de soi – Fontaine d’Ouche 🪞",
        note="",
        sections=(("Présences", (("Présences par atelier, en moyenne", "–"),)),)
        + (("Budget", (("Dépensé", "1\u202f234 €"),)),) * 3,
        mood_title="Humeur du groupe",
        mood_lines=("février 2027 : pas assez de réponses pour la montrer",),
        mood_rule="Montrée seulement quand 5 personnes au moins ont répondu.",
        footer="Aucun nom, aucune donnée personnelle.",
    )
    pdf = funder_report.render_pdf(texts, [])
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
