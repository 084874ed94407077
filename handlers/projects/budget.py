"""🗳️ Budget: a participant's basket in the open round, and the results once it is over.

The round screen is one message, edited in place by each ➕ / ➖ / ✅: the amount, the end,
what is left, every project with its cost (✅ when chosen), and whether the choice is
confirmed. ➕ and ➖ are written in batches (bot.batching): whoever taps while a batch is
being written goes in the next one, one transaction for all, then each tap gets its
answer and one edit, so fifty people tapping at once are all answered quickly. A round
that is over shows its results: the short text and the chart, drawn after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import charts
from bot.callback_data import BASKET_CONFIRM, ID, ROUND_VIEW, ButtonKind
from bot.context import MiroirContext
from bot.http import not_modified
from bot.i18n import N_, normalize_language
from bot.models import RoundStatus
from bot.runtime import Runtime
from bot.services import budget, people
from bot.services.budget import BasketOutcome, BasketTap, Choice, Refusal, Results, RoundView
from bot.services.money import format_euros
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import consent_keyboard, inline
from handlers.projects.buttons import GO, Go, short

# ➕ / ➖ on the round screen: add or remove, the round, the project's place in the round.
BASKET_CHANGE = ButtonKind("bdc", (r"a|r", ID, ID))
# A title this long at most in a button; the screen's list shows it whole.
BUTTON_TITLE = 24
# Telegram's limit for a picture's words.
CAPTION_LIMIT = 1024

REFUSAL_KEYS = {
    Refusal.ENDED: N_("budget.ended"),
    Refusal.CANCELLED: N_("budget.cancelled"),
    Refusal.NOT_IN_ROUND: N_("budget.not_in_round"),
    Refusal.EMPTY: N_("budget.confirm_empty"),
}


class Speaker(Protocol):
    """Who the screen is written for: a Ctx, or Words outside a transaction."""

    @property
    def rt(self) -> Runtime: ...

    @property
    def lang(self) -> str: ...

    @property
    def now(self) -> datetime: ...

    def t(self, key: str, /, **params: object) -> str: ...


@dataclass(frozen=True)
class Words:
    """A Speaker for the batched taps, which answer without a Ctx."""

    rt: Runtime
    lang: str
    now: datetime

    def t(self, key: str, /, **params: object) -> str:
        return self.rt.t(key, self.lang, **params)


def _back_row(ctx: Speaker) -> list[tuple[str, str]]:
    return [(ctx.t("budget.button_back"), GO.make(Go.HOME))]


def _left_line(ctx: Speaker, view: RoundView) -> str:
    return ctx.t(
        "budget.left",
        left=format_euros(view.left_cents, ctx.lang),
        amount=format_euros(view.amount_cents, ctx.lang),
    )


def _project_line(ctx: Speaker, choice: Choice) -> str:
    key = N_("budget.line_chosen") if choice.chosen else N_("budget.line_free")
    return ctx.t(key, title=choice.title, cost=format_euros(choice.cost_cents, ctx.lang))


def _state_line(ctx: Speaker, view: RoundView) -> str:
    if view.confirmed:
        return ctx.t("budget.state_confirmed")
    if view.changed_since_confirmed:
        return ctx.t("budget.state_changed")
    if view.chosen:
        return ctx.t("budget.state_unconfirmed")
    return ctx.t("budget.state_empty")


def screen_text(ctx: Speaker, view: RoundView) -> str:
    """The round screen's words; the same text is the facilitators' preview."""
    tz = ctx.rt.settings.tz
    today = ctx.now.astimezone(tz).date()
    head = [
        ctx.t("budget.title", amount=format_euros(view.amount_cents, ctx.lang)),
        ctx.t(
            "budget.until",
            when=ctx.rt.translator.format_datetime(view.ends_at, ctx.lang, tz, today=today),
        ),
    ]
    if view.status == RoundStatus.CANCELLED:
        return "\n".join([*head, "", ctx.t("budget.cancelled")])
    if view.status == RoundStatus.CLOSED:
        return "\n".join([*head, "", ctx.t("budget.over_results")])
    if not view.accepting(ctx.now):
        return "\n".join([*head, "", ctx.t("budget.over_soon")])
    return "\n".join(
        [
            *head,
            _left_line(ctx, view),
            ctx.t("budget.no_need_to_spend"),
            "",
            *(_project_line(ctx, c) for c in view.choices),
            "",
            _state_line(ctx, view),
        ]
    )


def screen_markup(ctx: Speaker, view: RoundView) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if view.accepting(ctx.now):
        for choice in view.choices:
            if choice.chosen:
                label = ctx.t("budget.button_remove", title=short(choice.title, BUTTON_TITLE))
                data = BASKET_CHANGE.make("r", view.round_id, choice.round_project_id)
            else:
                label = ctx.t(
                    "budget.button_add",
                    title=short(choice.title, BUTTON_TITLE),
                    cost=format_euros(choice.cost_cents, ctx.lang),
                )
                data = BASKET_CHANGE.make("a", view.round_id, choice.round_project_id)
            rows.append([(label, data)])
        if view.needs_confirmation:
            rows.append([(ctx.t("budget.button_confirm"), BASKET_CONFIRM.make(view.round_id))])
    elif view.status == RoundStatus.CLOSED:
        rows.append([(ctx.t("budget.button_results"), ROUND_VIEW.make(view.round_id))])
    rows.append(_back_row(ctx))
    return inline(rows)


def _show_screen(ctx: Ctx, view: RoundView, *, edit: bool) -> None:
    text, markup = screen_text(ctx, view), screen_markup(ctx, view)
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


async def show_current(ctx: Ctx) -> None:
    """🗳️ Budget: the open round's screen."""
    current = await budget.current_round(ctx.session, now=ctx.now)
    if current is None:
        rows = []
        last = await budget.latest_closed(ctx.session)
        if last is not None:
            rows.append([(ctx.t("budget.button_results"), ROUND_VIEW.make(last.id))])
        rows.append(_back_row(ctx))
        ctx.reply(ctx.t("budget.none"), inline(rows))
        return
    view = await budget.round_view(ctx.session, round_id=current.id, person_id=ctx.person.id)
    assert view is not None
    _show_screen(ctx, view, edit=False)


