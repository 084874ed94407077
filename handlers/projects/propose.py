"""✍️ Proposer un projet: a guided conversation, one question a message, then a preview.

Title (typed), description (typed, or a voice note of 3 minutes at most), an estimated
cost (typed, or "⏭️ Je ne sais pas"), whether the person leads it (Oui / Non), then the
project exactly as others will see it, with ✅ Envoyer / ✏️ Recommencer / ❌ Annuler.
Nothing is saved before ✅ Envoyer; a wrong answer is asked again and the earlier ones
stay. Editing a project the facilitators sent back ("✏️ Modifier") is the same
conversation, each step showing what is there with "✅ Garder", and resends the same project.

📝 Mes propositions lists the person's projects with their status in plain words.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message

from bot.callback_data import PROJECT_CARD, PROJECT_EDIT, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.models import Project, ProjectStatus
from bot.models.projects import JOINABLE_STATUSES, TITLE_LIMIT
from bot.services import projects
from bot.services.money import MoneyError, MoneyProblem, format_euros, parse_euros
from bot.services.projects import (
    DESCRIPTION_LIMIT,
    MAX_ACTIVE,
    VOICE_LIMIT_SECONDS,
    ProjectError,
    ProjectProblem,
    ProposalInput,
)
from bot.services.talk import first_name
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, voice_seconds, with_person
from handlers.keyboards import inline
from handlers.projects.buttons import GO, Go

TITLE = "propose.title"
DESCRIPTION = "propose.description"
COST = "propose.cost"

# A second tap on ✅ Envoyer this soon after a sending is that sending's double.
JUST_SENT = timedelta(minutes=2)
# Projects listed by "📝 Mes propositions" (the newest).
MINE_LIMIT = 10


class Act(enum.StrEnum):
    """What a button of the conversation does."""

    KEEP_TITLE = "kt"
    KEEP_DESCRIPTION = "kd"
    KEEP_COST = "kc"
    NO_COST = "nc"  # ⏭️ Je ne sais pas
    LEAD = "ly"
    NO_LEAD = "ln"
    SEND = "ok"
    RESTART = "re"
    CANCEL = "no"


# The act, and the draft it belongs to (a button of an older conversation is stale).
STEP = ButtonKind("pjp", ("|".join(Act), r"[A-Za-z0-9_-]{6,16}"))


class Step(enum.Enum):
    TITLE = "title"
    DESCRIPTION = "description"
    COST = "cost"
    LEAD = "lead"
    PREVIEW = "preview"


@dataclass
class ProposalDraft(Draft):
    """A proposal being written (or a sent-back project being edited); nothing is saved
    before ✅ Envoyer."""

    key: str
    project_id: int | None = None  # the project edited and resent
    step: Step = Step.TITLE
    title: str | None = None
    description: str | None = None
    voice_file_id: str | None = None
    voice_seconds: int | None = None
    cost_cents: int | None = None  # None: not known
    leads: bool | None = None
    sending: bool = False  # ✅ Envoyer was tapped: a second tap finds it taken

    def proposal(self) -> ProposalInput:
        return ProposalInput(
            title=self.title or "",
            description=self.description,
            voice_file_id=self.voice_file_id,
            voice_seconds=self.voice_seconds,
            cost_cents=self.cost_cents,
            leads=bool(self.leads),
        )


def _draft(ctx: Ctx) -> ProposalDraft | None:
    return ctx.draft(ProposalDraft)


def _button(ctx: Ctx, draft: ProposalDraft, key: str, act: Act) -> list[tuple[str, str]]:
    return [(ctx.t(key), STEP.make(act.value, draft.key))]


def _keyboard(ctx: Ctx, draft: ProposalDraft, *rows: tuple[str, Act]) -> InlineKeyboardMarkup:
    """The step's buttons, then ❌ Annuler."""
    buttons = [_button(ctx, draft, key, act) for key, act in rows]
    buttons.append(_button(ctx, draft, N_("propose.button_cancel"), Act.CANCEL))
    return inline(buttons)


def _back(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("propose.button_back"), GO.make(Go.HOME))]


# --- the questions ------------------------------------------------------------------------


