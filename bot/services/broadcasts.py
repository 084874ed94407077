"""Facilitators' announcements: who writes and "💬 Répondre", audiences, scheduling, reports.

Answers to an announcement go to the facilitators through bot.services.talk.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import REPLY_BUTTON
from bot.i18n import Translator
from bot.models import (
    Answer,
    Broadcast,
    BroadcastState,
    ContentType,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
    Rsvp,
)
from bot.models.projects import SupportKind
from bot.services import outbox, project_board
from bot.services.outbox import Button, Outgoing
from bot.services.talk import first_name

ANNOUNCEMENT_KIND = "announcement"
REPORT_KIND = "broadcast_report"
SUMMARY_KIND = "broadcast_summary"
# Every announcement starts with a header saying who writes ("📣 Message de Claire"):
# the facilitator's text may use what Telegram takes, less this room.
HEADER_ROOM = 100
TEXT_LIMIT = outbox.TEXT_LIMIT - HEADER_ROOM
CAPTION_LIMIT = outbox.CAPTION_LIMIT - HEADER_ROOM
# "💬 Répondre" under an announcement: the announcement's id, or 0 on the author's preview.
PREVIEW = 0
# A little slack so that "now" chosen a moment ago is not "in the past" at confirmation.
PAST_TOLERANCE = timedelta(minutes=1)


class Audience(enum.StrEnum):
    EVERYONE = "all"
    FRENCH = "fr"
    ENGLISH = "en"
    NEXT_SESSION = "next"  # answered yes or maybe to the next session
    # A project's people; the project's id is the broadcast's audience_param.
    PROJECT_SUPPORTERS = "pjs"  # 👍 its supporters
    PROJECT_VOLUNTEERS = "pjv"  # 🙋 its volunteers


AudienceProvider = Callable[[AsyncSession, datetime], Awaitable[Sequence[Person]]]


async def _consented(session: AsyncSession, *conditions: object) -> list[Person]:
    rows = await session.scalars(
        select(Person)
        # People without Telegram are counted in seats but never messaged.
        .where(Person.consent_at.is_not(None), Person.telegram_id.is_not(None), *conditions)  # type: ignore[arg-type]
        .order_by(Person.id)
    )
    return list(rows)


async def _everyone(session: AsyncSession, now: datetime) -> Sequence[Person]:
    return await _consented(session)


async def _french(session: AsyncSession, now: datetime) -> Sequence[Person]:
    return await _consented(session, Person.language == Audience.FRENCH.value)


async def _english(session: AsyncSession, now: datetime) -> Sequence[Person]:
    return await _consented(session, Person.language == Audience.ENGLISH.value)


async def _next_session(session: AsyncSession, now: datetime) -> Sequence[Person]:
    """People who answered yes (seated or waiting) or maybe to the next session."""
    upcoming = await session.scalar(
        select(Occurrence.id)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_at > now)
        .order_by(Occurrence.starts_at)
        .limit(1)
    )
    if upcoming is None:
        return []
    answered = select(Rsvp.person_id).where(
        Rsvp.occurrence_id == upcoming, Rsvp.answer.in_([Answer.YES, Answer.MAYBE])
    )
    return await _consented(session, Person.id.in_(answered))


AUDIENCES: dict[str, AudienceProvider] = {
    Audience.EVERYONE: _everyone,
    Audience.NEXT_SESSION: _next_session,
    Audience.FRENCH: _french,
    Audience.ENGLISH: _english,
}


# Audiences that need a parameter (audience_param): the project whose people they are.
PROJECT_AUDIENCES: dict[str, SupportKind] = {
    Audience.PROJECT_SUPPORTERS: SupportKind.SUPPORT,
    Audience.PROJECT_VOLUNTEERS: SupportKind.VOLUNTEER,
}


async def audience_people(
    session: AsyncSession,
    audience: str,
    now: datetime,
    *,
    param: str | None = None,
    exclude_id: int | None = None,
) -> list[Person]:
    """The people an audience names; the author does not receive their own announcement."""
    kind = PROJECT_AUDIENCES.get(audience)
    if kind is not None:
        if param is None or not param.isdigit():
            raise ValueError(f"audience {audience!r} needs a project id, not {param!r}")
        return await project_board.audience(
            session, project_id=int(param), kind=kind, exclude_id=exclude_id
        )
    provider = AUDIENCES.get(audience)
    if provider is None:
        raise ValueError(f"unknown audience {audience!r}")
    return [p for p in await provider(session, now) if p.id != exclude_id]


@dataclass(frozen=True)
class Content:
    """What the facilitator wants to send; `parts` holds a text split in several messages."""

    content_type: ContentType
    parts: tuple[str, ...] = ()
    file_id: str | None = None

    @property
    def caption(self) -> str | None:
        return self.parts[0] if self.parts else None


class BroadcastError(ValueError):
    pass


class EmptyAudience(BroadcastError):
    pass


class InThePast(BroadcastError):
    pass


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into messages at paragraph, line, sentence or word boundaries."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for pattern in (r"\n\s*\n", r"\n", r"[.!?…]\s", r"\s"):
            matches = list(re.finditer(pattern, window))
            if matches and matches[-1].end() > limit // 3:
                cut = matches[-1].end()
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


@dataclass(frozen=True)
class Piece:
    """One message of an announcement as a participant receives it (and its author sees)."""

    content_type: ContentType
    text: str | None
    file_id: str | None = None
    buttons: tuple[tuple[Button, ...], ...] | None = None


def pieces(
    content: Content,
    *,
    author_name: str | None,
    lang: str,
    translator: Translator,
    broadcast_id: int,
) -> list[Piece]:
    """The messages of an announcement in one language: who writes first, "💬 Répondre" last.

    The author's preview is built here too (`broadcast_id` PREVIEW), so it is exactly
    what participants receive.
    """
    t = translator.t
    if author_name:
        header = t("broadcast.header", lang, name=first_name(author_name))
    else:
        header = t("broadcast.header_team", lang)
    reply = ((Button(t("broadcast.button_reply", lang), REPLY_BUTTON.make(broadcast_id)),),)
    if content.content_type != ContentType.TEXT:
        caption = header + ("\n\n" + content.caption if content.caption else "")
        return [Piece(ContentType(content.content_type), caption, content.file_id, reply)]
    last = len(content.parts) - 1
    return [
        Piece(
            ContentType.TEXT,
            header + "\n\n" + part if i == 0 else part,
            buttons=reply if i == last else None,
        )
        for i, part in enumerate(content.parts)
    ]


def _outgoing(
    broadcast: Broadcast,
    person: Person,
    content: Content,
    *,
    author_name: str | None,
    translator: Translator,
) -> list[Outgoing]:
    if person.telegram_id is None:
        return []  # counted in seats, never messaged
    return [
        Outgoing(
            chat_id=person.telegram_id,
            person_id=person.id,
            kind=ANNOUNCEMENT_KIND,
            dedupe_key=f"bc:{broadcast.id}:{person.id}:{i}",
            text=piece.text,
            content_type=piece.content_type,
            file_id=piece.file_id,
            buttons=piece.buttons,
            urgent=broadcast.urgent,
            broadcast_id=broadcast.id,
            reachable=person.reachable,
            priority=50,
        )
        for i, piece in enumerate(
            pieces(
                content,
                author_name=author_name,
                lang=person.language,
                translator=translator,
                broadcast_id=broadcast.id,
            )
        )
    ]


def check_content(content: Content) -> None:
    """Refuse what would not fit once the header is on: empty text, or over the limit."""
    limit = TEXT_LIMIT if content.content_type == ContentType.TEXT else CAPTION_LIMIT
    for part in content.parts or ("",):
        if content.content_type == ContentType.TEXT and not part:
            raise outbox.ContentTooLong(0, limit)
        if len(part) > limit:
            raise outbox.ContentTooLong(len(part), limit)


def content_of(broadcast: Broadcast) -> Content:
    parts = tuple(p for p in (broadcast.text or "").split("\x1e") if p)
    return Content(ContentType(broadcast.content_type), parts, broadcast.file_id)


async def create_broadcast(
    session: AsyncSession,
    *,
    creator: Person,
    content: Content,
    audience: str,
    send_at: datetime,
    urgent: bool,
    request_key: str,
    report_chat_id: int,
    now: datetime,
    translator: Translator,
    audience_param: str | None = None,
) -> tuple[Broadcast, bool]:
    """Create (and, when due, start) an announcement; idempotent on `request_key`.

    Returns the broadcast and whether it was created now (False: a double tap).
    """
    if not creator.is_facilitator:
        raise PermissionError("only facilitators make announcements")
    existing = await session.scalar(select(Broadcast).where(Broadcast.request_key == request_key))
    if existing is not None:
        return existing, False
    check_content(content)
    if send_at < now - PAST_TOLERANCE:
        raise InThePast(send_at.isoformat())
    if not await audience_people(
        session, audience, now, param=audience_param, exclude_id=creator.id
    ):
        raise EmptyAudience(audience)
    broadcast = Broadcast(
        created_by_id=creator.id,
        content_type=content.content_type,
        # Parts of a split text, separated by the ASCII record separator.
        text="\x1e".join(content.parts) if content.parts else None,
        file_id=content.file_id,
        audience=audience,
        audience_param=audience_param,
        urgent=urgent,
        send_at=max(send_at, now),
        state=BroadcastState.SCHEDULED,
        request_key=request_key,
        report_chat_id=report_chat_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    if broadcast.send_at <= now:
        await start_broadcast(
            session, broadcast, now=now, translator=translator, default_language=creator.language
        )
    return broadcast, True


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def by_request_key(session: AsyncSession, request_key: str) -> Broadcast | None:
    return await session.scalar(select(Broadcast).where(Broadcast.request_key == request_key))


async def _author(session: AsyncSession, broadcast: Broadcast) -> Person | None:
    if broadcast.created_by_id is None:
        return None
    return await session.get(Person, broadcast.created_by_id)


async def start_broadcast(
    session: AsyncSession,
    broadcast: Broadcast,
    *,
    now: datetime,
    translator: Translator,
    default_language: str,
) -> int:
    """Write one outbox row per person (and per part), and the author's report message.

    The audience is taken at this moment, so a scheduled announcement reaches the
    people who are in the group when it starts.
    """
    people_ = await audience_people(
        session,
        broadcast.audience,
        now,
        param=broadcast.audience_param,
        exclude_id=broadcast.created_by_id,
    )
    content = content_of(broadcast)
    author = await _author(session, broadcast)
    author_name = author.display_name if author else None
    messages = [
        m
        for person in people_
        for m in _outgoing(
            broadcast, person, content, author_name=author_name, translator=translator
        )
    ]
    added = await outbox.enqueue_many(session, messages, now=now)
    broadcast.state = BroadcastState.SENDING
    broadcast.started_at = now
    if broadcast.report_chat_id is not None:
        lang = author.language if author else default_language
        text = render_report(translator, lang, await report(session, broadcast.id), final=False)
        broadcast.report_text = text
        await outbox.enqueue(
            session,
            Outgoing(
                chat_id=broadcast.report_chat_id,
                person_id=author.id if author else None,
                kind=REPORT_KIND,
                dedupe_key=f"bc-report:{broadcast.id}",
                text=text,
                priority=0,
                urgent=True,  # the author is waiting for it
            ),
            now=now,
        )
    return added


async def author_language(
    session: AsyncSession, broadcast: Broadcast, *, default_language: str
) -> str:
    """The report speaks its author's language (the default one if they left)."""
    author = await _author(session, broadcast)
    return author.language if author else default_language


