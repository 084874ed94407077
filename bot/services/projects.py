"""Proposals of common projects and their checking by the facilitators.

A participant proposes a project (a title, words or a voice note, an estimated cost,
whether they lead it); every facilitator gets it through the outbox, exactly as others
will see it (`card_text`), with ✅ Publier / ✏️ Demander une modification / ❌ Refuser.
A change asked sends it back to its author, who edits and resends the same project.
Each step is a `ProjectChange` row, and the author hears of each decision through the
outbox. A person has at most MAX_ACTIVE projects waiting or open at once.

The first facilitator to decide wins: the project row is locked while it is checked,
and whoever taps later learns who decided (nothing changes).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import PROJECT_CARD, PROJECT_EDIT, PROJECT_REVIEW
from bot.i18n import N_, Translator
from bot.models import ContentType, OutboxMessage, Person, Project, ProjectChange, ProjectStatus
from bot.models.projects import ACTIVE_STATUSES as ACTIVE_STATUSES
from bot.models.projects import TITLE_LIMIT as TITLE_LIMIT
from bot.services import outbox
from bot.services.money import format_euros
from bot.services.outbox import Button, Outgoing
from bot.services.talk import facilitators, first_name

# A description is read on a phone: about a page of text. Longer, a voice note says it.
DESCRIPTION_LIMIT = 1000
VOICE_LIMIT_SECONDS = 180
MAX_ACTIVE = 3
# What a facilitator writes to the author (why a change, why refused).
REASON_LIMIT = 1000

REVIEW_KIND = "project_review"  # a proposal, for a facilitator to check
REVIEW_VOICE_KIND = "project_review_voice"  # its spoken description, just before it
OUTCOME_KIND = "project_outcome"  # the author learns the facilitators' decision

# Statuses from which the author may edit and resend their project.
EDITABLE = frozenset({ProjectStatus.PROPOSED, ProjectStatus.CHANGES})


class Decision(enum.StrEnum):
    """What a facilitator decides about a proposal (as its button carries it)."""

    PUBLISH = "pub"
    CHANGES = "chg"
    REFUSE = "ref"


class ProjectProblem(enum.Enum):
    TOO_MANY = "too_many"  # already MAX_ACTIVE projects waiting or open
    NOT_FOUND = "not_found"  # no such project, or not the person's
    NOT_EDITABLE = "not_editable"  # published, refused...: it cannot be resent
    INVALID = "invalid"  # a title, description, voice note or cost out of bounds


class ProjectError(Exception):
    """A proposal or a review that cannot be done; nothing was changed."""

    def __init__(self, problem: ProjectProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class ProposalInput:
    """What the author said about their project."""

    title: str
    description: str | None = None
    voice_file_id: str | None = None
    voice_seconds: int | None = None
    cost_cents: int | None = None  # None: the author does not know
    leads: bool = False

    def problems(self) -> list[str]:
        """What is out of bounds (empty when the proposal can be sent)."""
        found = []
        title = self.title.strip()
        if not title or len(title) > TITLE_LIMIT:
            found.append("title")
        if self.description is None and self.voice_file_id is None:
            found.append("no description")
        if self.description is not None and not (
            0 < len(self.description.strip()) <= DESCRIPTION_LIMIT
        ):
            found.append("description")
        if self.voice_file_id is not None and not (
            0 <= (self.voice_seconds or 0) <= VOICE_LIMIT_SECONDS
        ):
            found.append("voice")
        if self.cost_cents is not None and self.cost_cents < 0:
            found.append("cost")
        return found


class CardFields(Protocol):
    """What a card shows: a Project, or a proposal not sent yet."""

    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def voice_file_id(self) -> str | None: ...
    @property
    def cost_cents(self) -> int | None: ...


def card_text(
    project: CardFields,
    *,
    lang: str,
    translator: Translator,
    leader: str | None,
    supporters: int | None = None,
    volunteers: int | None = None,
) -> str:
    """A project as everyone sees it: title, words (or "a voice note"), cost, who leads it,
    and 👍 / 🙋 counts when given. Plain text: people's words are never formatted."""
    t = translator.t
    lines = [t("propose.card_title", lang, title=project.title)]
    if project.description:
        lines.append(t("propose.card_description", lang, description=project.description))
    if project.voice_file_id:
        lines.append(t("propose.card_voice", lang))
    if project.cost_cents is None:
        lines.append(t("propose.card_cost_unknown", lang))
    elif project.cost_cents == 0:
        lines.append(t("propose.card_free", lang))
    else:
        lines.append(t("propose.card_cost", lang, cost=format_euros(project.cost_cents, lang)))
    if leader:
        lines.append(t("propose.card_leader", lang, name=leader))
    else:
        lines.append(t("propose.card_no_leader", lang))
    if supporters is not None:
        lines.append(t("propose.card_supporters", lang, count=supporters))
    if volunteers is not None:
        lines.append(t("propose.card_volunteers", lang, count=volunteers))
    return "\n".join(lines)


