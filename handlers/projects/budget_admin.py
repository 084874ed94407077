"""🗳️ Budget participatif, for facilitators: open a round, paper votes, results, export.

Opening a round is a short conversation kept in a draft (nothing is saved before
"✅ Ouvrir le budget"): the amount typed, the open projects picked with toggles (a project
without a cost, or costing more than the amount, asks its cost for this round), the end
typed as a date and a time, then a preview of what participants will read. Every button
and typed answer here is for facilitators only.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from babel.numbers import format_decimal
from telegram import InputFile, Message

from bot.callback_data import ID, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.models import BudgetRound, Project, RoundStatus
from bot.services import budget, pabulib
from bot.services.budget import Choice, OpenProblem, OpenRefused, PaperProblem, RoundView
from bot.services.money import MoneyError, MoneyProblem, format_euros, parse_euros
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.projects import budget as participant
from handlers.projects.buttons import GO, Go, short

AMOUNT = "rounds.amount"
COST = "rounds.cost"
ENDS = "rounds.ends"
PAPER = "rounds.paper"

KEY = r"[A-Za-z0-9_-]{6,16}"  # a draft's key: a button of an older draft is refused


class Step(enum.StrEnum):
    OPEN = "open"
    PAPER = "paper"
    RESULTS = "results"
    EXPORT = "export"


ADMIN = ButtonKind("bda", ("|".join(Step),))  # the home screen's buttons
PICK = ButtonKind("bdpick", (KEY, ID))  # a project in or out of the new round
NEXT = ButtonKind("bdnext", (KEY,))  # ➡️ Continuer: the projects are picked
CONFIRM_OPEN = ButtonKind("bdopen", (KEY,))  # ✅ Ouvrir le budget
DROP = ButtonKind("bdx")  # ❌ Annuler: forget the draft
PAPER_PICK = ButtonKind("bdpap", (ID, ID))  # the round, the project's place in it
RESULTS_OF = ButtonKind("bdres", (ID,))  # a closed round's results
EXPORT_OF = ButtonKind("bdexp", (ID,))  # a round's .pb file
CANCEL_ROUND = ButtonKind("bdcan", (ID, r"ask|yes|no"))  # 🛑 Annuler le budget, then yes / no

PAPER_NUMBER = re.compile(r"\d{1,6}")
TITLE_IN_BUTTON = 24

OPEN_PROBLEM_KEYS = {
    OpenProblem.ALREADY_OPEN: N_("rounds.already_open"),
    OpenProblem.BAD_AMOUNT: N_("rounds.bad_amount"),
    OpenProblem.NO_PROJECTS: N_("rounds.pick_one"),
    OpenProblem.NOT_OPEN: N_("rounds.project_not_open"),
    OpenProblem.BAD_COST: N_("rounds.bad_cost"),
    OpenProblem.IN_THE_PAST: N_("rounds.past"),
}
MONEY_KEYS = {
    MoneyProblem.EMPTY: N_("rounds.money_empty"),
    MoneyProblem.NOT_A_NUMBER: N_("rounds.money_not_a_number"),
    MoneyProblem.NEGATIVE: N_("rounds.money_negative"),
    MoneyProblem.TOO_BIG: N_("rounds.money_too_big"),
}


@dataclass
class RoundDraft(Draft):
    """A round being prepared; nothing is saved before "✅ Ouvrir le budget"."""

    key: str
    amount_cents: int | None = None
    costs: dict[int, int] = field(default_factory=dict)  # chosen project -> cost here
    typed_costs: dict[int, int] = field(default_factory=dict)  # costs typed for this round
    asking_cost_for: int | None = None
    ends_at: datetime | None = None


@dataclass
class PaperDraft(Draft):
    """The paper votes of one project, being typed."""

    round_id: int
    round_project_id: int
    title: str


def _euros(ctx: Ctx, cents: int) -> str:
    return format_euros(cents, ctx.lang)


def _back_row(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("rounds.button_back"), GO.make(Go.HOME))]


def _drop_row(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("rounds.button_drop"), DROP.make())]


# --- home -------------------------------------------------------------------------------


async def home(ctx: Ctx) -> None:
    """🗳️ Budget participatif (facilitators)."""
    current = await budget.current_round(ctx.session, now=ctx.now)
    closed = await budget.closed_rounds(ctx.session, limit=1)
    rows: list[list[tuple[str, str]]] = []
    if current is None:
        lines = [ctx.t("rounds.none")]
        rows.append([(ctx.t("rounds.button_open"), ADMIN.make(Step.OPEN))])
    else:
        lines = await _current_lines(ctx, current)
        rows.append([(ctx.t("rounds.button_paper"), ADMIN.make(Step.PAPER))])
    if closed:
        rows.append([(ctx.t("rounds.button_results"), ADMIN.make(Step.RESULTS))])
    if current is not None or closed:
        rows.append([(ctx.t("rounds.button_export"), ADMIN.make(Step.EXPORT))])
    if current is not None:
        rows.append([(ctx.t("rounds.button_cancel"), CANCEL_ROUND.make(current.id, "ask"))])
    rows.append(_back_row(ctx))
    ctx.reply("\n".join(lines), inline(rows))


async def _current_lines(ctx: Ctx, current: BudgetRound) -> list[str]:
    figures = await budget.figures(ctx.session, round_id=current.id)
    return [
        ctx.t("rounds.current", amount=_euros(ctx, current.amount_cents)),
        ctx.t("rounds.current_until", when=ctx.fmt_datetime(current.ends_at)),
        ctx.t("rounds.confirmed", count=figures.confirmed),
        ctx.t("rounds.waiting", count=figures.waiting),
        ctx.t("rounds.paper_total", count=figures.paper_votes),
    ]


@with_person(facilitator_only=True)
async def on_admin(ctx: Ctx) -> None:
    """A button of the facilitators' budget screen."""
    parsed = ctx.button(ADMIN)
    if parsed is None:
        ctx.stale()
        return
    step = parsed.args[0]
    if step == Step.OPEN:
        await _start_opening(ctx)
    elif step == Step.PAPER:
        await _paper_list(ctx)
    elif step == Step.RESULTS:
        await _results_list(ctx)
    else:
        latest = await budget.latest_exportable(ctx.session)
        if latest is None:
            ctx.answer(ctx.t("rounds.nothing_to_export"), alert=True)
            return
        await _export(ctx, latest.id)