def _ask_title(ctx: Ctx, draft: ProposalDraft, intro: str | None = None) -> None:
    draft.step = Step.TITLE
    ctx.expect(TITLE)
    lines = [intro] if intro else []
    lines.append(ctx.t("propose.ask_title", limit=TITLE_LIMIT))
    keep: tuple[tuple[str, Act], ...] = ()
    if draft.title:
        lines.append(ctx.t("propose.current_title", title=draft.title))
        keep = ((N_("propose.button_keep"), Act.KEEP_TITLE),)
    ctx.reply("\n\n".join(lines), _keyboard(ctx, draft, *keep))


def _description_keyboard(ctx: Ctx, draft: ProposalDraft) -> InlineKeyboardMarkup:
    if draft.description or draft.voice_file_id:
        return _keyboard(ctx, draft, (N_("propose.button_keep"), Act.KEEP_DESCRIPTION))
    return _keyboard(ctx, draft)


def _ask_description(ctx: Ctx, draft: ProposalDraft) -> None:
    draft.step = Step.DESCRIPTION
    ctx.expect(DESCRIPTION)
    lines = [ctx.t("propose.ask_description")]
    if draft.description:
        lines.append(ctx.t("propose.current_description", description=draft.description))
    elif draft.voice_file_id:
        lines.append(ctx.t("propose.current_voice"))
    ctx.reply("\n\n".join(lines), _description_keyboard(ctx, draft))


def _cost_keyboard(ctx: Ctx, draft: ProposalDraft) -> InlineKeyboardMarkup:
    rows = [(N_("propose.button_no_cost"), Act.NO_COST)]
    if draft.cost_cents is not None:
        rows.append((N_("propose.button_keep"), Act.KEEP_COST))
    return _keyboard(ctx, draft, *rows)


def _ask_cost(ctx: Ctx, draft: ProposalDraft) -> None:
    draft.step = Step.COST
    ctx.expect(COST)
    lines = [ctx.t("propose.ask_cost")]
    if draft.cost_cents is not None:
        lines.append(ctx.t("propose.current_cost", cost=format_euros(draft.cost_cents, ctx.lang)))
    ctx.reply("\n\n".join(lines), _cost_keyboard(ctx, draft))


def _ask_lead(ctx: Ctx, draft: ProposalDraft, noted: str | None = None) -> None:
    draft.step = Step.LEAD
    ctx.stop_expecting()
    lines = [noted] if noted else []
    lines.append(ctx.t("propose.ask_lead"))
    if draft.leads is not None:
        key = N_("propose.current_lead_yes") if draft.leads else N_("propose.current_lead_no")
        lines.append(ctx.t(key))
    keyboard = _keyboard(
        ctx,
        draft,
        (N_("propose.button_lead"), Act.LEAD),
        (N_("propose.button_no_lead"), Act.NO_LEAD),
    )
    ctx.reply("\n\n".join(lines), keyboard)


def _preview(ctx: Ctx, draft: ProposalDraft) -> None:
    """The project exactly as others will see it, then ✅ Envoyer."""
    draft.step = Step.PREVIEW
    ctx.stop_expecting()
    ctx.reply(ctx.t("propose.preview_intro"))
    card = projects.card_text(
        draft.proposal(),
        lang=ctx.lang,
        translator=ctx.rt.translator,
        leader=first_name(ctx.person.display_name) if draft.leads else None,
    )
    ctx.reply(card)
    file_id = draft.voice_file_id
    if file_id:
        bot, chat_id = ctx.context.bot, ctx.chat_id
        title = draft.title or ""

        async def voice() -> None:
            caption = ctx.t("propose.voice_caption", title=title)
            await bot.send_voice(chat_id, file_id, caption=caption)

        ctx.later(voice)
    keyboard = inline(
        [
            _button(ctx, draft, N_("propose.button_send"), Act.SEND),
            _button(ctx, draft, N_("propose.button_restart"), Act.RESTART),
            _button(ctx, draft, N_("propose.button_cancel"), Act.CANCEL),
        ]
    )
    ctx.reply(ctx.t("propose.ask_send"), keyboard)


# --- starting ------------------------------------------------------------------------------