async def name_of(session: AsyncSession, person_id: int | None) -> str | None:
    """A person's first name (what people call each other), or None when unknown."""
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    return first_name(person.display_name) if person is not None else None


async def leader_name(session: AsyncSession, project: Project) -> str | None:
    """The first name of whoever leads the project, if someone does."""
    return await name_of(session, project.leader_id)


# --- reading ----------------------------------------------------------------------------


async def get(session: AsyncSession, project_id: int) -> Project | None:
    return await session.get(Project, project_id)


async def active_count(session: AsyncSession, *, author_id: int) -> int:
    """How many of the author's projects wait for the facilitators or are open."""
    found = await session.scalar(
        select(func.count())
        .select_from(Project)
        .where(Project.author_id == author_id, Project.status.in_(ACTIVE_STATUSES))
    )
    return int(found or 0)


async def mine(session: AsyncSession, *, author_id: int) -> list[Project]:
    """The author's projects, newest first."""
    rows = await session.scalars(
        select(Project)
        .where(Project.author_id == author_id)
        .order_by(Project.created_at.desc(), Project.id.desc())
    )
    return list(rows)


async def waiting(session: AsyncSession, *, limit: int | None = None) -> list[Project]:
    """The proposals waiting for a facilitator, oldest first."""
    query = (
        select(Project)
        .where(Project.status == ProjectStatus.PROPOSED)
        .order_by(Project.submitted_at, Project.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def waiting_count(session: AsyncSession) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Project).where(Project.status == ProjectStatus.PROPOSED)
    )
    return int(found or 0)


async def last_change(session: AsyncSession, project_id: int) -> ProjectChange | None:
    return await session.scalar(
        select(ProjectChange)
        .where(ProjectChange.project_id == project_id)
        .order_by(ProjectChange.at.desc(), ProjectChange.id.desc())
        .limit(1)
    )


async def _submission(session: AsyncSession, project_id: int) -> ProjectChange | None:
    """The project's last sending for checking (its first proposal or a resend)."""
    return await session.scalar(
        select(ProjectChange)
        .where(
            ProjectChange.project_id == project_id,
            ProjectChange.status == ProjectStatus.PROPOSED,
        )
        .order_by(ProjectChange.at.desc(), ProjectChange.id.desc())
        .limit(1)
    )


# --- the facilitators' copy of a proposal -------------------------------------------------


def _review_prefix(project_id: int, change_id: int) -> str:
    return f"{REVIEW_KIND}:{project_id}:{change_id}:"


async def review_text(
    session: AsyncSession,
    project: Project,
    *,
    lang: str,
    translator: Translator,
    outcome: str | None = None,
) -> str:
    """A proposal as a facilitator reads it: who sent it, then the card (then the outcome)."""
    author = await name_of(session, project.author_id) or translator.t("propose.someone", lang)
    resent = await session.scalar(
        select(func.count())
        .select_from(ProjectChange)
        .where(
            ProjectChange.project_id == project.id,
            ProjectChange.status == ProjectStatus.PROPOSED,
        )
    )
    key = N_("review.resent") if (resent or 0) > 1 else N_("review.new")
    card = card_text(
        project,
        lang=lang,
        translator=translator,
        leader=await leader_name(session, project),
    )
    text = translator.t(key, lang, name=author) + "\n\n" + card
    return text + "\n\n" + outcome if outcome else text


def review_buttons(translator: Translator, lang: str, project_id: int) -> list[list[Button]]:
    """✅ Publier / ✏️ Demander une modification / ❌ Refuser."""
    return [
        [Button(translator.t(key, lang), PROJECT_REVIEW.make(decision.value, project_id))]
        for decision, key in (
            (Decision.PUBLISH, N_("review.button_publish")),
            (Decision.CHANGES, N_("review.button_changes")),
            (Decision.REFUSE, N_("review.button_refuse")),
        )
    ]


def voice_caption(project: Project, *, lang: str, translator: Translator) -> str:
    return translator.t("propose.voice_caption", lang, title=project.title)