# --- results ------------------------------------------------------------------------


def results_chart(ctx: Speaker, results: Results) -> charts.BudgetChart:
    return charts.BudgetChart(
        bars=tuple(
            charts.BudgetBar(
                title=r.tally.title,
                cost=format_euros(r.tally.cost_cents, ctx.lang),
                chat=r.tally.chat_votes,
                paper=r.tally.paper_votes,
                selected=r.selected,
            )
            for r in results.ranked
        ),
        chat_label=ctx.t("budget.chart_chat"),
        paper_label=ctx.t("budget.chart_paper"),
        selected_label=ctx.t("budget.chart_selected"),
    )


def send_results(
    ctx: Ctx, results: Results, markup: InlineKeyboardMarkup | None, *, caption: str
) -> None:
    """The chart, drawn after the commit (no transaction waits for matplotlib)."""
    chart = results_chart(ctx, results)
    bot, chat_id = ctx.context.bot, ctx.chat_id
    if len(caption) > CAPTION_LIMIT:
        caption = ctx.t("budget.result_title")

    async def draw_and_send() -> Message:
        png = await charts.budget_results(chart)
        return await bot.send_photo(chat_id, png, caption=caption, reply_markup=markup)

    ctx.later(draw_and_send)


async def show_results(ctx: Ctx, round_id: int) -> None:
    results = await budget.round_results(ctx.session, round_id=round_id)
    if results is None:
        ctx.stale()
        return
    caption = budget.result_text(ctx.rt.translator, ctx.lang, results)
    send_results(ctx, results, inline([_back_row(ctx)]), caption=caption)


@with_person()
async def on_view(ctx: Ctx) -> None:
    """🗳️ Choisir mes projets (under a notice) or 📊 Voir les résultats: the round."""
    parsed = ctx.button(ROUND_VIEW)
    found = await budget.get_round(ctx.session, parsed.int_arg(0)) if parsed else None
    if found is None:
        ctx.stale()
        return
    if found.status == RoundStatus.CANCELLED:
        ctx.answer(ctx.t("budget.cancelled"), alert=True)
        return
    ctx.answer()
    if found.status == RoundStatus.CLOSED:
        await show_results(ctx, found.id)
        return
    view = await budget.round_view(ctx.session, round_id=found.id, person_id=ctx.person.id)
    assert view is not None
    _show_screen(ctx, view, edit=False)


# --- the basket -----------------------------------------------------------------------


def refusal_text(ctx: Speaker, outcome: BasketOutcome) -> str | None:
    """Why nothing changed, as the alert says it; None when something did (or nothing had to)."""
    refusal = outcome.refusal
    if refusal is None:
        return None
    if refusal == Refusal.NO_ROUND:
        return ctx.t("errors.stale_button")
    if refusal == Refusal.DOES_NOT_FIT:
        return ctx.t("budget.missing", missing=format_euros(outcome.missing_cents, ctx.lang))
    return ctx.t(REFUSAL_KEYS[refusal])


def _refused(ctx: Ctx, outcome: BasketOutcome) -> bool:
    text = refusal_text(ctx, outcome)
    if text is not None:
        ctx.answer(text, alert=True)
    return text is not None


