"""People, roles, consent and facilitator invitations."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES
from bot.models import Invitation, Person, Role

INVITATION_TTL = timedelta(hours=48)
INVITATION_PREFIX = "inv_"
# last_seen_at is written at most this often so that reading does not always mean writing.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)
MAX_NAME_LENGTH = 128


def _clean_name(first_name: str | None, last_name: str | None) -> str:
    name = " ".join(part for part in (first_name, last_name) if part).strip()
    return (name or "?")[:MAX_NAME_LENGTH]


@dataclass(frozen=True)
class UserInfo:
    """What Telegram says about the author of an update."""

    telegram_id: int
    first_name: str | None
    last_name: str | None
    language: str  # already mapped to a language we speak


def _refresh(
    person: Person, user: UserInfo, now: datetime, facilitator_ids: Collection[int]
) -> None:
    name = _clean_name(user.first_name, user.last_name)
    if person.display_name != name:
        person.display_name = name
    if user.telegram_id in facilitator_ids and person.role != Role.FACILITATOR:
        person.role = Role.FACILITATOR
    if not person.reachable:
        person.reachable = True
    if now - person.last_seen_at >= LAST_SEEN_GRANULARITY:
        person.last_seen_at = now


def _new_person(user: UserInfo, now: datetime, facilitator_ids: Collection[int]) -> Person:
    return Person(
        telegram_id=user.telegram_id,
        display_name=_clean_name(user.first_name, user.last_name),
        language=user.language,
        role=Role.FACILITATOR if user.telegram_id in facilitator_ids else Role.PARTICIPANT,
        reachable=True,
        remind_day_before=True,
        remind_hours_before=True,
        created_at=now,
        last_seen_at=now,
    )


async def touch_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str | None,
    last_name: str | None = None,
    language: str,
    now: datetime,
    facilitator_ids: Collection[int] = (),
) -> Person:
    """Load the Person for a Telegram user, creating it on first contact.

    `language` is only used for a newcomer (guessed from Telegram); afterwards the
    person's own choice wins. Anyone in FACILITATOR_IDS is a facilitator.
    """
    user = UserInfo(telegram_id, first_name, last_name, language)
    person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if person is None:
        person = _new_person(user, now, facilitator_ids)
        session.add(person)
        await session.flush()
        return person
    _refresh(person, user, now, facilitator_ids)
    return person


async def touch_many(
    session: AsyncSession,
    users: Sequence[UserInfo],
    *,
    now: datetime,
    facilitator_ids: Collection[int] = (),
) -> dict[int, Person]:
    """touch_person for many users with one query (a batch of button taps)."""
    ids = {u.telegram_id for u in users}
    found: dict[int, Person] = {
        user_id: p
        for p in await session.scalars(select(Person).where(Person.telegram_id.in_(ids)))
        if (user_id := p.telegram_id) is not None
    }
    for user in users:
        person = found.get(user.telegram_id)
        if person is None:
            person = found[user.telegram_id] = _new_person(user, now, facilitator_ids)
            session.add(person)
        else:
            _refresh(person, user, now, facilitator_ids)
    await session.flush()
    return found


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def set_language(session: AsyncSession, person: Person, language: str) -> bool:
    """Set the person's language; False when we do not speak it."""
    if language not in LANGUAGES:
        return False
    person.language = language
    return True


async def give_consent(session: AsyncSession, person: Person, *, now: datetime) -> bool:
    """Record consent; False when it was already given (an old button tapped twice)."""
    if person.consent_at is not None:
        return False
    person.consent_at = now
    return True


async def mark_reachable(session: AsyncSession, *, telegram_id: int, reachable: bool) -> bool:
    """Flag a person (un)reachable, e.g. after a 403; True when a person was changed."""
    result = await session.execute(
        update(Person)
        .where(Person.telegram_id == telegram_id, Person.reachable.is_not(reachable))
        .values(reachable=reachable)
    )
    return bool(getattr(result, "rowcount", 0))


async def facilitators(session: AsyncSession) -> list[Person]:
    rows = await session.scalars(
        select(Person).where(Person.role == Role.FACILITATOR).order_by(Person.id)
    )
    return list(rows)


async def create_invitation(session: AsyncSession, *, creator: Person, now: datetime) -> str:
    """Create a single-use facilitator invitation and return its /start payload."""
    if not creator.is_facilitator:
        raise PermissionError("only facilitators invite facilitators")
    code = secrets.token_urlsafe(12)
    session.add(
        Invitation(
            code=code, created_by_id=creator.id, created_at=now, expires_at=now + INVITATION_TTL
        )
    )
    await session.flush()
    return INVITATION_PREFIX + code


class InvitationOutcome(enum.Enum):
    PROMOTED = "promoted"
    ALREADY_FACILITATOR = "already"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InvitationResult:
    outcome: InvitationOutcome

    @property
    def ok(self) -> bool:
        return self.outcome in (InvitationOutcome.PROMOTED, InvitationOutcome.ALREADY_FACILITATOR)


async def redeem_invitation(
    session: AsyncSession, *, person: Person, payload: str, now: datetime
) -> InvitationResult:
    """Use an invitation payload ("inv_<code>"): single use, valid 48 hours."""
    code = payload.removeprefix(INVITATION_PREFIX)
    invitation = await session.scalar(
        select(Invitation).where(Invitation.code == code).with_for_update()
    )
    if invitation is None or not payload.startswith(INVITATION_PREFIX):
        return InvitationResult(InvitationOutcome.UNKNOWN)
    if invitation.used_at is not None:
        if invitation.used_by_id == person.id:
            return InvitationResult(InvitationOutcome.ALREADY_FACILITATOR)
        return InvitationResult(InvitationOutcome.USED)
    if now >= invitation.expires_at:
        return InvitationResult(InvitationOutcome.EXPIRED)
    invitation.used_at = now
    invitation.used_by_id = person.id
    if person.is_facilitator:
        return InvitationResult(InvitationOutcome.ALREADY_FACILITATOR)
    person.role = Role.FACILITATOR
    return InvitationResult(InvitationOutcome.PROMOTED)


async def forget_person(session: AsyncSession, person: Person) -> None:
    """Delete a person who refused consent: nothing about them is kept."""
    await session.delete(person)
    await session.flush()


async def toggle_reminder(session: AsyncSession, person: Person, *, day_before: bool) -> bool:
    """Switch one of the two reminders on or off; returns the new value."""
    if day_before:
        person.remind_day_before = not person.remind_day_before
        return person.remind_day_before
    person.remind_hours_before = not person.remind_hours_before
    return person.remind_hours_before
