"""Pictures of moods and numbers, drawn as PNG bytes for the bot to send.

matplotlib takes a noticeable time to import, so this module does not import it: the
drawing module is loaded on first use (or by `warm_up`, which the app runs in a thread after
start). Drawing is CPU work, so it runs in a worker thread and never blocks the event loop.
The values passed in are plain and already translated: charts know no language.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

_DRAWING = "bot.charts.drawing"
_DASHBOARD = "bot.charts.dashboard"


@dataclass(frozen=True)
class DayMood:
    """One check-in: the face a person chose on a day."""

    day: datetime.date
    mood: int  # 1 (😞) .. 5 (😄)


@dataclass(frozen=True)
class WeeksChart:
    """A person's moods over the last weeks; only days in [first_day, last_day] are drawn."""

    points: tuple[DayMood, ...]
    first_day: datetime.date
    last_day: datetime.date
    week_labels: tuple[tuple[datetime.date, str], ...]  # e.g. (date(2026, 11, 2), "2 nov.")


@dataclass(frozen=True)
class GroupBar:
    """The answers of a group (a session, a month); hidden when fewer than 5 people answered."""

    label: str
    counts: tuple[int, int, int, int, int] | None  # answers per face 1..5; None = hidden
    average: float | None  # 1.0 .. 5.0; None when hidden


@dataclass(frozen=True)
class GroupChart:
    """Several groups side by side, for facilitators."""

    bars: tuple[GroupBar, ...]
    hidden_label: str  # e.g. "Pas assez de réponses"
    average_label: str  # e.g. "Moyenne"


@dataclass(frozen=True)
class BudgetBar:
    """A project at the end of a budget round: its votes in the chat and on paper."""

    title: str  # the project's title, cut to fit if need be
    cost: str  # e.g. "400 €", always shown whole
    chat: int
    paper: int
    selected: bool


@dataclass(frozen=True)
class BudgetChart:
    """A round's projects, most votes first; the words already translated."""

    bars: tuple[BudgetBar, ...]
    chat_label: str  # e.g. "Chat"
    paper_label: str  # e.g. "Papier"
    selected_label: str  # e.g. "Choisi"


@dataclass(frozen=True)
class SessionBar:
    """One session of the dashboard: who said yes, who came, who came without saying."""

    label: str  # e.g. "2 déc."
    said_yes: int
    present: int | None  # everyone who came, walk-ins included; None: attendance not taken
    unannounced: int  # of those present, who came without answering yes


@dataclass(frozen=True)
class AttendanceChart:
    title: str
    sessions: tuple[SessionBar, ...]  # oldest first
    yes_label: str  # e.g. "Ont dit oui"
    present_label: str  # e.g. "Présents"
    unannounced_label: str  # e.g. "Venus sans répondre"
    empty_label: str  # e.g. "Pas d'atelier"


@dataclass(frozen=True)
class RateBar:
    """A month: of those who said yes, how many came."""

    label: str  # e.g. "nov."
    said_yes: int
    came: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.came / self.said_yes) if self.said_yes else None


@dataclass(frozen=True)
class RateChart:
    title: str
    months: tuple[RateBar, ...]  # oldest first
    empty_label: str  # a month without any yes


@dataclass(frozen=True)
class PeopleBar:
    """A month's different people: new ones (first time ever) and returning ones."""

    label: str
    new: int
    returning: int


@dataclass(frozen=True)
class PeopleChart:
    title: str
    months: tuple[PeopleBar, ...]  # oldest first
    new_label: str
    returning_label: str
    footer: str  # e.g. "9 personnes sont venues 4 fois ou plus"


@dataclass(frozen=True)
class Tile:
    """A big number and what it counts."""

    value: str
    label: str


@dataclass(frozen=True)
class TilesChart:
    title: str
    tiles: tuple[Tile, ...]  # drawn three to a row
    footer: str  # e.g. the last budget round, in one line; "" for none


@dataclass(frozen=True)
class Dashboard:
    """The facilitators' pictures, in the order they are sent; `mood` None when no month
    may be shown."""

    attendance: AttendanceChart
    rate: RateChart
    people: PeopleChart
    mood: GroupChart | None
    projects: TilesChart


_loaded: ModuleType | None = None
_dashboard_loaded: ModuleType | None = None
_loading = threading.Lock()


def _drawing() -> ModuleType:
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                _loaded = importlib.import_module(_DRAWING)
    return _loaded


def _dashboard_module() -> ModuleType:
    global _dashboard_loaded
    if _dashboard_loaded is None:
        with _loading:
            if _dashboard_loaded is None:
                _dashboard_loaded = importlib.import_module(_DASHBOARD)
    return _dashboard_loaded


def warm_up() -> None:
    """Import matplotlib now, in the calling thread, so the first picture comes fast."""
    _drawing().warm_up()


# The drawing module is looked up in the worker thread: a picture asked for before warm_up
# imports matplotlib there, not on the event loop.
def _draw_weeks(chart: WeeksChart) -> bytes:
    draw: Callable[[WeeksChart], bytes] = _drawing().my_weeks_png
    return draw(chart)


def _draw_group(chart: GroupChart) -> bytes:
    draw: Callable[[GroupChart], bytes] = _drawing().group_moods_png
    return draw(chart)


def _draw_budget(chart: BudgetChart) -> bytes:
    draw: Callable[[BudgetChart], bytes] = _drawing().budget_results_png
    return draw(chart)


async def my_weeks(chart: WeeksChart) -> bytes:
    """The PNG of a person's last weeks: one face a check-in, faces instead of numbers."""
    return await asyncio.to_thread(_draw_weeks, chart)


async def group_moods(chart: GroupChart) -> bytes:
    """The PNG of the faces chosen in each group, and their average."""
    return await asyncio.to_thread(_draw_group, chart)


async def budget_results(chart: BudgetChart) -> bytes:
    """The PNG of a budget round's votes: a bar a project, chat and paper stacked."""
    return await asyncio.to_thread(_draw_budget, chart)


def _draw_dashboard(dashboard: Dashboard) -> list[bytes]:
    draw: Callable[[Dashboard], list[bytes]] = _dashboard_module().dashboard_pngs
    return draw(dashboard)


# Not named `dashboard`: importing bot.charts.dashboard sets that attribute to the module.
async def dashboard_pictures(dashboard: Dashboard) -> list[bytes]:
    """The dashboard's PNGs, in order, drawn together in one worker thread."""
    return await asyncio.to_thread(_draw_dashboard, dashboard)
