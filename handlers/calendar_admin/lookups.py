"""What a button points at, looked up again: the data can be forged or old.

Each helper either returns what was found or tells the person why not (a pop-up for a
tap, a message for a typed text) and returns None; the handler then just stops.
"""

from __future__ import annotations

import enum

from bot.callback_data import ButtonKind, Callback
from bot.models import Occurrence, OccurrenceStatus, Person, Series
from bot.services import calendar_queries as queries
from handlers.calendar_admin.buttons import STAMP, stamp
from handlers.calendar_admin.wording import refuse, when
from handlers.ctx import Ctx


class Need(enum.Enum):
    """What a session must be for a button to act on it; a cancelled one never is."""

    EXISTS = enum.auto()  # looking at who comes is harmless, even once started or moved
    OPEN = enum.auto()  # not started yet (and, if the button carries it, not moved since)
    STARTED = enum.auto()  # attendance is taken once it has begun


def _refusal(ctx: Ctx, occurrence: Occurrence | None, need: Need, at: int | None) -> str | None:
    if occurrence is None:
        return ctx.t("cal.occ_unknown")
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return ctx.t("cal.occ_cancelled")
    started = occurrence.starts_at <= ctx.now
    if need is Need.OPEN and started:
        return ctx.t("cal.occ_started")
    if need is Need.OPEN and at is not None and stamp(occurrence) != at:
        return ctx.t("cal.occ_moved", when=when(ctx, occurrence))
    if need is Need.STARTED and not started:
        return ctx.t("cal.att_not_yet")
    return None


def allowed(ctx: Ctx, occurrence: Occurrence, need: Need, *, at: int | None = None) -> bool:
    """Whether the session is as `need` says (and still starts `at`); if not, say why."""
    problem = _refusal(ctx, occurrence, need, at)
    if problem is not None:
        refuse(ctx, problem)
    return problem is None


async def find_session(
    ctx: Ctx, occurrence_id: int, need: Need, *, at: int | None = None
) -> Occurrence | None:
    """The session if it is as `need` says; otherwise say why and return None."""
    occurrence = await queries.occurrence(ctx.session, occurrence_id)
    problem = _refusal(ctx, occurrence, need, at)
    if problem is not None:
        refuse(ctx, problem)
        return None
    return occurrence


async def open_session(
    ctx: Ctx, kind: ButtonKind, need: Need = Need.OPEN
) -> tuple[Callback, Occurrence] | None:
    """Read the tapped button (or say it is out of date) and load the session it names.

    The session's id is the button's first argument. A button whose last argument is
    the session's start time (STAMP) acts only on a session that has not moved since.
    """
    button = ctx.button(kind)
    if button is None:
        ctx.stale()
        return None
    at = button.int_arg(-1) if kind.args[-1] == STAMP else None
    occurrence = await find_session(ctx, button.int_arg(0), need, at=at)
    return None if occurrence is None else (button, occurrence)


async def live_series(ctx: Ctx, series_id: int) -> Series | None:
    """The series unless it was stopped; otherwise say so and return None."""
    series = await queries.series(ctx.session, series_id)
    if series is None or series.ended_at is not None:
        refuse(ctx, ctx.t("cal.series_gone"))
        return None
    return series


async def open_series(ctx: Ctx, kind: ButtonKind) -> tuple[Callback, Series] | None:
    """Read the tapped button (or say it is out of date) and load the series it names."""
    button = ctx.button(kind)
    if button is None:
        ctx.stale()
        return None
    series = await live_series(ctx, button.int_arg(0))
    return None if series is None else (button, series)


async def known_person(ctx: Ctx, person_id: int) -> Person | None:
    """Someone who agreed to the privacy notice; otherwise say so and return None."""
    person = await queries.consented_person(ctx.session, person_id)
    if person is None:
        refuse(ctx, ctx.t("cal.person_unknown"))
    return person
