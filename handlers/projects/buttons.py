"""The buttons of the projects' home screen (each screen's own buttons live beside it)."""

from __future__ import annotations

import enum

from bot.callback_data import ButtonKind


class Go(enum.StrEnum):
    """Where a button of the home screen leads."""

    BOARD = "board"  # 📋 Voir les projets
    PROPOSE = "propose"  # ✍️ Proposer un projet
    MINE = "mine"  # 📝 Mes propositions
    BUDGET = "budget"  # 🗳️ Budget
    REVIEW = "review"  # 🛠️ À valider (facilitators)
    MANAGE = "manage"  # 🔁 Suivre les projets (facilitators)
    ROUNDS = "rounds"  # 🗳️ Budget participatif (facilitators)
    HOME = "home"  # ⬅️ Projets: back to this screen


FACILITATORS_ONLY = frozenset({Go.REVIEW, Go.MANAGE, Go.ROUNDS})
GO = ButtonKind("pjgo", ("|".join(Go),))


def short(title: str, limit: int) -> str:
    """A title on one line, cut to fit a button (people's titles are shown as typed)."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
