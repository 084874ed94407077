"""A project's life once published: open → selected → in progress → done, or archived.

Each step is written down (ProjectChange, with the facilitator's optional note) and
told through the outbox to the people who follow the project: its author, who leads it,
its supporters and its volunteers, each once, in their language, with "👀 Voir le
projet". The budget (a round's end) moves the projects it selects through here too.
Proposals, changes asked and refusals are the moderation's (bot.services.projects).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import PROJECT_CARD
from bot.i18n import N_, Translator
from bot.models import Person
from bot.models.projects import Project, ProjectChange, ProjectStatus, Support
from bot.services import outbox
from bot.services.outbox import Button, Outgoing
from bot.services.talk import first_name

NOTICE_KIND = "project_status"

# Where a project may go from where it is. SELECTED → OPEN undoes a selection.
MOVES: dict[ProjectStatus, tuple[ProjectStatus, ...]] = {
    ProjectStatus.OPEN: (ProjectStatus.SELECTED, ProjectStatus.ARCHIVED),
    ProjectStatus.SELECTED: (
        ProjectStatus.IN_PROGRESS,
        ProjectStatus.OPEN,
        ProjectStatus.ARCHIVED,
    ),
    ProjectStatus.IN_PROGRESS: (ProjectStatus.DONE, ProjectStatus.ARCHIVED),
}

NOTICE_KEYS: dict[ProjectStatus, str] = {
    ProjectStatus.OPEN: N_("board.notice_open"),
    ProjectStatus.SELECTED: N_("board.notice_selected"),
    ProjectStatus.IN_PROGRESS: N_("board.notice_in_progress"),
    ProjectStatus.DONE: N_("board.notice_done"),
    ProjectStatus.ARCHIVED: N_("board.notice_archived"),
}


def allowed(current: str, target: ProjectStatus) -> bool:
    """Whether a project in `current` may move to `target` (staying put is allowed)."""
    if current == target:
        return True
    try:
        return target in MOVES.get(ProjectStatus(current), ())
    except ValueError:
        return False


async def followers(
    session: AsyncSession, *, project_id: int, exclude_id: int | None = None
) -> list[Person]:
    """Who hears about the project's life: its author, who leads it, its supporters and
    volunteers; once each, only people who agreed to the privacy notice and use Telegram."""
    project = await session.get(Project, project_id)
    if project is None:
        return []
    joined = select(Support.person_id).where(
        Support.project_id == project_id, Support.person_id.is_not(None)
    )
    named = [pid for pid in (project.author_id, project.leader_id) if pid is not None]
    query = (
        select(Person)
        .where(
            or_(Person.id.in_(joined), Person.id.in_(named)),
            Person.consent_at.is_not(None),
            Person.telegram_id.is_not(None),
        )
        .order_by(Person.id)
    )
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(await session.scalars(query))


def notice_text(
    translator: Translator,
    lang: str,
    *,
    title: str,
    status: ProjectStatus,
    note: str | None,
    by_name: str | None,
) -> str:
    """What a follower reads: the step in plain words, then the facilitator's note."""
    t = translator.t
    lines = [t(NOTICE_KEYS[status], lang, title=title)]
    if note:
        if by_name:
            lines.append(t("board.notice_note_from", lang, name=by_name))
        else:
            lines.append(t("board.notice_note_team", lang))
        lines.append(note)
    return "\n".join(lines)


async def change_status(
    session: AsyncSession,
    *,
    project_id: int,
    status: ProjectStatus,
    by: Person | None,
    note: str | None,
    now: datetime,
    translator: Translator,
) -> Project | None:
    """Move a project a step along its life and tell its followers through the outbox.

    None when the project does not exist or may not go there; the project, unchanged
    and with nobody told, when it is there already. The facilitator who made the change
    is not told (they just did it).
    """
    project = await session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None or status not in NOTICE_KEYS:
        return None
    if project.status == status:
        return project
    if not allowed(project.status, status):
        return None
    note = (note or "").strip() or None
    project.status = status
    project.updated_at = now
    change = ProjectChange(
        project_id=project.id,
        status=status.value,
        note=note,
        by_id=by.id if by is not None else None,
        at=now,
    )
    session.add(change)
    await session.flush()
    by_name = first_name(by.display_name) if by is not None else None
    people = await followers(
        session, project_id=project.id, exclude_id=by.id if by is not None else None
    )
    await outbox.enqueue_many(
        session,
        [
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=NOTICE_KIND,
                dedupe_key=f"pj-status:{change.id}:{person.id}",
                text=notice_text(
                    translator,
                    person.language,
                    title=project.title,
                    status=status,
                    note=note,
                    by_name=by_name,
                ),
                buttons=(
                    (
                        Button(
                            translator.t("board.button_see", person.language),
                            PROJECT_CARD.make(project.id),
                        ),
                    ),
                ),
                reachable=person.reachable,
            )
            for person in people
            if person.telegram_id is not None
        ],
        now=now,
    )
    return project
