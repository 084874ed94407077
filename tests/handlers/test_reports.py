"""The funders' report, as Claire (a facilitator) gets it: /rapport, a month, two files.

November 2026 at the Tuesday workshop (14 h, Paris):
- 3 Nov: Ana said yes and came, Ben came without a word, 2 people came without the bot;
- 10 Nov: Ana and Ben said yes; Ana came, Ben did not;
- 17 Nov: cancelled;
- 24 Nov: Ana said yes; nobody took attendance.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Executable, func, select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Answer, Occurrence, OccurrenceStatus, OutboxMessage, Person, Rsvp
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import activity, rsvp
from scheduler import report as report_job
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    deliver,
    last_text,
    onboard,
    runtime,
    stored_person,
    toast,
    workshop,
)

PARIS = factories.TZ
NAMES = ("Ana", "Ben", "Claire")


def paris(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS).astimezone(UTC)


async def person_of(database: Database, telegram_id: int) -> Person:
    found = await stored_person(database, telegram_id)
    assert found is not None
    return found


async def november(fake: FakeTelegram, database: Database, clock: FrozenClock) -> FakeUser:
    """The story of the module docstring; returns Claire."""
    clock.set(paris(2, 9))
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 3))
    await onboard(fake, 201, "Ana")
    await onboard(fake, 202, "Ben")
    ana, ben = await person_of(database, 201), await person_of(database, 202)
    third, tenth, seventeenth, twenty_fourth = sessions[:4]
    for occurrence, who in ((third, ana), (tenth, ana), (tenth, ben), (twenty_fourth, ana)):
        await factories.answer(database, clock.now(), occurrence, who, Answer.YES)
    for occurrence, who in ((third, ana), (third, ben), (tenth, ana)):
        async with database.transaction() as session:
            await rsvp.mark_present(
                session, occurrence_id=occurrence.id, person_id=who.id, now=paris(30, 12)
            )
    async with database.transaction() as session:
        await rsvp.add_walk_ins(session, occurrence_id=third.id, delta=2, now=paris(30, 12))
        cancelled = await session.get(Occurrence, seventeenth.id)
        assert cancelled is not None
        cancelled.status = OccurrenceStatus.CANCELLED
    clock.set(paris(1, 10, month=12))
    return fake.user(FACILITATOR_ID, "Claire")


def documents(user: FakeUser) -> list[StoredMessage]:
    return [m for m in user.messages if m.from_bot and m.kind == "document"]


def csv_rows(content: bytes) -> dict[str, str]:
    assert content.startswith(b"\xef\xbb\xbf")
    return {
        row[0]: row[2]
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    }


async def figures_in_the_database(database: Database, now: datetime) -> dict[str, str]:
    """November's figures counted straight from the tables, the way a person would."""
    start, end = activity.month_bounds(date(2026, 11, 1), PARIS)
    in_november = (Occurrence.starts_at >= start, Occurrence.starts_at < min(end, now))
    held = (*in_november, Occurrence.status == OccurrenceStatus.SCHEDULED)
    async with database.transaction() as session:

        async def number(stmt: Executable) -> int:
            return int(await session.scalar(stmt) or 0)

        walk_ins = await number(select(func.sum(Occurrence.walk_ins)).where(*held))
        present = select(Rsvp).join(Occurrence).where(*held, Rsvp.present.is_(True)).subquery()
        return {
            "sessions_held": str(await number(select(func.count()).where(*held))),
            "sessions_cancelled": str(
                await number(
                    select(func.count()).where(
                        *in_november, Occurrence.status == OccurrenceStatus.CANCELLED
                    )
                )
            ),
            "present_total": str(
                await number(select(func.count()).select_from(present)) + walk_ins
            ),
            "walk_ins": str(walk_ins),
            "said_yes": str(
                await number(
                    select(func.count())
                    .select_from(Rsvp)
                    .join(Occurrence)
                    .where(*held, Rsvp.answer == Answer.YES, Rsvp.waitlisted.is_(False))
                )
            ),
            "unique_people": str(
                await number(select(func.count(func.distinct(present.c.person_id))))
            ),
        }


def pdf_tools_or_skip() -> None:
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        return
    if os.environ.get("CI"):
        pytest.fail("pdftoppm and pdftotext are needed in CI (poppler-utils)")
    pytest.skip("no poppler-utils here: apt-get install poppler-utils")


def read_pdf(content: bytes, folder: Path) -> tuple[int, str]:
    """The PDF drawn as pictures (one a page), and its text as pdftotext reads it."""
    pdf = folder / "report.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "page")], check=True)
    pages = sorted(folder.glob("page*.png"))
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return len(pages), text


