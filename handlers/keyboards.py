"""Builders of the reply keyboards (the big menu) and inline keyboards."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import callback_data as cb
from bot.i18n import LANGUAGES, N_
from bot.services.outbox import Button

Translate = Callable[..., str]

# Menu entries by message key; the key's last part names the action.
PARTICIPANT_MENU: tuple[tuple[str, ...], ...] = (
    (N_("menu.sessions"), N_("menu.mood")),
    (N_("menu.projects"), N_("menu.help")),
)
FACILITATOR_MENU: tuple[tuple[str, ...], ...] = (
    (N_("menu.announce"), N_("menu.calendar")),
    (N_("menu.outbox"), N_("menu.invite")),
)
LANGUAGE_LABEL_KEYS = {"fr": N_("lang.button_fr"), "en": N_("lang.button_en")}


def main_menu(t: Translate, *, facilitator: bool) -> ReplyKeyboardMarkup:
    """The persistent menu: big buttons so that nothing requires typing a command."""
    rows = PARTICIPANT_MENU + (FACILITATOR_MENU if facilitator else ())
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(key)) for key in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=t("menu.placeholder"),
    )


def menu_keys() -> list[str]:
    return [key for rows in (PARTICIPANT_MENU, FACILITATOR_MENU) for row in rows for key in row]


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def buttons_markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Inline keyboard from the services' Button rows (the same rows outbox messages carry)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
            for row in rows
        ]
    )


def language_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline([[(t(LANGUAGE_LABEL_KEYS[lang]), cb.make("lang", lang)) for lang in LANGUAGES]])


def consent_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline(
        [
            [(t("consent.button_yes"), cb.make("consent", "yes"))],
            [(t("consent.button_no"), cb.make("consent", "no"))],
        ]
    )