def render_report(translator: Translator, lang: str, figures: Report, *, final: bool) -> str:
    """The delivery report the author sees (edited while sending goes on)."""
    t = translator.t
    lines = [
        t("report.final_title", lang) if final else t("report.title", lang),
        t("report.sent", lang, sent=figures.sent, total=figures.total),
        t("report.waiting", lang, count=figures.waiting),
        t("report.unreachable", lang, count=figures.unreachable),
        t("report.failed", lang, count=figures.failed),
    ]
    if final and figures.unreachable_names:
        lines.append("")
        lines.append(t("report.call_them", lang, names=", ".join(figures.unreachable_names)))
    if final and figures.failed_names:
        lines.append(t("report.failed_names", lang, names=", ".join(figures.failed_names)))
    return "\n".join(lines)


async def report_row(session: AsyncSession, broadcast_id: int) -> OutboxMessage | None:
    return await session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"bc-report:{broadcast_id}")
    )


async def finish(
    session: AsyncSession, broadcast: Broadcast, *, now: datetime, translator: Translator
) -> Report:
    """Close a finished announcement; its author learns the final figures once.

    The report message the author received is edited to the final figures (naming who
    could not be reached) by the scheduler; a summary message is written only when
    that report never arrived, so the author never reads the same report twice.
    """
    figures = await report(session, broadcast.id)
    broadcast.state = BroadcastState.DONE
    broadcast.finished_at = now
    author = await _author(session, broadcast)
    row = await report_row(session, broadcast.id)
    edited = row is not None and row.telegram_message_id is not None
    if author is not None and broadcast.report_chat_id is not None and not edited:
        await outbox.enqueue(
            session,
            Outgoing(
                chat_id=broadcast.report_chat_id,
                person_id=author.id,
                kind=SUMMARY_KIND,
                dedupe_key=f"bc-done:{broadcast.id}",
                text=render_report(translator, author.language, figures, final=True),
                priority=0,
                urgent=True,
            ),
            now=now,
        )
    return figures


