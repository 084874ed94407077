"""All tables; importing this package registers every model on Base.metadata."""

from bot.models.base import Base, UTCDateTime
from bot.models.people import Invitation, Person, Role

__all__ = ["Base", "Invitation", "Person", "Role", "UTCDateTime"]
