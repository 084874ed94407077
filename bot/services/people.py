"""People, roles, consent and facilitator invitations; people without Telegram.

Someone without Telegram (or who does not want the bot) can still come: a facilitator
adds them by name, with a phone number if they wish. They are counted in seats, the
waiting list and attendance like anyone, and never messaged (telegram_id is None).
Their consent is the one they gave in person: the facilitator tells them what is kept
and confirms they agree; `consent_at` is that moment and `added_by_id` the facilitator
who vouches for it. A facilitator can erase them when they ask.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES
from bot.models import Invitation, Person, Role

INVITATION_TTL = timedelta(hours=48)
INVITATION_PREFIX = "inv_"
# last_seen_at is written at most this often so that reading does not always mean writing.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)
MAX_NAME_LENGTH = 128
# A name typed by a facilitator for someone without Telegram: it must fit on a button.
MAX_TYPED_NAME = 40


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
        try:
            async with session.begin_nested():
                session.add(person)
            return person
        except IntegrityError:
            # Two first updates of a newcomer at once (a double tap on /start): the other
            # one created them and has committed, since PostgreSQL waited for it.
            person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                raise
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
    """Delete a person who refused consent: nothing about them is kept.

    A statement rather than the ORM's delete: two taps on "Non merci" in flight at once
    both get here, and the second finds the row gone, which is fine (the ORM warns)."""
    await session.execute(delete(Person).where(Person.id == person.id))
    session.expunge(person)


async def toggle_reminder(session: AsyncSession, person: Person, *, day_before: bool) -> bool:
    """Switch one of the two reminders on or off; returns the new value."""
    if day_before:
        person.remind_day_before = not person.remind_day_before
        return person.remind_day_before
    person.remind_hours_before = not person.remind_hours_before
    return person.remind_hours_before


# --- people without Telegram ----------------------------------------------------------


class PersonError(ValueError):
    """A refused person; `code` names the problem ("name", "phone")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_typed_name(text: str) -> str | None:
    """A name as a facilitator typed it, spaces tidied; None if empty or too long."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_TYPED_NAME or not any(c.isalpha() for c in name):
        return None
    return name


def clean_phone(text: str) -> str | None:
    """A phone number written the usual ways ("06 12 34 56 78", "06.12.34.56.78",
    "+33 6 12 34 56 78"), tidied for reading aloud; None if it is not one."""
    raw = text.strip()
    if not re.fullmatch(r"\+?[0-9 .()-]{6,30}", raw):
        return None
    digits = re.sub(r"[^0-9]", "", raw)
    international: str | None = None
    if raw.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    if international is not None:
        if not (international.startswith("33") and len(international) == 11):
            return "+" + international if 8 <= len(international) <= 15 else None
        digits = "0" + international[2:]
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return None


async def add_offline_person(
    session: AsyncSession, *, name: str, phone: str | None, by: Person, now: datetime
) -> Person:
    """Someone without Telegram, added by a facilitator who saw them agree in person.

    Counted in seats and attendance like anyone; never messaged.
    """
    if not by.is_facilitator:
        raise PermissionError("only facilitators add people")
    clean = clean_typed_name(name)
    if clean is None:
        raise PersonError("name")
    number: str | None = None
    if phone is not None and phone.strip():
        number = clean_phone(phone)
        if number is None:
            raise PersonError("phone")
    person = Person(
        telegram_id=None,
        display_name=clean,
        language=by.language,
        role=Role.PARTICIPANT,
        # The consent they gave in person, which this facilitator vouches for.
        consent_at=now,
        added_by_id=by.id,
        phone=number,
        reachable=True,
        remind_day_before=False,
        remind_hours_before=False,
        created_at=now,
        last_seen_at=now,
    )
    session.add(person)
    await session.flush()
    return person


async def forget_offline_person(session: AsyncSession, *, person_id: int, by: Person) -> bool:
    """Erase someone without Telegram who asked (their answers go with them)."""
    if not by.is_facilitator:
        raise PermissionError("only facilitators erase people")
    person = await session.get(Person, person_id)
    if person is None or person.telegram_id is not None:
        return False
    await session.delete(person)
    await session.flush()
    return True