async def start(ctx: Ctx) -> None:
    """✍️ Proposer un projet."""
    active = await projects.active_count(ctx.session, author_id=ctx.person.id)
    if active >= MAX_ACTIVE:
        ctx.clear()
        ctx.reply(
            ctx.t("propose.too_many", count=MAX_ACTIVE),
            inline([[(ctx.t("projects.button_mine"), GO.make(Go.MINE))], _back(ctx)]),
        )
        return
    draft = ProposalDraft(key=secrets.token_urlsafe(9))
    ctx.start_draft(draft)
    _ask_title(ctx, draft, ctx.t("propose.intro"))


@with_person()
async def on_edit(ctx: Ctx) -> None:
    """✏️ Modifier (under "a change is asked", or in Mes propositions): edit and resend."""
    parsed = ctx.button(PROJECT_EDIT)
    if parsed is None:
        ctx.stale()
        return
    project = await projects.get(ctx.session, parsed.int_arg(0))
    if project is None or project.author_id != ctx.person.id:
        ctx.stale()
        return
    if project.status not in projects.EDITABLE:
        ctx.answer(ctx.t("propose.edit_closed"), alert=True)
        return
    ctx.answer()
    draft = ProposalDraft(
        key=secrets.token_urlsafe(9),
        project_id=project.id,
        title=project.title,
        description=project.description,
        voice_file_id=project.voice_file_id,
        voice_seconds=project.voice_seconds,
        cost_cents=project.cost_cents,
        leads=project.leader_id == ctx.person.id,
    )
    ctx.start_draft(draft)
    _ask_title(ctx, draft, ctx.t("propose.edit_intro"))


# --- typed answers -------------------------------------------------------------------------


def _at(ctx: Ctx, step: Step) -> ProposalDraft | None:
    """The draft, if it waits for this step's answer; otherwise the conversation is over."""
    draft = _draft(ctx)
    if draft is None or draft.step is not step:
        ctx.clear()
        ctx.show_menu()
        return None
    return draft


async def on_title(ctx: Ctx, text: str) -> None:
    draft = _at(ctx, Step.TITLE)
    if draft is None:
        return
    title = " ".join(text.split())  # one line: a title is read at a glance
    keep = ((N_("propose.button_keep"), Act.KEEP_TITLE),) if draft.title else ()
    if not title:
        ctx.reply(ctx.t("propose.title_empty"), _keyboard(ctx, draft, *keep))
        return
    if len(title) > TITLE_LIMIT:
        ctx.reply(
            ctx.t("propose.title_too_long", length=len(title), limit=TITLE_LIMIT),
            _keyboard(ctx, draft, *keep),
        )
        return
    draft.title = title
    _ask_description(ctx, draft)


async def on_title_media(ctx: Ctx, message: Message) -> None:
    draft = _at(ctx, Step.TITLE)
    if draft is not None:
        ctx.reply(ctx.t("propose.title_words"), _keyboard(ctx, draft))


async def on_description(ctx: Ctx, text: str) -> None:
    draft = _at(ctx, Step.DESCRIPTION)
    if draft is None:
        return
    description = text.strip()
    if not description:
        ctx.reply(ctx.t("propose.description_kinds"), _description_keyboard(ctx, draft))
        return
    if len(description) > DESCRIPTION_LIMIT:
        ctx.reply(
            ctx.t(
                "propose.description_too_long", length=len(description), limit=DESCRIPTION_LIMIT
            ),
            _description_keyboard(ctx, draft),
        )
        return
    draft.description = description
    draft.voice_file_id = draft.voice_seconds = None
    _ask_cost(ctx, draft)


