"""(placeholder until built)"""

from __future__ import annotations

from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx

BUTTONS: tuple[ButtonRoute, ...] = ()
INPUTS: tuple[Input, ...] = ()


async def show_list(ctx: Ctx) -> None:
    """📋 Voir les projets: the first page."""