def preview_text(broadcast: Broadcast, length: int = 60) -> str:
    text = (broadcast.text or "").replace("\x1e", " ").strip()
    icon = {"photo": "📷 ", "voice": "🎤 ", "document": "📄 "}.get(broadcast.content_type, "")
    return icon + (text[: length - 1] + "…" if len(text) > length else text)


async def start_due(
    session: AsyncSession, *, now: datetime, translator: Translator, default_language: str
) -> list[int]:
    """Start scheduled announcements whose time has come."""
    due = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.state == BroadcastState.SCHEDULED, Broadcast.send_at <= now)
            .with_for_update(skip_locked=True)
        )
    )
    for broadcast in due:
        await start_broadcast(
            session, broadcast, now=now, translator=translator, default_language=default_language
        )
    return [b.id for b in due]


async def cancel_scheduled(
    session: AsyncSession, *, broadcast_id: int, person: Person, now: datetime
) -> bool:
    """Cancel an announcement that has not started; False when it is too late."""
    if not person.is_facilitator:
        raise PermissionError("only facilitators cancel announcements")
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or broadcast.state != BroadcastState.SCHEDULED:
        return False
    broadcast.state = BroadcastState.CANCELLED
    broadcast.finished_at = now
    return True


async def scheduled(session: AsyncSession) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.state == BroadcastState.SCHEDULED)
        .order_by(Broadcast.send_at)
    )
    return list(rows)


