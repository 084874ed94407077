"""The Pabulib `.pb` export: it reads back with a plain parser, and holds no person's id."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import Person
from bot.services import budget, pabulib
from bot.services.pabulib import PbProject, PbRound
from tests import factories
from tests.unit.test_budget import EUR, add, claire, confirm, open_round

TZ = ZoneInfo("Europe/Paris")
TR = Translator()


@dataclass
class Parsed:
    meta: dict[str, str] = field(default_factory=dict)
    projects: dict[str, dict[str, str]] = field(default_factory=dict)
    votes: dict[str, list[str]] = field(default_factory=dict)


def parse(text: str) -> Parsed:
    """A reader written from pabulib.org/format: a title line, a header line, then rows."""
    parsed = Parsed()
    section, header = "", []
    lines = iter(csv.reader(text.splitlines(), delimiter=";"))
    for row in lines:
        if not row:
            continue
        if row[0].strip().lower() in ("meta", "projects", "votes") and len(row) == 1:
            section, header = row[0].strip().lower(), [h.strip() for h in next(lines)]
            continue
        values = dict(zip(header, (v.strip() for v in row), strict=True))
        if section == "meta":
            parsed.meta[values["key"]] = values["value"]
        elif section == "projects":
            parsed.projects[values["project_id"]] = values
        elif section == "votes":
            vote = values["vote"]
            parsed.votes[values["voter_id"]] = vote.split(",") if vote else []
    return parsed


def test_a_round_reads_back_with_its_sections_and_keys() -> None:
    pb = PbRound(
        instance="2026-3",
        budget_cents=1500 * EUR + 50,
        date_begin=date(2026, 11, 24),
        date_end=date(2026, 12, 8),
        projects=(
            PbProject(12, 400 * EUR, 9, 3, 'Jardin; "partagé"', True),
            PbProject(7, 300 * EUR + 5, 2, 0, "Sortie\nau musée", False),
        ),
        ballots=((12, 7), (12,), ()),
    )
    text = pabulib.render(pb)
    parsed = parse(text)
    assert parsed.meta["vote_type"] == "approval" and parsed.meta["rule"] == "greedy"
    assert parsed.meta["budget"] == "1500.5"
    assert (parsed.meta["num_projects"], parsed.meta["num_votes"]) == ("2", "3")
    assert (parsed.meta["date_begin"], parsed.meta["date_end"]) == ("24.11.2026", "08.12.2026")
    for key in ("description", "country", "unit", "instance", "language", "comment"):
        assert parsed.meta[key]
    assert "paper" in parsed.meta["comment"]
    assert list(parsed.projects) == ["7", "12"]
    assert parsed.projects["12"] == {
        "project_id": "12",
        "cost": "400",
        "votes": "9",
        "name": "Jardin, 'partagé'",
        "paper_votes": "3",
        "selected": "1",
    }
    assert parsed.projects["7"]["cost"] == "300.05"
    assert parsed.projects["7"]["name"] == "Sortie au musée"
    assert parsed.votes == {"1": [], "2": ["7", "12"], "3": ["12"]}
    assert text.startswith("META\nkey;value\n")
    assert '"' not in text  # nothing quoted: a plain split on ";" reads it too


def test_an_open_rounds_export_has_no_selected_column() -> None:
    pb = PbRound(
        "2026-1",
        100,
        date(2026, 1, 1),
        date(2026, 1, 2),
        (PbProject(1, 100, 0, 0, "A", None),),
        (),
    )
    parsed = parse(pabulib.render(pb))
    assert "selected" not in parsed.projects["1"]
    assert parsed.meta["num_votes"] == "0"


async def test_the_export_of_a_closed_round_has_no_person_id_and_counts_paper_apart(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ends = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    round_id, (a, b) = await open_round(
        database, clock.now(), [600, 500], amount=1000, ends_at=ends
    )
    people: list[Person] = [
        await factories.person(database, clock.now(), 5000 + i, f"P{i}") for i in range(3)
    ]
    for person, rp in zip(people, (a, a, b), strict=True):
        await add(database, clock.now(), round_id, person, rp)
        clock.advance(minutes=1)
        await confirm(database, clock.now(), round_id, person)
    by = await claire(database, clock.now())
    async with database.transaction() as session:
        await budget.set_paper_votes(
            session, round_id=round_id, round_project_id=b, votes=4, by=by, now=clock.now()
        )
    clock.set(ends + timedelta(minutes=1))
    async with database.transaction() as session:
        await budget.close_due(session, now=clock.now(), translator=TR)
        text = await pabulib.export(session, round_id=round_id, tz=TZ)
        project_ids = {
            rp.round_project_id: rp.project_id
            for rp in await budget.tallies(session, round_id=round_id)
        }
    assert text is not None
    parsed = parse(text)
    pa, pb_ = str(project_ids[a]), str(project_ids[b])
    assert parsed.projects[pa]["votes"] == "2" and parsed.projects[pa]["selected"] == "0"
    assert parsed.projects[pb_]["votes"] == "5" and parsed.projects[pb_]["paper_votes"] == "4"
    assert parsed.projects[pb_]["selected"] == "1"
    assert parsed.meta["num_votes"] == "3"
    assert sorted(parsed.votes) == ["1", "2", "3"]
    assert sorted(v for vote in parsed.votes.values() for v in vote) == sorted([pa, pa, pb_])
    for person in [*people, by]:
        assert str(person.telegram_id) not in text
        assert person.display_name not in text
