"""All tables; importing this package registers every model on Base.metadata."""

from bot.models.base import Base, UTCDateTime
from bot.models.outbox import (
    Broadcast,
    BroadcastState,
    ContentType,
    OutboxMessage,
    OutboxState,
)
from bot.models.people import Invitation, Person, Role

__all__ = [
    "Base",
    "Broadcast",
    "BroadcastState",
    "ContentType",
    "Invitation",
    "OutboxMessage",
    "OutboxState",
    "Person",
    "Role",
    "UTCDateTime",
]
