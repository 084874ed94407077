"""🔁 Suivre les projets (facilitators): move a project along its life.

The living projects by status (open, selected, in progress); a project's screen offers
its next steps and "archive"; a step asks for an optional word to the people who follow
the project, then shows how many will be told before it is confirmed. The move and its
notices are bot.services.project_life's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message

from bot.callback_data import ID, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.models.projects import Project, ProjectStatus
from bot.services import project_board, project_life
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.projects.board import BUTTON_TITLE, STATUS_ICONS
from handlers.projects.buttons import GO, Go, short

NOTE = "projects.manage_note"
NOTE_LIMIT = 1000
# More buttons than this would not fit a phone's screen; the rest waits its turn.
SHOWN = 40
KEY = r"[A-Za-z0-9_-]{6,16}"

SHOW_LIST = ButtonKind("pjml")  # the list again (⬅️ Retour)
PICK = ButtonKind("pjmp", (ID,))  # a project: its screen
MOVE = ButtonKind("pjmv", ("|".join(s.value for s in ProjectStatus), ID))  # where, which
NO_NOTE = ButtonKind("pjmn", (KEY,))  # ⏭️ Sans mot
CONFIRM = ButtonKind("pjmk", (KEY,))  # ✅ Confirmer
DROP = ButtonKind("pjmx")  # ❌ Annuler

# What a facilitator reads about where a project is.
STATUS_KEYS = {
    ProjectStatus.OPEN: N_("manage.status_open"),
    ProjectStatus.SELECTED: N_("manage.status_selected"),
    ProjectStatus.IN_PROGRESS: N_("manage.status_in_progress"),
    ProjectStatus.DONE: N_("manage.status_done"),
    ProjectStatus.ARCHIVED: N_("manage.status_archived"),
}
COUNT_KEYS = {
    ProjectStatus.OPEN: N_("manage.count_open"),
    ProjectStatus.SELECTED: N_("manage.count_selected"),
    ProjectStatus.IN_PROGRESS: N_("manage.count_in_progress"),
}
# The button of each step.
MOVE_KEYS = {
    ProjectStatus.OPEN: N_("manage.move_open"),
    ProjectStatus.SELECTED: N_("manage.move_selected"),
    ProjectStatus.IN_PROGRESS: N_("manage.move_in_progress"),
    ProjectStatus.DONE: N_("manage.move_done"),
    ProjectStatus.ARCHIVED: N_("manage.move_archived"),
}


@dataclass
class MoveDraft(Draft):
    """A step chosen, waiting for its word and the confirmation."""

    key: str  # the confirmation's: a double tap finds no draft the second time
    project_id: int
    title: str
    current: ProjectStatus
    target: ProjectStatus
    note: str | None = None
    confirming: bool = False  # the confirmation is on screen


def _draft(ctx: Ctx) -> MoveDraft | None:
    return ctx.draft(MoveDraft)


def _back_row(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("manage.button_back"), SHOW_LIST.make())]


# --- the list -------------------------------------------------------------------------


async def _list_view(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    lines = await project_board.living(ctx.session)
    home = [(ctx.t("board.button_projects"), GO.make(Go.HOME))]
    if not lines:
        return ctx.t("manage.empty"), inline([home])
    text = [ctx.t("manage.title")]
    for status in project_board.STATUS_ORDER:
        n = sum(1 for line in lines if line.status is status)
        text.append(ctx.t(COUNT_KEYS[status], count=n))
    if len(lines) > SHOWN:
        text.append(ctx.t("manage.more", count=len(lines) - SHOWN))
    text.append(ctx.t("manage.pick"))
    rows = [
        [(f"{STATUS_ICONS[line.status]} {short(line.title, BUTTON_TITLE)}", PICK.make(line.id))]
        for line in lines[:SHOWN]
    ]
    rows.append(home)
    return "\n".join(text), inline(rows)


async def manage(ctx: Ctx) -> None:
    """🔁 Suivre les projets (facilitators)."""
    ctx.clear()
    ctx.reply(*await _list_view(ctx))


@with_person(facilitator_only=True)
async def on_list(ctx: Ctx) -> None:
    """⬅️ Retour: the list of living projects, in place."""
    ctx.clear()
    ctx.edit(*await _list_view(ctx))


# --- a project ------------------------------------------------------------------------


async def _project_view(ctx: Ctx, project: Project) -> tuple[str, InlineKeyboardMarkup]:
    status = ProjectStatus(project.status)
    counts = await project_board.counts(ctx.session, project_id=project.id)
    told = await project_life.followers(
        ctx.session, project_id=project.id, exclude_id=ctx.person.id
    )
    text = "\n".join(
        [
            f"💡 {project.title}",
            ctx.t("manage.now", status=ctx.t(STATUS_KEYS[status])),
            ctx.t("manage.counts", supporters=counts.supporters, volunteers=counts.volunteers),
            ctx.t("manage.followers", count=len(told)),
        ]
    )
    rows = [
        [(ctx.t(MOVE_KEYS[target]), MOVE.make(target.value, project.id))]
        for target in project_life.MOVES.get(status, ())
    ]
    rows.append(_back_row(ctx))
    return text, inline(rows)


@with_person(facilitator_only=True)
async def on_pick(ctx: Ctx) -> None:
    """A project of the list: where it is, and where it may go."""
    parsed = ctx.button(PICK)
    project = await ctx.session.get(Project, parsed.int_arg(0)) if parsed else None
    if project is None or project.status not in STATUS_KEYS:
        ctx.stale()
        return
    ctx.clear()
    ctx.edit(*await _project_view(ctx, project))


@with_person(facilitator_only=True)
async def on_move(ctx: Ctx) -> None:
    """A step: first the optional word to the people who follow the project."""
    parsed = ctx.button(MOVE)
    project = await ctx.session.get(Project, parsed.int_arg(1)) if parsed else None
    if parsed is None or project is None or project.status not in STATUS_KEYS:
        ctx.stale()
        return
    target = ProjectStatus(parsed.args[0])
    if target == project.status or not project_life.allowed(project.status, target):
        # An old screen: the project moved since; show where it is now.
        ctx.answer(ctx.t("manage.moved_meanwhile"), alert=True)
        ctx.edit(*await _project_view(ctx, project))
        return
    draft = MoveDraft(
        key=secrets.token_urlsafe(9),
        project_id=project.id,
        title=project.title,
        current=ProjectStatus(project.status),
        target=target,
    )
    ctx.start_draft(draft)
    ctx.expect(NOTE)
    ctx.edit(
        "\n".join(
            [
                ctx.t("manage.step", title=project.title, step=ctx.t(MOVE_KEYS[target])),
                ctx.t("manage.ask_note"),
            ]
        ),
        inline(
            [
                [(ctx.t("manage.button_no_note"), NO_NOTE.make(draft.key))],
                [(ctx.t("manage.button_cancel"), DROP.make())],
            ]
        ),
    )


async def on_note_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    if draft is None:
        return
    note = text.strip()
    if not note:
        ctx.reply(ctx.t("manage.note_empty"))
        return
    if len(note) > NOTE_LIMIT:
        ctx.reply(ctx.t("manage.note_too_long", length=len(note), limit=NOTE_LIMIT))
        return
    draft.note, draft.confirming = note, True
    ctx.stop_expecting()
    ctx.reply(*await _confirm_view(ctx, draft))


async def on_note_media(ctx: Ctx, message: Message) -> None:
    if _draft(ctx) is not None:
        ctx.reply(ctx.t("manage.note_text_only"))


@with_person(facilitator_only=True)
async def on_no_note(ctx: Ctx) -> None:
    """⏭️ Sans mot: straight to the confirmation."""
    parsed = ctx.button(NO_NOTE)
    draft = _draft(ctx)
    if parsed is None or draft is None or draft.key != parsed.args[0]:
        ctx.stale()
        return
    if draft.confirming:
        return  # a double tap: the confirmation is on its way already
    draft.note, draft.confirming = None, True
    ctx.stop_expecting()
    ctx.edit(*await _confirm_view(ctx, draft))


async def _confirm_view(ctx: Ctx, draft: MoveDraft) -> tuple[str, InlineKeyboardMarkup]:
    told = await project_life.followers(
        ctx.session, project_id=draft.project_id, exclude_id=ctx.person.id
    )
    lines = [
        ctx.t("manage.step", title=draft.title, step=ctx.t(MOVE_KEYS[draft.target])),
        ctx.t("manage.will_tell", count=len(told)),
    ]
    if draft.note:
        lines += [ctx.t("manage.your_note"), draft.note]
    else:
        lines.append(ctx.t("manage.without_note"))
    return "\n".join(lines), inline(
        [
            [(ctx.t("manage.button_confirm"), CONFIRM.make(draft.key))],
            [(ctx.t("manage.button_cancel"), DROP.make())],
        ]
    )


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    """✅ Confirmer: the project moves, its followers are told through the outbox."""
    parsed = ctx.button(CONFIRM)
    draft = _draft(ctx)
    if parsed is None or draft is None or draft.key != parsed.args[0]:
        # A second tap on ✅ (the first one is taking the buttons away), or an old screen.
        ctx.answer(ctx.t("manage.nothing_to_confirm"))
        return
    # Taken before any await: a second tap in flight finds no draft.
    ctx.clear()
    project = await ctx.session.get(Project, draft.project_id)
    if project is None or project.status != draft.current:
        ctx.answer(ctx.t("manage.moved_meanwhile"), alert=True)
        ctx.remove_buttons()
        return
    told = await project_life.followers(
        ctx.session, project_id=project.id, exclude_id=ctx.person.id
    )
    moved = await project_life.change_status(
        ctx.session,
        project_id=project.id,
        status=draft.target,
        by=ctx.person,
        note=draft.note,
        now=ctx.now,
        translator=ctx.rt.translator,
    )
    if moved is None:
        ctx.answer(ctx.t("manage.moved_meanwhile"), alert=True)
        ctx.remove_buttons()
        return
    ctx.answer(ctx.t("manage.done_toast"))
    ctx.remove_buttons()
    ctx.reply(
        "\n".join(
            [
                ctx.t("manage.done", title=project.title, step=ctx.t(STATUS_KEYS[draft.target])),
                ctx.t("manage.told", count=len(told)),
            ]
        ),
        inline(
            [
                [(ctx.t("projects.button_manage"), GO.make(Go.MANAGE))],
                [(ctx.t("board.button_projects"), GO.make(Go.HOME))],
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_drop(ctx: Ctx) -> None:
    """❌ Annuler: nothing moves."""
    ctx.clear()
    ctx.edit(ctx.t("manage.dropped"), inline([_back_row(ctx)]))


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(SHOW_LIST, on_list, facilitators_only=True),
    ButtonRoute(PICK, on_pick, facilitators_only=True),
    ButtonRoute(MOVE, on_move, facilitators_only=True),
    ButtonRoute(NO_NOTE, on_no_note, facilitators_only=True),
    ButtonRoute(CONFIRM, on_confirm, facilitators_only=True),
    ButtonRoute(DROP, on_drop, facilitators_only=True),
)
INPUTS: tuple[Input, ...] = (Input(NOTE, on_note_text, on_note_media),)
