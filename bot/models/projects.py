"""Common projects, their supporters and volunteers, and the participatory budget.

A project is proposed by a participant, checked by the facilitators, then open to
supports (👍) and volunteers (🙋). A budget round shares an amount between open projects:
each participant fills a basket; the last confirmed basket is what counts (`ballots`),
beside the votes cast on paper in a session (`round_projects.paper_votes`).

People's links to supports and baskets may be cut (person_id NULL) so that counts stay
right when a person is forgotten.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime

TITLE_LIMIT = 80


class ProjectStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for the facilitators
    CHANGES = "changes"  # the facilitators asked for a change: back with its author
    OPEN = "open"  # published: people support it and join it
    SELECTED = "selected"  # chosen (by a budget round, or by the facilitators)
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REFUSED = "refused"
    ARCHIVED = "archived"


# "Waiting or open": what counts toward a person's 3 proposals at once.
ACTIVE_STATUSES = frozenset({ProjectStatus.PROPOSED, ProjectStatus.CHANGES, ProjectStatus.OPEN})
# Supports and volunteers are taken while a project lives, not once it is closed.
JOINABLE_STATUSES = frozenset(
    {ProjectStatus.OPEN, ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS}
)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_status", "status", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A spoken description: Telegram's file id (never downloaded) and its length.
    voice_file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    voice_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)  # an estimate
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Who leads it (the author, when they said "Je le porte"); shown by first name.
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.PROPOSED)
    # The facilitators' last word to the author (why a change, why refused).
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # last sent for checking
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProjectChange(Base):
    """Each step of a project's life, with the facilitator's optional note."""

    __tablename__ = "project_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupportKind(enum.StrEnum):
    SUPPORT = "support"  # 👍 Je soutiens
    VOLUNTEER = "volunteer"  # 🙋 Je participe


class Support(Base):
    __tablename__ = "project_supports"
    __table_args__ = (
        UniqueConstraint("project_id", "person_id", "kind"),
        Index("ix_project_supports_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # results computed and announced
    CANCELLED = "cancelled"


class BudgetRound(Base):
    __tablename__ = "budget_rounds"
    __table_args__ = (Index("ix_budget_rounds_status", "status", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The reminders to unconfirmed baskets are enqueued once per kind.
    day_before_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hours_before_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RoundProject(Base):
    """A project in a round, with its cost for the round and the votes cast on paper."""

    __tablename__ = "round_projects"
    __table_args__ = (UniqueConstraint("round_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    cost_cents: Mapped[int] = mapped_column(Integer)
    paper_votes: Mapped[int] = mapped_column(Integer, default=0)
    selected: Mapped[bool | None] = mapped_column(nullable=True)  # set when the round ends


class Basket(Base):
    """A participant's choice in a round: `basket_items` now, `ballots` as last confirmed."""

    __tablename__ = "baskets"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BasketItem(Base):
    __tablename__ = "basket_items"
    __table_args__ = (UniqueConstraint("basket_id", "round_project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"))
    round_project_id: Mapped[int] = mapped_column(
        ForeignKey("round_projects.id", ondelete="CASCADE")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ballot(Base):
    """A confirmed vote: what counts at the end. `confirmed_at` is kept while the project
    stays in the basket across confirmations (ties go to the earlier confirmed support)."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("basket_id", "round_project_id"),
        Index("ix_ballots_round_project", "round_project_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"))
    round_project_id: Mapped[int] = mapped_column(
        ForeignKey("round_projects.id", ondelete="CASCADE")
    )
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
