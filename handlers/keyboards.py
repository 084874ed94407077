"""The big menu (a reply keyboard) and the inline keyboards that handlers build."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.callback_data import ButtonKind
from bot.context import MenuEntry
from bot.i18n import LANGUAGES, N_
from bot.sending import inline_keyboard
from bot.services.outbox import Button

Translate = Callable[..., str]

LANGUAGE_CHOICE = ButtonKind("lang", (r"fr|en",))
CONSENT_CHOICE = ButtonKind("consent", (r"yes|no",))

LANGUAGE_LABEL_KEYS = {"fr": N_("lang.button_fr"), "en": N_("lang.button_en")}
MENU_COLUMNS = 2


def main_menu(t: Translate, entries: Sequence[MenuEntry]) -> ReplyKeyboardMarkup:
    """The persistent menu: big buttons so that nothing requires typing a command."""
    rows: list[list[KeyboardButton]] = []
    # Facilitators' entries start a row of their own, below everyone's.
    for facilitators in (False, True):
        labels = [KeyboardButton(t(e.key)) for e in entries if e.facilitators_only == facilitators]
        rows += [labels[i : i + MENU_COLUMNS] for i in range(0, len(labels), MENU_COLUMNS)]
    return ReplyKeyboardMarkup(
        rows,
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=t("menu.placeholder"),
    )


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return inline_keyboard([[Button(label, data) for label, data in row] for row in rows])


def language_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline(
        [[(t(LANGUAGE_LABEL_KEYS[lang]), LANGUAGE_CHOICE.make(lang)) for lang in LANGUAGES]]
    )


def consent_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline(
        [
            [(t("consent.button_yes"), CONSENT_CHOICE.make("yes"))],
            [(t("consent.button_no"), CONSENT_CHOICE.make("no"))],
        ]
    )
