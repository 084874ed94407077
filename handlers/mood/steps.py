"""The check-in conversation's state and its optional word step, shared by its screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.context import Draft
from handlers.ctx import Ctx
from handlers.keyboards import inline
from handlers.mood.buttons import SHARE, SKIP_WORD

WORD = "mood.word"  # the input: a word typed, or a voice note


@dataclass
class CheckInDraft(Draft):
    """A check-in in progress: the face picked, then (once kept) its row for the word."""

    mood: int
    day: date  # the prompt's day
    occurrence_id: int | None = None
    message_id: int | None = None  # the prompt whose face was tapped
    check_in_id: int | None = None  # set once the face is kept
    care_pending: bool = False  # the care offer waits for an answer before the word


def ask_word(ctx: Ctx, draft: CheckInDraft) -> None:
    """The one optional step: a word, typed or spoken, or ⏭️ Passer."""
    if draft.check_in_id is None:
        return
    ctx.expect(WORD)
    ctx.reply(
        ctx.t("mood.ask_word"),
        inline([[(ctx.t("mood.button_skip"), SKIP_WORD.make(draft.check_in_id))]]),
    )


def ask_share(ctx: Ctx, check_in_id: int) -> None:
    """ "Partager avec l'équipe ?": no comes first, and is what happens without an answer."""
    ctx.stop_expecting()
    ctx.reply(
        ctx.t("mood.ask_share"),
        inline(
            [
                [(ctx.t("mood.button_keep_private"), SHARE.make(check_in_id, "no"))],
                [(ctx.t("mood.button_share"), SHARE.make(check_in_id, "yes"))],
            ]
        ),
    )
