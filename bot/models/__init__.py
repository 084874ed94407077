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
from bot.models.projects import (
    ACTIVE_STATUSES,
    JOINABLE_STATUSES,
    TITLE_LIMIT,
    Ballot,
    Basket,
    BasketItem,
    BudgetRound,
    Project,
    ProjectChange,
    ProjectStatus,
    RoundProject,
    RoundStatus,
    Support,
    SupportKind,
)

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_CAPACITY",
    "JOINABLE_STATUSES",
    "TITLE_LIMIT",
    "Answer",
    "Ballot",
    "Base",
    "Basket",
    "BasketItem",
    "Broadcast",
    "BroadcastState",
    "BudgetRound",
    "CheckIn",
    "ContentType",
    "Invitation",
    "Occurrence",
    "OccurrenceStatus",
    "OutboxMessage",
    "OutboxState",
    "Person",
    "Project",
    "ProjectChange",
    "ProjectStatus",
    "Role",
    "RoundProject",
    "RoundStatus",
    "Rsvp",
    "Series",
    "Support",
    "SupportKind",
    "UTCDateTime",
    "WellbeingCheck",
]