async def _send_for_review(
    session: AsyncSession,
    project: Project,
    change: ProjectChange,
    *,
    now: datetime,
    translator: Translator,
) -> None:
    messages = []
    texts: dict[str, str] = {}  # the same card for every reader of a language
    for reader in await facilitators(session):
        assert reader.telegram_id is not None  # facilitators() keeps people with Telegram
        lang = reader.language
        prefix = _review_prefix(project.id, change.id) + str(reader.id)
        if project.voice_file_id:
            # Before the card, so the buttons come last, under what there is to hear.
            messages.append(
                Outgoing(
                    chat_id=reader.telegram_id,
                    person_id=reader.id,
                    kind=REVIEW_VOICE_KIND,
                    dedupe_key=prefix + ":voice",
                    content_type=ContentType.VOICE,
                    file_id=project.voice_file_id,
                    text=voice_caption(project, lang=lang, translator=translator),
                    reachable=reader.reachable,
                )
            )
        if lang not in texts:
            texts[lang] = await review_text(session, project, lang=lang, translator=translator)
        messages.append(
            Outgoing(
                chat_id=reader.telegram_id,
                person_id=reader.id,
                kind=REVIEW_KIND,
                dedupe_key=prefix,
                text=texts[lang],
                buttons=review_buttons(translator, lang, project.id),
                reachable=reader.reachable,
            )
        )
    await outbox.enqueue_many(session, messages, now=now)


# --- proposing ---------------------------------------------------------------------------


async def submit(
    session: AsyncSession,
    *,
    author: Person,
    proposal: ProposalInput,
    now: datetime,
    translator: Translator,
    project_id: int | None = None,
) -> Project:
    """A new proposal, or the author's resend of `project_id`; the facilitators get it.

    Raises ProjectError: TOO_MANY (a new one beyond MAX_ACTIVE), NOT_FOUND (no such
    project of the author's), NOT_EDITABLE (no longer waiting or asked to change), INVALID.
    """
    if proposal.problems():
        raise ProjectError(ProjectProblem.INVALID)
    # The author's row is the lock: two proposals sent at once count each other.
    await session.get(Person, author.id, with_for_update=True, populate_existing=True)
    if project_id is None:
        if await active_count(session, author_id=author.id) >= MAX_ACTIVE:
            raise ProjectError(ProjectProblem.TOO_MANY)
        project = Project(author_id=author.id, created_at=now)
        session.add(project)
    else:
        found = await session.get(Project, project_id, with_for_update=True)
        if found is None or found.author_id != author.id:
            raise ProjectError(ProjectProblem.NOT_FOUND)
        if found.status not in EDITABLE:
            raise ProjectError(ProjectProblem.NOT_EDITABLE)
        project = found
    project.title = proposal.title.strip()
    project.description = proposal.description.strip() if proposal.description else None
    project.voice_file_id = proposal.voice_file_id
    project.voice_seconds = proposal.voice_seconds if proposal.voice_file_id else None
    project.cost_cents = proposal.cost_cents
    project.leader_id = author.id if proposal.leads else None
    project.status = ProjectStatus.PROPOSED
    project.note = None  # the change asked is answered by this resend
    project.updated_at = now
    project.submitted_at = now
    await session.flush()
    change = ProjectChange(
        project_id=project.id, status=ProjectStatus.PROPOSED, by_id=author.id, at=now
    )
    session.add(change)
    await session.flush()
    await _send_for_review(session, project, change, now=now, translator=translator)
    return project


# --- checking -------------------------------------------------------------------------------


STATUS_OF: dict[Decision, ProjectStatus] = {
    Decision.PUBLISH: ProjectStatus.OPEN,
    Decision.CHANGES: ProjectStatus.CHANGES,
    Decision.REFUSE: ProjectStatus.REFUSED,
}


class Reviewed(enum.Enum):
    DONE = "done"  # this review decided
    ALREADY = "already"  # someone decided before: nothing changed
    OUTDATED = "outdated"  # the author resent it since this copy was sent: read it again


@dataclass(frozen=True)
class ReviewCopy:
    """A facilitator's message of a proposal, to show the decision on it."""

    chat_id: int
    message_id: int
    lang: str


@dataclass(frozen=True)
class ReviewOutcome:
    result: Reviewed
    project: Project
    by_name: str | None  # who decided (this facilitator when DONE)
    status: ProjectStatus
    note: str | None = None
    # The facilitators' copies of this proposal, to update (with DONE only).
    copies: tuple[ReviewCopy, ...] = ()


async def _copies(session: AsyncSession, project_id: int) -> tuple[ReviewCopy, ...]:
    submission = await _submission(session, project_id)
    if submission is None:
        return ()
    rows = await session.execute(
        select(OutboxMessage.chat_id, OutboxMessage.telegram_message_id, Person.language)
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(
            OutboxMessage.kind == REVIEW_KIND,
            OutboxMessage.dedupe_key.startswith(_review_prefix(project_id, submission.id)),
            OutboxMessage.telegram_message_id.is_not(None),
        )
        .order_by(OutboxMessage.id)
    )
    return tuple(
        ReviewCopy(chat_id, message_id, lang)
        for chat_id, message_id, lang in rows.all()
        if message_id is not None
    )