async def test_claire_picks_november_and_gets_one_page_and_its_figures(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    pdf_tools_or_skip()
    claire = await november(fake, database, clock)
    await claire.send("/rapport")
    picker = claire.last
    assert picker is not None
    assert last_text(claire).startswith("📄 Le rapport du mois, pour les financeurs.")
    months = [label for row in picker.buttons for label in row]
    assert len(months) == 12
    assert months[:3] == ["décembre 2026 (en cours)", "novembre 2026", "octobre 2026"]
    assert months[-1] == "janvier 2026"

    await claire.tap("novembre 2026")
    assert toast(claire) == "⏳ Je prépare le rapport…"
    pdf, table = documents(claire)
    assert pdf.caption == "📄 Le rapport de novembre 2026. Une page à imprimer ou à envoyer."
    assert table.caption == "📊 Les chiffres de novembre 2026, pour un tableur."
    pdf_file = fake.files[pdf.file_id or ""]
    csv_file = fake.files[table.file_id or ""]
    assert pdf_file.file_name == "rapport-2026-11.pdf"
    assert csv_file.file_name == "rapport-2026-11.csv"

    pages, text = read_pdf(pdf_file.content, tmp_path)
    assert pages == 1
    assert "Miroir de soi" in text
    assert "Rapport d'activité de novembre 2026" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for wanted in (
        "Ateliers tenus 3",
        "Ateliers annulés 1",
        "Présences au total 5",
        "Inscrits venus 67 %",
        "Venus sans inscription 3",
        "Nouvelles personnes (première venue) 2",
    ):
        assert any(wanted in line for line in lines), wanted
    # The mood lines wrap in their column: read them as one line.
    assert "novembre 2026 : pas assez de réponses pour la montrer" in " ".join(text.split())
    assert "Aucun nom, aucune donnée personnelle." in text

    figures = csv_rows(csv_file.content)
    expected = await figures_in_the_database(database, clock.now())
    assert {code: figures[code] for code in expected} == expected
    assert expected == {
        "sessions_held": "3",
        "sessions_cancelled": "1",
        "present_total": "5",
        "walk_ins": "2",
        "said_yes": "4",
        "unique_people": "2",
    }
    # Only the sessions where attendance was taken compare "yes" with "present": 2 of 3.
    assert figures["yes_rate"] == "67"
    for name in NAMES:
        assert name not in text
        assert name not in csv_file.content.decode("utf-8-sig")


async def test_the_month_in_progress_says_so(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    pdf_tools_or_skip()
    claire = await november(fake, database, clock)
    clock.set(paris(20, 10))
    await claire.send("/report")
    await claire.tap("novembre 2026 (en cours)")
    pdf, table = documents(claire)
    pages, text = read_pdf(fake.files[pdf.file_id or ""].content, tmp_path)
    assert pages == 1
    assert "Mois en cours : les chiffres au 20 novembre 2026." in text
    # The 24th has not come yet.
    assert csv_rows(fake.files[table.file_id or ""].content)["sessions_held"] == "2"


async def test_on_the_first_of_the_month_claire_is_told_once_and_taps_for_the_report(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await november(fake, database, clock)
    rt = runtime(app)
    assert await report_job.tick(rt) == 0, "off unless MONTHLY_REPORT is set"
    rt.settings.monthly_report = True
    assert await report_job.tick(rt) == 1
    assert await report_job.tick(rt) == 0
    clock.advance(hours=12)
    assert await report_job.tick(rt) == 0
    await deliver(app)
    assert last_text(claire) == (
        "📄 Le rapport de novembre 2026 est prêt.\n👇 Touchez le bouton pour le recevoir."
    )
    await claire.tap("📄 Recevoir le rapport")
    assert [m.caption for m in documents(claire)] == [
        "📄 Le rapport de novembre 2026. Une page à imprimer ou à envoyer.",
        "📊 Les chiffres de novembre 2026, pour un tableur.",
    ]
    # The 2nd: nothing more.
    clock.set(paris(2, 10, month=12))
    assert await report_job.tick(rt) == 0
    async with database.transaction() as session:
        assert (
            await session.scalar(
                select(func.count()).where(OutboxMessage.kind == "monthly_report")
            )
            == 1
        )


async def test_participants_get_no_report_and_forged_months_are_refused(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await november(fake, database, clock)
    ana = fake.user(201)
    await ana.send("/rapport")
    assert last_text(ana) == "🔒 Ce bouton est pour les animateurs."
    await ana.press_callback("rpt:24322")
    assert toast(ana) == "🔒 Ce bouton est pour les animateurs."
    assert documents(ana) == []

    await claire.send("/rapport")
    await claire.press_callback("rpt:24324")  # January 2027
    assert toast(claire) == "🤔 Ce mois n'a pas encore commencé."
    for forged in ("rpt:2026-11", "rpt:3"):
        await claire.press_callback(forged)
        assert toast(claire).startswith("⌛ Ce bouton ne marche plus.")
    assert documents(claire) == []


async def test_an_english_speaking_facilitator_gets_the_report_in_the_workshops_language(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await november(fake, database, clock)
    jo = await onboard(fake, 9002, "Jo", language="en")
    jo_id = (await person_of(database, 9002)).id
    async with database.transaction() as session:
        row = await session.get(Person, jo_id)
        assert row is not None
        row.role = "facilitator"
    await jo.send("/report")
    assert last_text(jo).startswith("📄 The monthly report, for funders.")
    await jo.tap("November 2026")
    pdf, table = documents(jo)
    assert pdf.caption == "📄 The report for November 2026. One page to print or send."
    figures = fake.files[table.file_id or ""].content.decode("utf-8-sig")
    assert figures.startswith("code;indicateur;valeur")
    assert timedelta(0) <= clock.now() - paris(1, 10, month=12)
