"""Facilitators' announcements: audiences, scheduling, delivery reports, replies."""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
    Role,
    Rsvp,
)
from bot.services import outbox
from bot.services.outbox import Outgoing

ANNOUNCEMENT_KIND = "announcement"
REPLY_KIND = "announcement_reply"
REPORT_KIND = "broadcast_report"
SUMMARY_KIND = "broadcast_summary"
# A forwarded reply keeps this much of the participant's text (Telegram's limit is 4096).
REPLY_EXCERPT = 3000
# A little slack so that "now" chosen a moment ago is not "in the past" at confirmation.
PAST_TOLERANCE = timedelta(minutes=1)


class Audience(enum.StrEnum):
    EVERYONE = "all"
    FRENCH = "fr"
    ENGLISH = "en"
    NEXT_SESSION = "next"  # answered yes or maybe to the next session


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


async def audience_people(
    session: AsyncSession, audience: str, now: datetime, *, exclude_id: int | None = None
) -> list[Person]:
    """The people an audience names; the author does not receive their own announcement."""
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


def split_text(text: str, limit: int = outbox.TEXT_LIMIT) -> list[str]:
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


def _outgoing(broadcast: Broadcast, person: Person, content: Content) -> list[Outgoing]:
    common = {
        "chat_id": person.telegram_id,
        "person_id": person.id,
        "kind": ANNOUNCEMENT_KIND,
        "urgent": broadcast.urgent,
        "broadcast_id": broadcast.id,
        "reachable": person.reachable,
        "priority": 50,
    }
    if content.content_type != ContentType.TEXT:
        return [
            Outgoing(
                dedupe_key=f"bc:{broadcast.id}:{person.id}:0",
                content_type=content.content_type,
                file_id=content.file_id,
                text=content.caption,
                **common,  # type: ignore[arg-type]
            )
        ]
    return [
        Outgoing(dedupe_key=f"bc:{broadcast.id}:{person.id}:{i}", text=part, **common)  # type: ignore[arg-type]
        for i, part in enumerate(content.parts)
    ]


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
) -> tuple[Broadcast, bool]:
    """Create (and, when due, start) an announcement; idempotent on `request_key`.

    Returns the broadcast and whether it was created now (False: a double tap).
    """
    if not creator.is_facilitator:
        raise PermissionError("only facilitators make announcements")
    existing = await session.scalar(select(Broadcast).where(Broadcast.request_key == request_key))
    if existing is not None:
        return existing, False
    for part in content.parts or ("",):
        outbox.check_length(part, content.content_type)
    if send_at < now - PAST_TOLERANCE:
        raise InThePast(send_at.isoformat())
    if not await audience_people(session, audience, now, exclude_id=creator.id):
        raise EmptyAudience(audience)
    broadcast = Broadcast(
        created_by_id=creator.id,
        content_type=content.content_type,
        # Parts of a split text, separated by the ASCII record separator.
        text="\x1e".join(content.parts) if content.parts else None,
        file_id=content.file_id,
        audience=audience,
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
        session, broadcast.audience, now, exclude_id=broadcast.created_by_id
    )
    content = content_of(broadcast)
    messages = [m for person in people_ for m in _outgoing(broadcast, person, content)]
    added = await outbox.enqueue_many(session, messages, now=now)
    broadcast.state = BroadcastState.SENDING
    broadcast.started_at = now
    author = await _author(session, broadcast)
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
    """Close a finished announcement and tell its author, naming who could not be reached."""
    figures = await report(session, broadcast.id)
    broadcast.state = BroadcastState.DONE
    broadcast.finished_at = now
    author = await _author(session, broadcast)
    if author is not None and broadcast.report_chat_id is not None:
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


async def forward_reply(
    session: AsyncSession,
    *,
    sender: Person,
    text: str,
    message_id: int,
    now: datetime,
    translator: Translator,
) -> int:
    """A participant replied to an announcement: tell every facilitator, with their name."""
    excerpt = text if len(text) <= REPLY_EXCERPT else text[: REPLY_EXCERPT - 1] + "…"
    facilitators = await _consented(session, Person.role == Role.FACILITATOR)
    messages = [
        Outgoing(
            chat_id=f.telegram_id,
            person_id=f.id,
            kind=REPLY_KIND,
            dedupe_key=f"reply:{sender.telegram_id}:{message_id}:{f.id}",
            text=translator.t(
                "report.reply_forward", f.language, name=sender.display_name, text=excerpt
            ),
            reachable=f.reachable,
        )
        for f in facilitators
        if f.telegram_id is not None
        if f.id != sender.id
    ]
    return await outbox.enqueue_many(session, messages, now=now)


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
    session: AsyncSession, audience: str, now: datetime, *, exclude_id: int | None = None
) -> int:
    return len(await audience_people(session, audience, now, exclude_id=exclude_id))
