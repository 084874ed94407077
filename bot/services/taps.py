"""A batch of one-tap answers ("Je viens", "Peut-être"...) written in one transaction.

Fifty people tapping at once all touch the same session row; `bot.batching` gathers
whoever taps while a batch is being written, and this function writes them together:
the people, their answers, and the notices for anyone whose seat moved as a result.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import TapCode
from bot.i18n import Translator
from bot.models import Occurrence
from bot.services import calendar, notices, people, rsvp


@dataclass(frozen=True)
class TapRequest:
    user: people.UserInfo
    occurrence_id: int
    code: TapCode


TapOutcome = rsvp.Outcome | rsvp.SessionClosed | rsvp.NoSeatForPlusOne


@dataclass(frozen=True)
class TapResult:
    language: str
    # None: the person has not agreed to the privacy notice yet; nothing was written.
    outcome: TapOutcome | None
    occurrence: Occurrence | None


async def process_taps(
    session: AsyncSession,
    requests: Sequence[TapRequest],
    *,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
    facilitator_ids: Collection[int],
) -> list[TapResult]:
    """The answers of everyone in the batch, in order, and the notices they cause."""
    persons = await people.touch_many(
        session, [r.user for r in requests], now=now, facilitator_ids=facilitator_ids
    )
    agreed = [r for r in requests if persons[r.user.telegram_id].has_consented]
    outcomes = iter(
        await rsvp.respond_many(
            session,
            [
                rsvp.Tap(
                    r.occurrence_id,
                    persons[r.user.telegram_id].id,
                    r.code.answer,
                    r.code.plus_one,
                )
                for r in agreed
            ],
            now=now,
        )
    )
    results = []
    for request in requests:
        person = persons[request.user.telegram_id]
        if not person.has_consented:
            results.append(TapResult(person.language, None, None))
            continue
        outcome = next(outcomes)
        if isinstance(outcome, rsvp.Outcome) and outcome.moved:
            await notices.notify_seat_moves(
                session,
                occurrence_id=request.occurrence_id,
                moved=outcome.moved,
                translator=translator,
                tz=tz,
                now=now,
            )
        occurrence = await calendar.get_occurrence(session, request.occurrence_id)
        results.append(TapResult(person.language, outcome, occurrence))
    return results
