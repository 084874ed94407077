"""A budget round exported in Pabulib's `.pb` format, the open format of participatory-
budgeting research (https://pabulib.org/format).

One UTF-8 text file, three sections (META, PROJECTS, VOTES), each a title line, a header
line, then `;`-separated rows. Choices made here:

- A project's title is written on one line, its `;` as `,` and its double quotes as
  single ones: no field ever needs quoting, so a plain split on `;` reads the file too.
- Costs and the budget in euros ("1500", or "1500.5" when there are cents); `currency`
  says EUR. Dates are the round's local opening and end days, dd.mm.yyyy.
- VOTES holds one row per confirmed basket (an emptied confirmed basket is an empty
  approval ballot), with voter ids 1..n given after sorting the ballots by their content:
  nothing in the file follows people's ids or the order in which they voted.
- Paper votes have no voter: they are counted in the PROJECTS `votes` column (which is
  what decided) and shown apart in an extra `paper_votes` column, and a META `comment`
  says so. `num_votes` counts the chat ballots only (the rows of VOTES).
- `selected` is 1 or 0 once the round is closed; an open round's export has no
  `selected` column (nothing is decided yet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Ballot, Basket, BudgetRound, RoundProject, RoundStatus
from bot.services import budget

COUNTRY = "France"
UNIT = "Dijon"
DESCRIPTION = "Miroir art-therapy workshop, participatory budget"
LANGUAGE = "fr"
CURRENCY = "EUR"
PAPER_COMMENT = (
    "Votes in PROJECTS include paper votes and a show of hands in a session "
    "(column paper_votes), which have no ballot in VOTES. "
    "Ties were broken by the earliest confirmed ballot."
)


@dataclass(frozen=True)
class PbProject:
    project_id: int
    cost_cents: int
    votes: int  # chat ballots + paper votes
    paper_votes: int
    name: str
    selected: bool | None  # None while the round is open


@dataclass(frozen=True)
class PbRound:
    instance: str
    budget_cents: int
    date_begin: date
    date_end: date
    projects: tuple[PbProject, ...]
    ballots: tuple[tuple[int, ...], ...]  # project ids per confirmed basket, any order


def euros(cents: int) -> str:
    """ "1500" or "1500.5": a plain number, as Pabulib's tools read it."""
    whole, rest = divmod(cents, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _plain(name: str) -> str:
    """One line, with nothing a `;`-separated reader could trip on."""
    return " ".join(name.split()).replace(";", ",").replace('"', "'")


def render(pb: PbRound) -> str:
    """The `.pb` file's text."""
    out = io.StringIO()
    rows = csv.writer(out, delimiter=";", lineterminator="\n")
    decided = all(p.selected is not None for p in pb.projects)
    ballots = sorted(tuple(sorted(b)) for b in pb.ballots)
    rows.writerow(["META"])
    rows.writerow(["key", "value"])
    for key, value in (
        ("description", DESCRIPTION),
        ("country", COUNTRY),
        ("unit", UNIT),
        ("instance", pb.instance),
        ("num_projects", str(len(pb.projects))),
        ("num_votes", str(len(ballots))),
        ("budget", euros(pb.budget_cents)),
        ("currency", CURRENCY),
        ("vote_type", "approval"),
        ("rule", "greedy"),
        ("date_begin", _day(pb.date_begin)),
        ("date_end", _day(pb.date_end)),
        ("language", LANGUAGE),
        ("comment", PAPER_COMMENT),
    ):
        rows.writerow([key, value])
    rows.writerow(["PROJECTS"])
    header = ["project_id", "cost", "votes", "name", "paper_votes"]
    rows.writerow([*header, "selected"] if decided else header)
    for project in sorted(pb.projects, key=lambda p: p.project_id):
        row = [
            str(project.project_id),
            euros(project.cost_cents),
            str(project.votes),
            _plain(project.name),
            str(project.paper_votes),
        ]
        rows.writerow([*row, "1" if project.selected else "0"] if decided else row)
    rows.writerow(["VOTES"])
    rows.writerow(["voter_id", "vote"])
    for voter_id, ballot in enumerate(ballots, start=1):
        rows.writerow([str(voter_id), ",".join(str(p) for p in ballot)])
    return out.getvalue()


async def load(session: AsyncSession, *, round_id: int, tz: ZoneInfo) -> PbRound | None:
    """A round as plain values, without a single person's id."""
    budget_round = await session.get(BudgetRound, round_id)
    if budget_round is None:
        return None
    tallies = await budget.tallies(session, round_id=round_id)
    selected: dict[int, bool | None] = {
        rp_id: flag
        for rp_id, flag in await session.execute(
            select(RoundProject.id, RoundProject.selected).where(RoundProject.round_id == round_id)
        )
    }
    closed = budget_round.status == RoundStatus.CLOSED
    project_of = {t.round_project_id: t.project_id for t in tallies}
    per_basket: dict[int, list[int]] = {}
    confirmed = await session.scalars(
        select(Basket.id).where(Basket.round_id == round_id, Basket.confirmed_at.is_not(None))
    )
    for basket_id in confirmed:
        per_basket[basket_id] = []
    ballots = await session.execute(
        select(Ballot.basket_id, Ballot.round_project_id)
        .join(Basket, Basket.id == Ballot.basket_id)
        .where(Basket.round_id == round_id)
    )
    for basket_id, rp_id in ballots:
        per_basket.setdefault(basket_id, []).append(project_of[rp_id])
    projects: Sequence[PbProject] = [
        PbProject(
            project_id=t.project_id,
            cost_cents=t.cost_cents,
            votes=t.votes,
            paper_votes=t.paper_votes,
            name=t.title,
            selected=bool(selected.get(t.round_project_id)) if closed else None,
        )
        for t in tallies
    ]
    begin = budget_round.created_at.astimezone(tz).date()
    return PbRound(
        instance=f"{begin.year}-{budget_round.id}",
        budget_cents=budget_round.amount_cents,
        date_begin=begin,
        date_end=budget_round.ends_at.astimezone(tz).date(),
        projects=tuple(projects),
        ballots=tuple(tuple(b) for b in per_basket.values()),
    )


async def export(session: AsyncSession, *, round_id: int, tz: ZoneInfo) -> str | None:
    """The round's `.pb` text, or None for an unknown round."""
    pb = await load(session, round_id=round_id, tz=tz)
    return render(pb) if pb is not None else None
