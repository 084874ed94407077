"""(placeholder until built)"""

from __future__ import annotations

from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx

BUTTONS: tuple[ButtonRoute, ...] = ()
INPUTS: tuple[Input, ...] = ()


async def manage(ctx: Ctx) -> None:
    """🔁 Suivre les projets (facilitators)."""
