"""💡 Projets: one screen that leads to everything about common projects.

Participants: see the projects, propose one, follow their own proposals, and choose in
the budget round. Facilitators also get the proposals to check, the projects' life, and
the budget rounds. Each screen lives in its own module; this one only leads to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.i18n import N_
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.projects import board, budget, budget_admin, lifecycle, moderate, propose
from handlers.projects.buttons import FACILITATORS_ONLY, GO, Go

ROWS: tuple[tuple[Go, str], ...] = (
    (Go.BOARD, N_("projects.button_board")),
    (Go.PROPOSE, N_("projects.button_propose")),
    (Go.MINE, N_("projects.button_mine")),
    (Go.BUDGET, N_("projects.button_budget")),
    (Go.REVIEW, N_("projects.button_review")),
    (Go.MANAGE, N_("projects.button_manage")),
    (Go.ROUNDS, N_("projects.button_rounds")),
)


async def show(ctx: Ctx) -> None:
    """💡 Projets (and /projets): where to go."""
    ctx.clear()
    rows = [
        [(ctx.t(key), GO.make(go))]
        for go, key in ROWS
        if go not in FACILITATORS_ONLY or ctx.person.is_facilitator
    ]
    ctx.reply(ctx.t("projects.home"), inline(rows))


Entry = Callable[[Ctx], Awaitable[None]]
ENTRIES: dict[Go, Entry] = {
    Go.BOARD: board.show_list,
    Go.PROPOSE: propose.start,
    Go.MINE: propose.mine,
    Go.BUDGET: budget.show_current,
    Go.REVIEW: moderate.pending,
    Go.MANAGE: lifecycle.manage,
    Go.ROUNDS: budget_admin.home,
    Go.HOME: show,
}


@with_person()
async def on_go(ctx: Ctx) -> None:
    """A button of the home screen (or ⬅️ Projets on another screen)."""
    parsed = ctx.button(GO)
    if parsed is None:
        ctx.stale()
        return
    go = Go(parsed.args[0])
    if go in FACILITATORS_ONLY and not ctx.person.is_facilitator:
        ctx.answer(ctx.t("errors.facilitators_only"), alert=True)
        return
    ctx.answer()
    await ENTRIES[go](ctx)