async def on_description_media(ctx: Ctx, message: Message) -> None:
    draft = _at(ctx, Step.DESCRIPTION)
    if draft is None:
        return
    if message.voice is None:
        ctx.reply(ctx.t("propose.description_kinds"), _description_keyboard(ctx, draft))
        return
    seconds = voice_seconds(message)
    if seconds > VOICE_LIMIT_SECONDS:
        ctx.reply(
            ctx.t("propose.voice_too_long", minutes=VOICE_LIMIT_SECONDS // 60),
            _description_keyboard(ctx, draft),
        )
        return
    draft.voice_file_id = message.voice.file_id
    draft.voice_seconds = seconds
    draft.description = None
    _ask_cost(ctx, draft)


COST_PROBLEMS = {
    MoneyProblem.EMPTY: N_("propose.cost_not_understood"),
    MoneyProblem.NOT_A_NUMBER: N_("propose.cost_not_understood"),
    MoneyProblem.NEGATIVE: N_("propose.cost_negative"),
    MoneyProblem.TOO_BIG: N_("propose.cost_too_big"),
}


async def on_cost(ctx: Ctx, text: str) -> None:
    draft = _at(ctx, Step.COST)
    if draft is None:
        return
    try:
        cents = parse_euros(text)
    except MoneyError as error:
        ctx.reply(ctx.t(COST_PROBLEMS[error.reason]), _cost_keyboard(ctx, draft))
        return
    draft.cost_cents = cents
    _ask_lead(ctx, draft, ctx.t("propose.cost_noted", cost=format_euros(cents, ctx.lang)))


async def on_cost_media(ctx: Ctx, message: Message) -> None:
    draft = _at(ctx, Step.COST)
    if draft is not None:
        ctx.reply(ctx.t("propose.cost_words"), _cost_keyboard(ctx, draft))


# --- buttons ---------------------------------------------------------------------------------


@with_person()
async def on_step(ctx: Ctx) -> None:
    """A button of the conversation: keep, don't know, lead or not, send, restart, cancel."""
    parsed = ctx.button(STEP)
    draft = _draft(ctx)
    if parsed is None or draft is None or draft.key != parsed.args[1]:
        if parsed is not None and parsed.args[0] == Act.SEND and draft is None:
            if await _just_sent(ctx):
                ctx.answer(ctx.t("propose.already_sent"))
            else:
                ctx.answer(ctx.t("propose.gone"), alert=True)
        else:
            ctx.stale()
        return
    act = Act(parsed.args[0])
    if act is Act.SEND:
        await _send(ctx, draft)
        return
    if act is Act.CANCEL:
        ctx.clear()
        ctx.answer()
        key = N_("propose.cancelled_edit") if draft.project_id else N_("propose.cancelled")
        ctx.edit(ctx.t(key), inline([_back(ctx)]))
        return
    if act is Act.RESTART and draft.step is Step.PREVIEW:
        ctx.answer()
        ctx.remove_buttons()
        _ask_title(ctx, draft)
        return
    expected = {
        Act.KEEP_TITLE: Step.TITLE,
        Act.KEEP_DESCRIPTION: Step.DESCRIPTION,
        Act.KEEP_COST: Step.COST,
        Act.NO_COST: Step.COST,
        Act.LEAD: Step.LEAD,
        Act.NO_LEAD: Step.LEAD,
    }.get(act)
    if draft.step is not expected or draft.sending:
        ctx.stale()
        return
    ctx.answer()
    ctx.remove_buttons()
    if act is Act.KEEP_TITLE and draft.title:
        _ask_description(ctx, draft)
    elif act is Act.KEEP_DESCRIPTION and (draft.description or draft.voice_file_id):
        _ask_cost(ctx, draft)
    elif act is Act.KEEP_COST and draft.cost_cents is not None:
        _ask_lead(ctx, draft)
    elif act is Act.NO_COST:
        draft.cost_cents = None
        _ask_lead(ctx, draft, ctx.t("propose.cost_unknown_noted"))
    elif act in (Act.LEAD, Act.NO_LEAD):
        draft.leads = act is Act.LEAD
        _preview(ctx, draft)


async def _just_sent(ctx: Ctx) -> bool:
    """Whether a tap on ✅ Envoyer with no draft left comes just after a sending (a tap
    that crossed the message's update), rather than after the bot forgot the draft."""
    found = await projects.mine(ctx.session, author_id=ctx.person.id)
    return bool(found) and max(p.submitted_at for p in found) >= ctx.now - JUST_SENT


async def _send(ctx: Ctx, draft: ProposalDraft) -> None:
    """✅ Envoyer: the proposal goes to the facilitators, once."""
    if draft.sending:
        ctx.answer(ctx.t("propose.already_sent"))
        return
    if draft.step is not Step.PREVIEW:
        ctx.stale()
        return
    draft.sending = True  # before any await: a second tap finds it taken
    try:
        await projects.submit(
            ctx.session,
            author=ctx.person,
            proposal=draft.proposal(),
            now=ctx.now,
            translator=ctx.rt.translator,
            project_id=draft.project_id,
        )
    except ProjectError as error:
        ctx.clear()
        ctx.answer()
        if error.problem is ProjectProblem.TOO_MANY:
            ctx.edit(ctx.t("propose.too_many", count=MAX_ACTIVE), inline([_back(ctx)]))
        elif error.problem is ProjectProblem.NOT_EDITABLE:
            ctx.edit(ctx.t("propose.edit_closed"), inline([_back(ctx)]))
        else:
            ctx.edit(ctx.t("propose.gone"), inline([_back(ctx)]))
        return
    except BaseException:
        draft.sending = False  # nothing was saved: the person may tap again
        raise
    ctx.clear()
    ctx.answer(ctx.t("propose.sent_toast"))
    ctx.edit(ctx.t("propose.sent"), inline([_back(ctx)]))


# --- 📝 Mes propositions ----------------------------------------------------------------------

STATUS_KEYS: dict[str, str] = {
    ProjectStatus.PROPOSED: N_("propose.status_proposed"),
    ProjectStatus.CHANGES: N_("propose.status_changes"),
    ProjectStatus.OPEN: N_("propose.status_open"),
    ProjectStatus.SELECTED: N_("propose.status_selected"),
    ProjectStatus.IN_PROGRESS: N_("propose.status_in_progress"),
    ProjectStatus.DONE: N_("propose.status_done"),
    ProjectStatus.REFUSED: N_("propose.status_refused"),
    ProjectStatus.ARCHIVED: N_("propose.status_archived"),
}
# A card others can see: the project was published.
SEEN = JOINABLE_STATUSES | {ProjectStatus.DONE}


async def _mine_message(ctx: Ctx, project: Project) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [
        ctx.t("propose.card_title", title=project.title),
        ctx.t(STATUS_KEYS.get(project.status, N_("propose.status_archived"))),
    ]
    if project.note and project.status in (ProjectStatus.CHANGES, ProjectStatus.REFUSED):
        last = await projects.last_change(ctx.session, project.id)
        name = await projects.name_of(ctx.session, last.by_id if last else None)
        lines.append(
            ctx.t(
                "propose.notice_reason",
                name=name or ctx.t("propose.someone"),
                reason=project.note,
            )
        )
    if project.status == ProjectStatus.CHANGES:
        label = ctx.t("propose.button_edit")
        return "\n".join(lines), inline([[(label, PROJECT_EDIT.make(project.id))]])
    if project.status in SEEN:
        label = ctx.t("propose.button_see")
        return "\n".join(lines), inline([[(label, PROJECT_CARD.make(project.id))]])
    return "\n".join(lines), None


async def mine(ctx: Ctx) -> None:
    """📝 Mes propositions."""
    ctx.clear()
    found = await projects.mine(ctx.session, author_id=ctx.person.id)
    if not found:
        ctx.reply(
            ctx.t("propose.mine_empty"),
            inline([[(ctx.t("projects.button_propose"), GO.make(Go.PROPOSE))], _back(ctx)]),
        )
        return
    ctx.reply(ctx.t("propose.mine_intro", count=len(found)))
    for project in found[:MINE_LIMIT]:
        ctx.reply(*await _mine_message(ctx, project))
    rows = [_back(ctx)]
    if len(found) > MINE_LIMIT:
        text = ctx.t("propose.mine_more", count=len(found) - MINE_LIMIT)
    else:
        text = ctx.t("propose.mine_end")
    if sum(p.status in projects.ACTIVE_STATUSES for p in found) < MAX_ACTIVE:
        rows.insert(0, [(ctx.t("projects.button_propose"), GO.make(Go.PROPOSE))])
    ctx.reply(text, inline(rows))


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(STEP, on_step),
    ButtonRoute(PROJECT_EDIT, on_edit),
)
INPUTS: tuple[Input, ...] = (
    Input(TITLE, on_title, on_title_media),
    Input(DESCRIPTION, on_description, on_description_media),
    Input(COST, on_cost, on_cost_media),
)
