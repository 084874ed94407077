"""📋 Voir les projets: the living projects, 5 a page, their cards, 👍 and 🙋.

The list and the card are one message edited in place (◀️ ▶️, a project, ⬅️ Retour); a
card opened from a notice ("👀 Voir le projet") comes as a new message. 👍 and 🙋 carry
the state the card showed (bot.services.project_board), so a double tap or an old card
sets what the person asked for instead of flipping it back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup

from bot.callback_data import ID, PROJECT_CARD, ButtonKind
from bot.i18n import N_
from bot.models.projects import ProjectStatus, SupportKind
from bot.sending import Bot
from bot.services import project_board, projects
from bot.services.money import format_euros
from bot.services.project_board import Card, Line, Page, Refusal
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.projects.buttons import GO, Go, short

# A page of the list (1 for the first).
PAGE = ButtonKind("pjl", (ID,))
# A project's card from the list: the project, and the page ⬅️ Retour goes back to.
OPEN_CARD = ButtonKind("pjo", (ID, ID))
# 👍 or 🙋 on a card: which, the state the person asks for (1: join, 0: leave), the
# project, and the page ⬅️ Retour goes back to.
TOGGLE = ButtonKind("pjt", (r"s|v", r"1|0", ID, ID))
# 🎤 Écouter: the spoken description of a project.
LISTEN = ButtonKind("pjv", (ID,))

KIND_CODES = {"s": SupportKind.SUPPORT, "v": SupportKind.VOLUNTEER}
CODE_OF = {kind: code for code, kind in KIND_CODES.items()}
# Longer titles are cut on the buttons (the list shows them whole).
BUTTON_TITLE = 40

STATUS_ICONS = {
    ProjectStatus.OPEN: "🔹",
    ProjectStatus.SELECTED: "⭐",
    ProjectStatus.IN_PROGRESS: "🚧",
}
STATUS_KEYS = {
    ProjectStatus.SELECTED: N_("board.status_selected"),
    ProjectStatus.IN_PROGRESS: N_("board.status_in_progress"),
    ProjectStatus.DONE: N_("board.status_done"),
    ProjectStatus.ARCHIVED: N_("board.status_archived"),
}
JOIN_KEYS = {
    (SupportKind.SUPPORT, False): N_("board.button_support"),
    (SupportKind.SUPPORT, True): N_("board.button_unsupport"),
    (SupportKind.VOLUNTEER, False): N_("board.button_volunteer"),
    (SupportKind.VOLUNTEER, True): N_("board.button_unvolunteer"),
}
# The toast after a tap, by what is true now.
TOAST_KEYS = {
    (SupportKind.SUPPORT, True): N_("board.toast_supported"),
    (SupportKind.SUPPORT, False): N_("board.toast_unsupported"),
    (SupportKind.VOLUNTEER, True): N_("board.toast_volunteered"),
    (SupportKind.VOLUNTEER, False): N_("board.toast_unvolunteered"),
}

INPUTS: tuple[Input, ...] = ()


def cost_text(ctx: Ctx, cost_cents: int | None) -> str:
    if cost_cents is None:
        return ctx.t("board.cost_unknown")
    if cost_cents == 0:
        return ctx.t("board.cost_free")
    return format_euros(cost_cents, ctx.lang)


# --- the list -------------------------------------------------------------------------


def _line(ctx: Ctx, line: Line) -> str:
    counts = ctx.t(
        "board.line_counts",
        cost=cost_text(ctx, line.cost_cents),
        supporters=line.counts.supporters,
        volunteers=line.counts.volunteers,
    )
    rows = [f"{STATUS_ICONS.get(line.status, '🔹')} {line.title}", counts]
    if line.status in STATUS_KEYS:
        rows.append(ctx.t(STATUS_KEYS[line.status]))
    return "\n".join(rows)


def list_view(ctx: Ctx, page: Page) -> tuple[str, InlineKeyboardMarkup]:
    back = [(ctx.t("board.button_projects"), GO.make(Go.HOME))]
    if not page.lines:
        return ctx.t("board.empty"), inline(
            [[(ctx.t("projects.button_propose"), GO.make(Go.PROPOSE))], back]
        )
    head = [ctx.t("board.title")]
    if page.pages > 1:
        head.append(ctx.t("board.page", page=page.page, pages=page.pages))
    text = "\n\n".join(["\n".join(head), *(_line(ctx, line) for line in page.lines)])
    rows = [
        [(f"👀 {short(line.title, BUTTON_TITLE)}", OPEN_CARD.make(line.id, page.page))]
        for line in page.lines
    ]
    arrows = []
    if page.has_previous:
        arrows.append((ctx.t("board.button_previous"), PAGE.make(page.page - 1)))
    if page.has_next:
        arrows.append((ctx.t("board.button_next"), PAGE.make(page.page + 1)))
    if arrows:
        rows.append(arrows)
    rows.append(back)
    return text, inline(rows)


async def show_list(ctx: Ctx) -> None:
    """📋 Voir les projets: the first page."""
    page = await project_board.open_page(ctx.session, page=1)
    ctx.reply(*list_view(ctx, page))


@with_person()
async def on_page(ctx: Ctx) -> None:
    """◀️ ▶️ (and ⬅️ Retour from a card): a page of the list, in place."""
    parsed = ctx.button(PAGE)
    if parsed is None:
        ctx.stale()
        return
    page = await project_board.open_page(ctx.session, page=parsed.int_arg(0))
    ctx.edit(*list_view(ctx, page))


# --- a card ---------------------------------------------------------------------------


def card_text(ctx: Ctx, card: Card) -> str:
    """The project as everyone sees it, its counts, and where it is in its life."""
    text = projects.card_text(
        card.project,
        lang=ctx.lang,
        translator=ctx.rt.translator,
        leader=card.leader_name,
        supporters=card.counts.supporters,
        volunteers=card.counts.volunteers,
    )
    if card.status in STATUS_KEYS:
        text += "\n" + ctx.t(STATUS_KEYS[card.status])
    return text


def card_view(ctx: Ctx, card: Card, page: int) -> tuple[str, InlineKeyboardMarkup]:
    project_id = card.project.id
    rows: list[list[tuple[str, str]]] = []
    if card.joinable:
        for kind in (SupportKind.SUPPORT, SupportKind.VOLUNTEER):
            joined = card.joined(kind)
            data = TOGGLE.make(CODE_OF[kind], 0 if joined else 1, project_id, page)
            rows.append([(ctx.t(JOIN_KEYS[kind, joined]), data)])
    if card.project.voice_file_id:
        rows.append([(ctx.t("board.button_listen"), LISTEN.make(project_id))])
    rows.append([(ctx.t("board.button_back"), PAGE.make(page))])
    return card_text(ctx, card), inline(rows)


async def _card(ctx: Ctx, project_id: int) -> Card | None:
    return await project_board.card(ctx.session, project_id=project_id, viewer_id=ctx.person.id)


@with_person()
async def on_open(ctx: Ctx) -> None:
    """A project of the list: its card, in place."""
    parsed = ctx.button(OPEN_CARD)
    card = await _card(ctx, parsed.int_arg(0)) if parsed else None
    if parsed is None or card is None:
        ctx.stale()
        return
    ctx.edit(*card_view(ctx, card, parsed.int_arg(1)))


@with_person()
async def on_card(ctx: Ctx) -> None:
    """👀 Voir le projet under a notice: the card, as a new message."""
    parsed = ctx.button(PROJECT_CARD)
    card = await _card(ctx, parsed.int_arg(0)) if parsed else None
    if parsed is None or card is None:
        ctx.stale()
        return
    ctx.reply(*card_view(ctx, card, 1))


@with_person()
async def on_toggle(ctx: Ctx) -> None:
    """👍 Je soutiens / 🙋 Je participe, and their undo: the card shows the new counts."""
    parsed = ctx.button(TOGGLE)
    if parsed is None:
        ctx.stale()
        return
    kind = KIND_CODES[parsed.args[0]]
    project_id, page = parsed.int_arg(2), parsed.int_arg(3)
    outcome = await project_board.toggle(
        ctx.session,
        project_id=project_id,
        person_id=ctx.person.id,
        kind=kind,
        now=ctx.now,
        want=parsed.args[1] == "1",
    )
    if outcome.refused is Refusal.NOT_FOUND:
        ctx.stale()
        return
    card = await _card(ctx, project_id)
    if outcome.refused is Refusal.CLOSED:
        ctx.answer(ctx.t("board.closed"), alert=True)
    else:
        ctx.answer(ctx.t(TOAST_KEYS[kind, outcome.on]))
    if card is None:
        ctx.remove_buttons()  # refused: nobody sees it any more
        return
    ctx.edit(*card_view(ctx, card, page))


def _voice_sender(
    bot: Bot, chat_id: int, file_id: str, caption: str
) -> Callable[[], Awaitable[object]]:
    async def send() -> object:
        return await bot.send_voice(chat_id, file_id, caption=caption)

    return send


@with_person()
async def on_listen(ctx: Ctx) -> None:
    """🎤 Écouter: the spoken description, by Telegram's file id."""
    parsed = ctx.button(LISTEN)
    project = await project_board.published(ctx.session, parsed.int_arg(0)) if parsed else None
    if project is None:
        ctx.stale()
        return
    if not project.voice_file_id:
        ctx.answer(ctx.t("board.no_voice"), alert=True)
        return
    ctx.answer()
    caption = ctx.t("board.voice_caption", title=project.title)
    ctx.later(_voice_sender(ctx.context.bot, ctx.chat_id, project.voice_file_id, caption))


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(PAGE, on_page),
    ButtonRoute(OPEN_CARD, on_open),
    ButtonRoute(PROJECT_CARD, on_card),
    ButtonRoute(TOGGLE, on_toggle),
    ButtonRoute(LISTEN, on_listen),
)
