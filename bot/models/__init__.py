"""All tables; importing this package registers every model on Base.metadata."""

from bot.models.base import Base, UTCDateTime
from bot.models.calendar import (
    DEFAULT_CAPACITY,
    Answer,
    Occurrence,
    OccurrenceStatus,
    Rsvp,
    Series,
)
from bot.models.mood import CheckIn, WellbeingCheck
from bot.models.outbox import (
    Broadcast,
    BroadcastState,
    ContentType,
    OutboxMessage,
    OutboxState,
)
from bot.models.people import Invitation, Person, Role

__all__ = [
    "DEFAULT_CAPACITY",
    "Answer",
    "Base",
    "Broadcast",
    "BroadcastState",
    "CheckIn",
    "ContentType",
    "Invitation",
    "Occurrence",
    "OccurrenceStatus",
    "OutboxMessage",
    "OutboxState",
    "Person",
    "Role",
    "Rsvp",
    "Series",
    "UTCDateTime",
    "WellbeingCheck",
]
