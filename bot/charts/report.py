"""The funders' report charts: PNG pictures made to be printed, in colour or not.

Nothing is told by colour alone: bars differ by their fill (white, grey, black) and their
hatching, lines by their dash and marker, and every series is named in the legend. The
pictures are drawn at print resolution for a half-page width.

matplotlib is not imported here: the drawing toolkit (bot.charts.drawing, which imports
it) is loaded in the worker thread on first use, as bot.charts does, so the bot starts
without it. The values passed in are plain and already translated.
"""

from __future__ import annotations

import asyncio
import importlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_DRAWING = "bot.charts.drawing"
PRINT_DPI = 150
SIZE_IN = (4.4, 3.7)  # half an A4 page wide
TEXT_PT = 8.5
TITLE_PT = 10
INK = "#111111"
GREY = "#9a9a9a"
WHITE = "#ffffff"


@dataclass(frozen=True)
class SessionColumn:
    """One session of the month: said yes, present, came unannounced."""

    label: str  # e.g. "3 nov."
    said_yes: int
    present: int
    unannounced: int
    cancelled: bool


@dataclass(frozen=True)
class SessionsChart:
    title: str
    sessions: tuple[SessionColumn, ...]  # oldest first
    said_yes_label: str
    present_label: str
    unannounced_label: str
    cancelled_label: str  # written where a cancelled session stands
    empty_label: str  # no session this month


@dataclass(frozen=True)
class TrendPoint:
    label: str  # e.g. "nov."
    present: int
    unique_people: int
    new_people: int


@dataclass(frozen=True)
class TrendChart:
    title: str
    months: tuple[TrendPoint, ...]  # oldest first
    present_label: str
    unique_label: str
    new_label: str


def _drawing() -> ModuleType:
    return importlib.import_module(_DRAWING)


def _figure(drawing: ModuleType) -> Figure:
    figure: Figure = drawing.new_figure(*SIZE_IN)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PRINT_DPI, pil_kwargs={"compress_level": 1})
    return bytes(buffer.getvalue())


def _style(ax: Axes, title: str) -> None:
    # A fixed place: finding one from the tick labels costs a third of the drawing.
    ax.set_title(title, fontsize=TITLE_PT, color=INK, loc="left", y=1.02)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=TEXT_PT, colors=INK)
    ax.locator_params(axis="y", integer=True)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _legend(ax: Axes) -> None:
    ax.legend(
        fontsize=TEXT_PT - 1,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=3,
        handlelength=1.6,
    )


def _sessions(chart: SessionsChart) -> bytes:
    figure = _figure(_drawing())
    ax = figure.add_subplot()
    _style(ax, chart.title)
    columns = chart.sessions
    if not columns:
        ax.set_axis_off()
        ax.text(0.5, 0.5, chart.empty_label, ha="center", va="center", fontsize=TITLE_PT)
        return _png(figure)
    width = 0.26
    xs = range(len(columns))
    series: Sequence[tuple[str, list[int], dict[str, Any], float]] = (
        (
            chart.said_yes_label,
            [c.said_yes for c in columns],
            {"facecolor": WHITE, "hatch": "////"},
            -width,
        ),
        (chart.present_label, [c.present for c in columns], {"facecolor": GREY}, 0.0),
        (
            chart.unannounced_label,
            [c.unannounced for c in columns],
            {"facecolor": INK},
            width,
        ),
    )
    for label, values, style, shift in series:
        shown = [0 if c.cancelled else v for c, v in zip(columns, values, strict=True)]
        ax.bar(
            [x + shift for x in xs],
            shown,
            width,
            label=label,
            edgecolor=INK,
            linewidth=0.7,
            **style,
        )
    top = max([c.said_yes for c in columns] + [c.present for c in columns] + [1])
    for x, column in zip(xs, columns, strict=True):
        if column.cancelled:
            ax.text(
                x,
                top * 0.05,
                chart.cancelled_label,
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=TEXT_PT,
                color=INK,
            )
    ax.set_ylim(0, top * 1.15)
    ax.set_xticks(list(xs), [c.label for c in columns])
    _legend(ax)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.26)
    return _png(figure)


def _trend(chart: TrendChart) -> bytes:
    figure = _figure(_drawing())
    ax = figure.add_subplot()
    _style(ax, chart.title)
    xs = list(range(len(chart.months)))
    lines: Sequence[tuple[str, list[int], str, str]] = (
        (chart.present_label, [m.present for m in chart.months], "-", "o"),
        (chart.unique_label, [m.unique_people for m in chart.months], "--", "s"),
        (chart.new_label, [m.new_people for m in chart.months], ":", "^"),
    )
    for label, values, dash, marker in lines:
        ax.plot(
            xs,
            values,
            linestyle=dash,
            marker=marker,
            color=INK,
            markerfacecolor=WHITE if marker != "o" else INK,
            markersize=5,
            linewidth=1.4,
            label=label,
        )
    top = max([v for _, values, _, _ in lines for v in values] + [1])
    ax.set_ylim(0, top * 1.15)
    ax.set_xticks(xs, [m.label for m in chart.months])
    _legend(ax)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.26)
    return _png(figure)


def _draw(sessions: SessionsChart, trend: TrendChart) -> list[bytes]:
    return [_sessions(sessions), _trend(trend)]


async def report_pngs(sessions: SessionsChart, trend: TrendChart) -> list[bytes]:
    """The two pictures of the report, drawn in one worker thread: the month's sessions,
    then the last months' people."""
    return await asyncio.to_thread(_draw, sessions, trend)