async def on_change(update: Update, context: MiroirContext) -> None:
    """➕ or ➖ a project on the round screen.

    Not wrapped in with_person: taps are written in batches, so that fifty people tapping
    at once are all answered within a fraction of a second.
    """
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or user.is_bot:
        return
    rt = context.runtime
    guess = normalize_language(user.language_code, rt.settings.default_language)
    parsed = BASKET_CHANGE.parse(query.data)
    if parsed is None:
        await query.answer(rt.t("errors.stale_button", guess), show_alert=True)
        return
    adding = parsed.args[0] == "a"
    result = await rt.basket_taps.submit(
        BasketTap(
            people.UserInfo(user.id, user.first_name, user.last_name, guess),
            parsed.int_arg(1),
            parsed.int_arg(2),
            adding,
        )
    )
    lang = result.language
    if context.user_data is not None:
        context.user_data.language = lang
    outcome = result.outcome
    if outcome is None:
        await query.answer(rt.t("consent.needed_toast", lang))
        await context.bot.send_message(
            user.id,
            rt.t("consent.notice", lang),
            reply_markup=consent_keyboard(lambda key, **kw: rt.t(key, lang, **kw)),
        )
        return
    words = Words(rt, lang, rt.clock.now())
    refusal = refusal_text(words, outcome)
    if refusal is not None:
        await query.answer(refusal[:200], show_alert=True)
    elif outcome.changed:
        key = N_("budget.added") if adding else N_("budget.removed")
        await query.answer(words.t(key, title=short(outcome.title or "", BUTTON_TITLE)))
    else:
        await query.answer()
    # A double tap changes nothing: the first tap's edit already shows it.
    over = outcome.refusal in (Refusal.ENDED, Refusal.CANCELLED)
    if outcome.view is not None and (outcome.changed or over):
        await _edit_screen(context, query.message, words, outcome.view)


async def _edit_screen(
    context: MiroirContext, message: object, words: Words, view: RoundView
) -> None:
    """The tapped screen shows the basket as it is now (one edit; none when unchanged)."""
    if not isinstance(message, Message):
        return
    text, markup = screen_text(words, view), screen_markup(words, view)
    if text == message.text and markup == message.reply_markup:
        return  # a double tap: the screen says it already
    try:
        await context.bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
        )
    except BadRequest as exc:
        if not not_modified(exc):
            raise


def _from_screen(message: Message | None) -> bool:
    """Whether the tapped message is the round screen (its ➕ / ➖ buttons) or a reminder."""
    markup = message.reply_markup if message is not None else None
    rows: Sequence[Sequence[object]] = markup.inline_keyboard if markup is not None else ()
    return any(
        BASKET_CHANGE.parse(getattr(button, "callback_data", None)) is not None
        for row in rows
        for button in row
    )


def _confirmed_text(ctx: Speaker, view: RoundView) -> str:
    lines = [ctx.t("budget.confirmed_title")]
    lines += [_project_line(ctx, c) for c in view.chosen] or [ctx.t("budget.confirmed_nothing")]
    lines.append(_left_line(ctx, view))
    lines.append(ctx.t("budget.confirmed_change"))
    return "\n".join(lines)


@with_person()
async def on_confirm(ctx: Ctx) -> None:
    """✅ Valider mon choix, on the round screen or under a reminder."""
    parsed = ctx.button(BASKET_CONFIRM)
    if parsed is None:
        ctx.stale()
        return
    round_id = parsed.int_arg(0)
    outcome = await budget.confirm(
        ctx.session, round_id=round_id, person_id=ctx.person.id, now=ctx.now
    )
    if outcome.view is not None and outcome.refusal in (Refusal.ENDED, Refusal.CANCELLED):
        _refused(ctx, outcome)
        _show_screen(ctx, outcome.view, edit=True)
        return
    if _refused(ctx, outcome) or outcome.view is None:
        return
    view = outcome.view
    ctx.answer(
        ctx.t(N_("budget.confirmed_toast") if outcome.changed else N_("budget.already_confirmed"))
    )
    query = ctx.query
    message = query.message if query is not None else None
    if _from_screen(message if isinstance(message, Message) else None):
        if outcome.changed:  # a double tap: the first one's edit shows it already
            _show_screen(ctx, view, edit=True)
        return
    # Under a reminder: the reminder says it is done, and still leads to the screen.
    ctx.edit(
        _confirmed_text(ctx, view),
        inline([[(ctx.t("budget.button_choose"), ROUND_VIEW.make(round_id))]]),
    )


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(ROUND_VIEW, on_view),
    ButtonRoute(BASKET_CHANGE, on_change),
    ButtonRoute(BASKET_CONFIRM, on_confirm),
)
INPUTS: tuple[Input, ...] = ()
