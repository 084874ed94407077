"""The WHO-5 questionnaire every two weeks, for those who opt in (after the mood consent).

"📝 Bilan toutes les 2 semaines : oui / non" sits on the "🔒 Mes réponses" screen. Saying
yes explains what it is, credits the questionnaire and offers "▶️ Commencer maintenant";
the fortnightly prompt (scheduler/wellbeing.py) carries "▶️ Commencer". The questionnaire
is one message edited in place: the published intro, one statement, its 6 published
answers, one per row. The answers stay in memory; only the score is stored. Then the
person sees their score and their earlier ones; 28 or less brings the care offer, 50 or
less a gentle word. No diagnosis, no pressure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callback_data import WELLBEING_START, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.services import wellbeing
from bot.services.mood import NoConsent
from bot.services.wellbeing import ITEMS, CareLevel
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.mood.care import offer_care

TOGGLE = ButtonKind("whot", (r"on|off",))  # 📝 Bilan toutes les 2 semaines: turn it on / off
START = ButtonKind("whos")  # ▶️ Commencer maintenant, under the opt-in explanation
# An answer: the statement's number (1 to 5), the published answer's value (0 to 5).
ANSWER = ButtonKind("whoa", (r"[1-5]", r"[0-5]"))
ANSWERING = "who5.answering"  # the input: something typed while a statement waits

QUESTIONS = (N_("who5.q1"), N_("who5.q2"), N_("who5.q3"), N_("who5.q4"), N_("who5.q5"))
ANSWERS = {
    5: N_("who5.a5"),
    4: N_("who5.a4"),
    3: N_("who5.a3"),
    2: N_("who5.a2"),
    1: N_("who5.a1"),
    0: N_("who5.a0"),
}


@dataclass
class Questionnaire(Draft):
    """The answers so far, in memory only; `message_id` is the message being answered."""

    message_id: int | None
    answers: list[int] = field(default_factory=list)

    @property
    def number(self) -> int:
        """The statement waiting for its answer (1 to 5)."""
        return len(self.answers) + 1


# --- the toggle on "🔒 Mes réponses" --------------------------------------------------


def toggle_button(ctx: Ctx) -> tuple[str, str]:
    """ "📝 Bilan toutes les 2 semaines : oui" (tapping it says no), or the other way round."""
    if ctx.person.wellbeing_since is not None:
        return ctx.t("who5.toggle_yes"), TOGGLE.make("off")
    return ctx.t("who5.toggle_no"), TOGGLE.make("on")


def settings_rows(ctx: Ctx) -> list[list[tuple[str, str]]]:
    """The rows this questionnaire adds to the "🔒 Mes réponses" screen."""
    if not ctx.person.mood_consented:
        return []
    return [[toggle_button(ctx)]]


def _refresh_toggle(ctx: Ctx) -> None:
    """Show the new choice on the tapped screen, leaving its other buttons as they are."""
    query = ctx.query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    label, data = toggle_button(ctx)
    shown = message.reply_markup.inline_keyboard
    rows = [
        [
            InlineKeyboardButton(label, callback_data=data)
            if isinstance(button.callback_data, str) and TOGGLE.parse(button.callback_data)
            else button
            for button in row
        ]
        for row in shown
    ]
    ctx.edit_buttons(InlineKeyboardMarkup(rows))


def _consent_first(ctx: Ctx) -> None:
    """The mood screen asks for the consent; this questionnaire needs it first."""
    ctx.reply(ctx.t("who5.consent_first"))


@with_person()
async def on_toggle(ctx: Ctx) -> None:
    """📝 Bilan toutes les 2 semaines : oui / non."""
    parsed = ctx.button(TOGGLE)
    if parsed is None:
        ctx.stale()
        return
    if parsed.args[0] == "on":
        try:
            new = await wellbeing.opt_in(ctx.session, person=ctx.person, now=ctx.now)
        except NoConsent:
            _consent_first(ctx)
            return
        _refresh_toggle(ctx)
        if not new:
            ctx.answer(ctx.t("who5.already"))
            return
        ctx.reply(
            ctx.t("who5.opted_in") + "\n\n" + ctx.t("who5.credit"),
            inline([[(ctx.t("who5.button_start_now"), START.make())]]),
        )
        return
    was_in = await wellbeing.opt_out(ctx.session, person=ctx.person, now=ctx.now)
    _refresh_toggle(ctx)
    if not was_in:
        ctx.answer(ctx.t("who5.already"))
        return
    ctx.reply(ctx.t("who5.opted_out"))


# --- the questionnaire ----------------------------------------------------------------


def _statement(ctx: Ctx, number: int) -> tuple[str, InlineKeyboardMarkup]:
    """ "📝 Question 2 sur 5", the published intro and statement, its 6 answers."""
    text = "\n".join(
        [
            ctx.t("who5.progress", number=number, total=ITEMS),
            "",
            ctx.t("who5.q_intro"),
            ctx.t(QUESTIONS[number - 1]),
        ]
    )
    rows = [[(ctx.t(key), ANSWER.make(number, value))] for value, key in ANSWERS.items()]
    return text, inline(rows)


def _begin(ctx: Ctx) -> None:
    """The first statement, in place of the message whose button was tapped."""
    if not ctx.person.mood_consented:
        _consent_first(ctx)
        return
    query = ctx.query
    message_id = query.message.message_id if query and query.message else None
    ctx.start_draft(Questionnaire(message_id))
    ctx.expect(ANSWERING)
    text, markup = _statement(ctx, 1)
    ctx.edit(text, markup)


@with_person()
async def on_start(ctx: Ctx) -> None:
    """▶️ Commencer maintenant, after saying yes."""
    if ctx.button(START) is None:
        ctx.stale()
        return
    _begin(ctx)


@with_person()
async def on_prompt_start(ctx: Ctx) -> None:
    """▶️ Commencer, under the fortnightly prompt: only its own person may start it."""
    parsed = ctx.button(WELLBEING_START)
    if parsed is None:
        ctx.stale()
        return
    if parsed.int_arg(0) != ctx.person.id:
        ctx.answer(ctx.t("who5.not_yours"), alert=True)
        return
    _begin(ctx)


def _trend(ctx: Ctx, previous: tuple[int, ...]) -> str:
    """ "📈 Avant : 52, puis 60." (oldest first), or that this is the first one."""
    if not previous:
        return ctx.t("who5.first")
    return ctx.t("who5.trend", scores=ctx.t("who5.trend_then").join(str(s) for s in previous))


@with_person()
async def on_answer(ctx: Ctx) -> None:
    """One of the 6 answers under a statement."""
    parsed = ctx.button(ANSWER)
    if parsed is None:
        ctx.stale()
        return
    number, value = parsed.int_arg(0), parsed.int_arg(1)
    draft = ctx.draft(Questionnaire)
    query = ctx.query
    tapped = query.message.message_id if query and query.message else None
    if draft is None:
        # Finished already (a double tap on the last answer), or the bot restarted.
        ctx.answer(ctx.t("who5.closed"))
        ctx.remove_buttons()
        return
    if tapped != draft.message_id or number > draft.number:
        ctx.answer(ctx.t("who5.old_button"))
        return
    if number < draft.number:
        ctx.answer(ctx.t("who5.already"))
        return
    # Before any await: a second tap of the same button finds this statement answered.
    draft.answers.append(value)
    if len(draft.answers) < ITEMS:
        text, markup = _statement(ctx, draft.number)
        ctx.edit(text, markup)
        return
    answers = list(draft.answers)
    ctx.clear()
    try:
        result = await wellbeing.record(
            ctx.session, person=ctx.person, answers=answers, today=ctx.today, now=ctx.now
        )
    except NoConsent:
        # The mood consent was withdrawn while the questionnaire was open: keep nothing.
        ctx.edit(ctx.t("who5.consent_first"))
        return
    ctx.edit(
        "\n".join([ctx.t("who5.score", score=result.score), _trend(ctx, result.previous)])
        + "\n\n"
        + ctx.t("who5.credit")
    )
    if result.care is CareLevel.CARE:
        offer_care(ctx)
    elif result.care is CareLevel.GENTLE:
        ctx.reply(ctx.t("who5.gentle"))


async def on_typed(ctx: Ctx, text: str) -> None:
    """Words typed while a statement waits: the answers are the buttons."""
    await _buttons_please(ctx)


async def on_media(ctx: Ctx, message: Message) -> None:
    await _buttons_please(ctx)


async def _buttons_please(ctx: Ctx) -> None:
    draft = ctx.draft(Questionnaire)
    if draft is None:
        ctx.stop_expecting()
        ctx.show_menu(N_("fallback.not_understood"))
        return
    ctx.reply(ctx.t("who5.buttons_please", number=draft.number))


BUTTONS = (
    ButtonRoute(TOGGLE, on_toggle),
    ButtonRoute(START, on_start),
    ButtonRoute(WELLBEING_START, on_prompt_start),
    ButtonRoute(ANSWER, on_answer),
)
INPUTS = (Input(ANSWERING, on_typed, on_media),)