# --- opening a round --------------------------------------------------------------------


async def _start_opening(ctx: Ctx) -> None:
    if await budget.current_round(ctx.session, now=ctx.now) is not None:
        ctx.answer(ctx.t("rounds.already_open"), alert=True)
        return
    if not await budget.open_projects(ctx.session):
        ctx.answer(ctx.t("rounds.no_open_projects"), alert=True)
        return
    ctx.start_draft(RoundDraft(key=secrets.token_urlsafe(9)))
    ctx.expect(AMOUNT)
    ctx.reply(ctx.t("rounds.ask_amount"), inline([_drop_row(ctx)]))


def _money_problem(ctx: Ctx, error: MoneyError) -> str:
    return ctx.t(MONEY_KEYS.get(error.reason, "rounds.money_not_a_number"))


async def on_amount_text(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(RoundDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    try:
        cents = parse_euros(text)
    except MoneyError as error:
        ctx.reply(_money_problem(ctx, error) + "\n" + ctx.t("rounds.amount_example"))
        return
    if cents <= 0:
        ctx.reply(ctx.t("rounds.bad_amount") + "\n" + ctx.t("rounds.amount_example"))
        return
    draft.amount_cents = cents
    # A cost over the new amount cannot stay picked.
    draft.costs = {p: c for p, c in draft.costs.items() if c <= cents}
    ctx.stop_expecting()
    await _show_picker(ctx, draft, edit=False)


def _cost_for(draft: RoundDraft, project: Project) -> int | None:
    """The project's cost in this round: typed for it, else its estimate if it fits."""
    typed = draft.typed_costs.get(project.id)
    if typed is not None:
        return typed
    amount = draft.amount_cents or 0
    estimate = project.cost_cents
    return estimate if estimate is not None and 0 < estimate <= amount else None


async def _show_picker(ctx: Ctx, draft: RoundDraft, *, edit: bool) -> None:
    projects = await budget.open_projects(ctx.session)
    open_ids = {p.id for p in projects}
    draft.costs = {p: c for p, c in draft.costs.items() if p in open_ids}
    amount = draft.amount_cents or 0
    total = sum(draft.costs.values())
    lines = [
        ctx.t("rounds.pick_title"),
        ctx.t("rounds.pick_amount", amount=_euros(ctx, amount)),
        ctx.t("rounds.pick_count", count=len(draft.costs), total=_euros(ctx, total)),
        ctx.t("rounds.pick_how"),
    ]
    rows: list[list[tuple[str, str]]] = []
    for project in projects:
        chosen = project.id in draft.costs
        cost = draft.costs.get(project.id) if chosen else _cost_for(draft, project)
        if cost is None:
            label = ctx.t("rounds.pick_no_cost", title=short(project.title, TITLE_IN_BUTTON))
        else:
            key = N_("rounds.pick_on") if chosen else N_("rounds.pick_off")
            label = ctx.t(key, title=short(project.title, TITLE_IN_BUTTON), cost=_euros(ctx, cost))
        rows.append([(label, PICK.make(draft.key, project.id))])
    rows.append([(ctx.t("rounds.button_next"), NEXT.make(draft.key))])
    rows.append(_drop_row(ctx))
    if edit:
        ctx.edit("\n".join(lines), inline(rows))
    else:
        ctx.reply("\n".join(lines), inline(rows))


def _live_draft(ctx: Ctx, key: str) -> RoundDraft | None:
    draft = ctx.draft(RoundDraft)
    return draft if draft is not None and draft.key == key else None


@with_person(facilitator_only=True)
async def on_pick(ctx: Ctx) -> None:
    """A project in or out of the new round; one without a cost asks for it."""
    parsed = ctx.button(PICK)
    draft = _live_draft(ctx, parsed.args[0]) if parsed else None
    if parsed is None or draft is None or draft.amount_cents is None:
        ctx.stale()
        return
    project_id = parsed.int_arg(1)
    if project_id in draft.costs:
        del draft.costs[project_id]
        await _show_picker(ctx, draft, edit=True)
        return
    project = next(
        (p for p in await budget.open_projects(ctx.session) if p.id == project_id), None
    )
    if project is None:
        ctx.answer(ctx.t("rounds.project_not_open"), alert=True)
        await _show_picker(ctx, draft, edit=True)
        return
    cost = _cost_for(draft, project)
    if cost is None:
        draft.asking_cost_for = project.id
        ctx.expect(COST)
        ctx.remove_buttons()
        key = N_("rounds.ask_cost_too_big") if project.cost_cents else N_("rounds.ask_cost")
        ctx.reply(
            ctx.t(key, title=project.title, amount=_euros(ctx, draft.amount_cents))
            + "\n"
            + ctx.t("rounds.cost_example"),
            inline([_drop_row(ctx)]),
        )
        return
    draft.costs[project.id] = cost
    await _show_picker(ctx, draft, edit=True)


async def on_cost_text(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(RoundDraft)
    if draft is None or draft.asking_cost_for is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    try:
        cents = parse_euros(text)
    except MoneyError as error:
        ctx.reply(_money_problem(ctx, error) + "\n" + ctx.t("rounds.cost_example"))
        return
    amount = draft.amount_cents or 0
    if not 0 < cents <= amount:
        ctx.reply(ctx.t("rounds.bad_cost_typed", amount=_euros(ctx, amount)))
        return
    draft.typed_costs[draft.asking_cost_for] = cents
    draft.costs[draft.asking_cost_for] = cents
    draft.asking_cost_for = None
    ctx.stop_expecting()
    await _show_picker(ctx, draft, edit=False)


@with_person(facilitator_only=True)
async def on_next(ctx: Ctx) -> None:
    """➡️ Continuer: the projects are picked, the end comes next."""
    parsed = ctx.button(NEXT)
    draft = _live_draft(ctx, parsed.args[0]) if parsed else None
    if draft is None:
        ctx.stale()
        return
    if not draft.costs:
        ctx.answer(ctx.t("rounds.pick_one"), alert=True)
        return
    ctx.remove_buttons()
    ctx.expect(ENDS)
    ctx.reply(ctx.t("rounds.ask_ends"), inline([_drop_row(ctx)]))


async def on_ends_text(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(RoundDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    moment = ctx.typed_future(text, unclear=N_("rounds.bad_ends"), past=N_("rounds.past_typed"))
    if isinstance(moment, str):
        ctx.reply(moment)
        return
    draft.ends_at = moment
    ctx.stop_expecting()
    await _preview(ctx, draft)


async def _preview(ctx: Ctx, draft: RoundDraft) -> None:
    """What participants will read: the notice, then the round screen."""
    assert draft.amount_cents is not None and draft.ends_at is not None
    titles = {p.id: p.title for p in await budget.open_projects(ctx.session)}
    view = RoundView(
        round_id=0,
        amount_cents=draft.amount_cents,
        ends_at=draft.ends_at,
        status=RoundStatus.OPEN,
        choices=tuple(
            Choice(0, project_id, titles.get(project_id, "?"), cost, False)
            for project_id, cost in draft.costs.items()
        ),
    )
    notice = budget.opening_text(
        ctx.rt.translator,
        ctx.lang,
        ctx.rt.settings.tz,
        amount_cents=draft.amount_cents,
        ends_at=draft.ends_at,
        projects=len(draft.costs),
        now=ctx.now,
    )
    ctx.reply(ctx.t("rounds.preview_intro"))
    ctx.reply(notice + "\n\n" + participant.screen_text(ctx, view))
    count = await budget.audience_count(ctx.session)
    ctx.reply(
        ctx.t("rounds.confirm", count=count),
        inline(
            [
                [(ctx.t("rounds.button_confirm_open"), CONFIRM_OPEN.make(draft.key))],
                _drop_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_confirm_open(ctx: Ctx) -> None:
    """✅ Ouvrir le budget: the round opens and everyone is told."""
    parsed = ctx.button(CONFIRM_OPEN)
    draft = _live_draft(ctx, parsed.args[0]) if parsed else None
    if draft is None or draft.amount_cents is None or draft.ends_at is None:
        ctx.stale()
        return
    ctx.clear()  # before any await: a second tap finds no draft
    try:
        await budget.open_round(
            ctx.session,
            amount_cents=draft.amount_cents,
            project_costs=dict(draft.costs),
            ends_at=draft.ends_at,
            by=ctx.person,
            now=ctx.now,
            translator=ctx.rt.translator,
            tz=ctx.rt.settings.tz,
        )
    except OpenRefused as refused:
        ctx.answer(ctx.t(OPEN_PROBLEM_KEYS[refused.problem]), alert=True)
        if refused.problem == OpenProblem.ALREADY_OPEN:
            ctx.remove_buttons()
            return
        ctx.state.draft = draft
        if refused.problem == OpenProblem.IN_THE_PAST:
            ctx.expect(ENDS)
            ctx.remove_buttons()
            ctx.reply(ctx.t("rounds.ask_ends"), inline([_drop_row(ctx)]))
            return
        if refused.project_id is not None:
            draft.costs.pop(refused.project_id, None)
        ctx.remove_buttons()
        await _show_picker(ctx, draft, edit=False)
        return
    count = await budget.audience_count(ctx.session)
    ctx.answer(ctx.t("rounds.opened_toast"))
    ctx.edit(ctx.t("rounds.opened", count=count))


@with_person(facilitator_only=True)
async def on_drop(ctx: Ctx) -> None:
    """❌ Annuler in any step of the opening or of paper votes: forget the draft."""
    ctx.clear()
    ctx.remove_buttons()
    ctx.reply(ctx.t("rounds.dropped"), inline([_back_row(ctx)]))


# --- paper votes ------------------------------------------------------------------------


async def _paper_list(ctx: Ctx) -> None:
    current = await budget.current_round(ctx.session, now=ctx.now)
    if current is None or ctx.now >= current.ends_at:
        ctx.answer(ctx.t("rounds.no_current"), alert=True)
        return
    lines = await budget.paper_lines(ctx.session, round_id=current.id)
    rows = [
        [
            (
                ctx.t(
                    "rounds.paper_button",
                    title=short(line.title, TITLE_IN_BUTTON),
                    count=line.paper_votes,
                ),
                PAPER_PICK.make(current.id, line.round_project_id),
            )
        ]
        for line in lines
    ]
    rows.append(_back_row(ctx))
    ctx.reply(ctx.t("rounds.paper_title"), inline(rows))


@with_person(facilitator_only=True)
async def on_paper_pick(ctx: Ctx) -> None:
    """A project whose paper votes the facilitator is about to type."""
    parsed = ctx.button(PAPER_PICK)
    if parsed is None:
        ctx.stale()
        return
    round_id, rp_id = parsed.int_arg(0), parsed.int_arg(1)
    line = next(
        (
            x
            for x in await budget.paper_lines(ctx.session, round_id=round_id)
            if x.round_project_id == rp_id
        ),
        None,
    )
    current = await budget.current_round(ctx.session, now=ctx.now)
    if line is None or current is None or current.id != round_id:
        ctx.answer(ctx.t("rounds.no_current"), alert=True)
        return
    ctx.start_draft(PaperDraft(round_id, rp_id, line.title))
    ctx.expect(PAPER)
    ctx.reply(
        ctx.t("rounds.ask_paper", title=line.title, count=line.paper_votes),
        inline([_drop_row(ctx)]),
    )


async def on_paper_text(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(PaperDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    cleaned = "".join(text.split())
    if not PAPER_NUMBER.fullmatch(cleaned) or int(cleaned) > budget.MAX_PAPER_VOTES:
        most = format_decimal(budget.MAX_PAPER_VOTES, locale=ctx.lang)
        # Babel's narrow space is missing from some old phones' fonts (see money.py).
        ctx.reply(ctx.t("rounds.bad_paper", most=most.replace("\u202f", "\u00a0")))
        return
    votes = int(cleaned)
    try:
        await budget.set_paper_votes(
            ctx.session,
            round_id=draft.round_id,
            round_project_id=draft.round_project_id,
            votes=votes,
            by=ctx.person,
            now=ctx.now,
        )
    except budget.PaperRefused as refused:
        ctx.clear()
        key = (
            N_("rounds.ended")
            if refused.problem == PaperProblem.ENDED
            else N_("rounds.no_current")
        )
        ctx.reply(ctx.t(key), inline([_back_row(ctx)]))
        return
    ctx.clear()
    ctx.reply(ctx.t("rounds.paper_saved", title=draft.title, count=votes))
    await _paper_list(ctx)


# --- results and export -----------------------------------------------------------------


async def _results_list(ctx: Ctx) -> None:
    rounds = await budget.closed_rounds(ctx.session)
    if not rounds:
        ctx.answer(ctx.t("rounds.no_results"), alert=True)
        return
    tz = ctx.rt.settings.tz
    rows = [
        [
            (
                ctx.t(
                    "rounds.results_button",
                    amount=_euros(ctx, r.amount_cents),
                    day=ctx.rt.translator.format_date(r.ends_at, ctx.lang, tz),
                ),
                RESULTS_OF.make(r.id),
            )
        ]
        for r in rounds
    ]
    rows.append(_back_row(ctx))
    ctx.reply(ctx.t("rounds.results_title"), inline(rows))


def _results_text(ctx: Ctx, results: budget.Results) -> str:
    """Every project's votes, chat and paper apart (counts only, never a name)."""
    lines = [budget.result_text(ctx.rt.translator, ctx.lang, results), ""]
    lines += [
        ctx.t(
            N_("rounds.result_line_selected") if r.selected else N_("rounds.result_line"),
            rank=r.rank,
            title=r.tally.title,
            cost=_euros(ctx, r.tally.cost_cents),
            chat=r.tally.chat_votes,
            paper=r.tally.paper_votes,
        )
        for r in results.ranked
    ]
    return "\n".join(lines)


@with_person(facilitator_only=True)
async def on_results_of(ctx: Ctx) -> None:
    """📊 A closed round's results: the chart, every project's votes, the export."""
    parsed = ctx.button(RESULTS_OF)
    found = await budget.get_round(ctx.session, parsed.int_arg(0)) if parsed else None
    if found is None or found.status != RoundStatus.CLOSED:
        ctx.stale()
        return
    results = await budget.round_results(ctx.session, round_id=found.id)
    assert results is not None
    participant.send_results(ctx, results, None, caption=ctx.t("budget.result_title"))
    ctx.reply(
        _results_text(ctx, results),
        inline([[(ctx.t("rounds.button_export"), EXPORT_OF.make(found.id))], _back_row(ctx)]),
    )


async def _export(ctx: Ctx, round_id: int) -> None:
    text = await pabulib.export(ctx.session, round_id=round_id, tz=ctx.rt.settings.tz)
    if text is None:
        ctx.stale()
        return
    ctx.answer()
    bot, chat_id = ctx.context.bot, ctx.chat_id
    caption = ctx.t("rounds.export_caption")
    document = InputFile(text.encode("utf-8"), filename=f"budget-{round_id}.pb")

    async def send() -> Message:
        return await bot.send_document(chat_id, document, caption=caption)

    ctx.later(send)


@with_person(facilitator_only=True)
async def on_export_of(ctx: Ctx) -> None:
    """📤 Export Pabulib of one round: the .pb file, here."""
    parsed = ctx.button(EXPORT_OF)
    found = await budget.get_round(ctx.session, parsed.int_arg(0)) if parsed else None
    if found is None or found.status == RoundStatus.CANCELLED:
        ctx.stale()
        return
    await _export(ctx, found.id)


# --- cancelling -------------------------------------------------------------------------


@with_person(facilitator_only=True)
async def on_cancel_round(ctx: Ctx) -> None:
    """🛑 Annuler le budget, then ✅ Oui / ❌ Non."""
    parsed = ctx.button(CANCEL_ROUND)
    if parsed is None:
        ctx.stale()
        return
    round_id, step = parsed.int_arg(0), parsed.args[1]
    if step == "ask":
        ctx.reply(
            ctx.t("rounds.cancel_ask"),
            inline(
                [
                    [(ctx.t("rounds.cancel_yes"), CANCEL_ROUND.make(round_id, "yes"))],
                    [(ctx.t("rounds.cancel_no"), CANCEL_ROUND.make(round_id, "no"))],
                ]
            ),
        )
        return
    if step == "no":
        ctx.edit(ctx.t("rounds.cancel_kept"), inline([_back_row(ctx)]))
        return
    cancelled = await budget.cancel_round(
        ctx.session, round_id=round_id, by=ctx.person, now=ctx.now, translator=ctx.rt.translator
    )
    if not cancelled:
        ctx.answer(ctx.t("rounds.cancel_too_late"), alert=True)
        ctx.remove_buttons()
        return
    ctx.answer(ctx.t("rounds.cancelled_toast"))
    ctx.edit(ctx.t("rounds.cancelled"), inline([_back_row(ctx)]))


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(ADMIN, on_admin, facilitators_only=True),
    ButtonRoute(PICK, on_pick, facilitators_only=True),
    ButtonRoute(NEXT, on_next, facilitators_only=True),
    ButtonRoute(CONFIRM_OPEN, on_confirm_open, facilitators_only=True),
    ButtonRoute(DROP, on_drop, facilitators_only=True),
    ButtonRoute(PAPER_PICK, on_paper_pick, facilitators_only=True),
    ButtonRoute(RESULTS_OF, on_results_of, facilitators_only=True),
    ButtonRoute(EXPORT_OF, on_export_of, facilitators_only=True),
    ButtonRoute(CANCEL_ROUND, on_cancel_round, facilitators_only=True),
)
INPUTS: tuple[Input, ...] = (
    Input(AMOUNT, on_amount_text),
    Input(COST, on_cost_text),
    Input(ENDS, on_ends_text),
    Input(PAPER, on_paper_text),
)