@dataclass(frozen=True)
class Report:
    broadcast_id: int
    total: int
    sent: int
    waiting: int
    unreachable: int
    failed: int
    unreachable_names: list[str] = field(default_factory=list)
    failed_names: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.waiting == 0


async def report(session: AsyncSession, broadcast_id: int) -> Report:
    """Delivery figures per person (a split text counts once per person)."""
    rows = (
        await session.execute(
            select(OutboxMessage.person_id, OutboxMessage.state, Person.display_name)
            .join(Person, Person.id == OutboxMessage.person_id, isouter=True)
            .where(OutboxMessage.broadcast_id == broadcast_id)
        )
    ).all()
    per_person: dict[object, tuple[set[str], str]] = {}
    for person_id, state, name in rows:
        states, _ = per_person.setdefault(person_id, (set(), name or "?"))
        states.add(state)
    sent = waiting = unreachable = failed = 0
    unreachable_names: list[str] = []
    failed_names: list[str] = []
    for states, name in per_person.values():
        if states & {OutboxState.PENDING, OutboxState.SENDING}:
            waiting += 1
        elif OutboxState.UNREACHABLE in states:
            unreachable += 1
            unreachable_names.append(name)
        elif states & {OutboxState.FAILED, OutboxState.EXPIRED}:
            failed += 1
            failed_names.append(name)
        else:
            sent += 1
    return Report(
        broadcast_id=broadcast_id,
        total=len(per_person),
        sent=sent,
        waiting=waiting,
        unreachable=unreachable,
        failed=failed,
        unreachable_names=sorted(unreachable_names),
        failed_names=sorted(failed_names),
    )


async def active(session: AsyncSession) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast).where(Broadcast.state == BroadcastState.SENDING).order_by(Broadcast.id)
    )
    return list(rows)


async def announcement_replied_to(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int
) -> OutboxMessage | None:
    """The announcement a participant's reply quotes, if it is one."""
    return await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == telegram_message_id,
            OutboxMessage.kind == ANNOUNCEMENT_KIND,
        )
    )


async def count_audience(
    session: AsyncSession,
    audience: str,
    now: datetime,
    *,
    param: str | None = None,
    exclude_id: int | None = None,
) -> int:
    return len(await audience_people(session, audience, now, param=param, exclude_id=exclude_id))