async def copy_is_outdated(
    session: AsyncSession, project_id: int, shown: tuple[int, int] | None
) -> bool:
    """Whether the tapped message is a copy of an earlier sending of this project."""
    if shown is None:
        return False
    chat_id, message_id = shown
    key = await session.scalar(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == message_id,
            OutboxMessage.kind == REVIEW_KIND,
        )
    )
    if key is None:
        return False  # shown by "🛠️ À valider": the version of that moment, just read
    submission = await _submission(session, project_id)
    return submission is not None and not key.startswith(_review_prefix(project_id, submission.id))


def outcome_line(
    translator: Translator, lang: str, status: ProjectStatus, name: str | None
) -> str:
    """ "✅ Publié par Claire" (what a facilitator's copy of a proposal ends with)."""
    key = {
        ProjectStatus.OPEN: N_("review.done_published"),
        ProjectStatus.CHANGES: N_("review.done_changes"),
        ProjectStatus.REFUSED: N_("review.done_refused"),
    }.get(status, N_("review.done_other"))
    return translator.t(key, lang, name=name or translator.t("propose.someone", lang))


async def review(
    session: AsyncSession,
    *,
    project_id: int,
    decision: Decision,
    reason: str | None,
    by: Person,
    now: datetime,
    translator: Translator,
    shown: tuple[int, int] | None = None,
) -> ReviewOutcome:
    """A facilitator's decision on a waiting proposal; the author is told.

    Only a PROPOSED project changes: one decided already tells who decided. `shown` is the
    (chat, message) the facilitator tapped, so that a copy of an earlier sending does not
    decide about a version they have not read. Raises ProjectError(NOT_FOUND).
    """
    project = await session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None:
        raise ProjectError(ProjectProblem.NOT_FOUND)
    status = ProjectStatus(project.status)
    if status != ProjectStatus.PROPOSED:
        last = await last_change(session, project.id)
        by_name = await name_of(session, last.by_id) if last is not None else None
        return ReviewOutcome(Reviewed.ALREADY, project, by_name, status, project.note)
    if await copy_is_outdated(session, project.id, shown):
        return ReviewOutcome(Reviewed.OUTDATED, project, None, status)
    note = (reason or "").strip() or None
    if note is not None and len(note) > REASON_LIMIT:
        raise ProjectError(ProjectProblem.INVALID)
    new = STATUS_OF[decision]
    project.status = new
    project.note = note
    project.updated_at = now
    if new == ProjectStatus.OPEN:
        project.published_at = now
    change = ProjectChange(project_id=project.id, status=new, note=note, by_id=by.id, at=now)
    session.add(change)
    await session.flush()
    name = first_name(by.display_name)
    await _tell_author(session, project, change, name=name, now=now, translator=translator)
    copies = await _copies(session, project.id)
    return ReviewOutcome(Reviewed.DONE, project, name, new, note, copies)


async def _tell_author(
    session: AsyncSession,
    project: Project,
    change: ProjectChange,
    *,
    name: str,
    now: datetime,
    translator: Translator,
) -> None:
    author = await session.get(Person, project.author_id) if project.author_id else None
    if author is None or author.telegram_id is None:
        return  # forgotten, or without Telegram: nobody to tell
    lang = author.language
    t = translator.t
    lines = []
    button = None
    if change.status == ProjectStatus.OPEN:
        lines.append(t("propose.notice_published", lang, title=project.title, name=name))
        button = Button(t("propose.button_see", lang), PROJECT_CARD.make(project.id))
    elif change.status == ProjectStatus.CHANGES:
        lines.append(t("propose.notice_changes", lang, title=project.title, name=name))
    else:
        lines.append(t("propose.notice_refused", lang, title=project.title, name=name))
    if change.note:
        lines.append(t("propose.notice_reason", lang, name=name, reason=change.note))
    if change.status == ProjectStatus.CHANGES:
        lines.append(t("propose.notice_changes_end", lang))
        button = Button(t("propose.button_edit", lang), PROJECT_EDIT.make(project.id))
    elif change.status == ProjectStatus.REFUSED:
        lines.append(t("propose.notice_refused_end", lang))
    text = "\n".join(lines)
    await outbox.enqueue(
        session,
        Outgoing(
            chat_id=author.telegram_id,
            person_id=author.id,
            kind=OUTCOME_KIND,
            dedupe_key=f"{OUTCOME_KIND}:{change.id}",
            text=text[: outbox.TEXT_LIMIT],
            buttons=[[button]] if button is not None else None,
            reachable=author.reachable,
        ),
        now=now,
    )
