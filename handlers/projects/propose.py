"""(placeholder until built)"""

from __future__ import annotations

from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx

BUTTONS: tuple[ButtonRoute, ...] = ()
INPUTS: tuple[Input, ...] = ()


async def start(ctx: Ctx) -> None:
    """✍️ Proposer un projet."""


async def mine(ctx: Ctx) -> None:
    """📝 Mes propositions."""
