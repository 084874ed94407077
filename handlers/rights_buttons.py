"""The two buttons of the people's rights that the help screen offers.

They live here, below both capabilities, so that `handlers.onboarding` (which draws the
help) and `handlers.rights` (which answers the taps) never import each other: the
independence contract in pyproject.toml keeps the capabilities' modules apart.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.callback_data import ButtonKind

Translate = Callable[..., str]

MY_DATA = ButtonKind("rgdata")  # 📄 Mes données: the same as /mes_donnees
FORGET_ASK = ButtonKind("rgask")  # 🗑️ Effacer mes données: the same as /oublier


def help_rows(t: Translate) -> list[list[tuple[str, str]]]:
    """The help's last rows: see my data, erase my data (one a row: long labels)."""
    return [
        [(t("rights.button_mydata"), MY_DATA.make())],
        [(t("rights.button_forget"), FORGET_ASK.make())],
    ]
