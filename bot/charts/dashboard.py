"""The facilitators' dashboard pictures, drawn with matplotlib's object interface.

Loaded lazily by bot.charts, like bot.charts.drawing, whose toolkit and render lock it
shares. The pictures are made to be read on a phone and shown to funders: a title in the
picture (an album's captions only show full screen), large text, a few bars with their
numbers written on them, and parts told apart by shade and hatching as well as colour, so
a black-and-white print still reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from bot.charts import (
    AttendanceChart,
    Dashboard,
    PeopleChart,
    RateChart,
    TilesChart,
)
from bot.charts.drawing import (
    INK,
    MUTED,
    PAPER,
    QUIET,
    _group_moods,
    _render_lock,
    bare,
    new_figure,
    png_bytes,
)

WIDTH_IN = 8.0
HEIGHT_IN = 6.0
TITLE_PT = 22
LABEL_PT = 16
NUMBER_PT = 15
# Above this many sessions, bars would be too thin to read on a phone: lines instead.
MAX_SESSION_BARS = 12
# Dark, middle and light: three parts told apart in grey as well.
DARK = "#1d4e89"
MIDDLE = "#e0892b"
LIGHT = "#bcd3ea"
HATCH = "///"


def _frame(title: str) -> tuple[Figure, Axes]:
    figure = new_figure(WIDTH_IN, HEIGHT_IN)
    figure.text(0.04, 0.95, title, fontsize=TITLE_PT, fontweight="bold", color=INK, va="top")
    ax = figure.add_axes((0.08, 0.2, 0.88, 0.6))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(QUIET)
    ax.tick_params(left=False, labelleft=False, labelsize=LABEL_PT, colors=INK, length=0)
    return figure, ax


def _legend(figure: Figure, handles: Sequence[Artist], names: Sequence[str]) -> None:
    figure.legend(
        list(handles),
        list(names),
        loc="lower center",
        bbox_to_anchor=(0.5, 0.005),
        ncols=len(names),
        frameon=False,
        fontsize=LABEL_PT,
        handlelength=1.4,
        handleheight=1.1,
        columnspacing=1.4,
    )


def _empty(ax: Axes, text: str) -> None:
    bare(ax)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=LABEL_PT, color=MUTED)


def _thin(labels: Sequence[str], most: int) -> list[str]:
    """Every n-th label only, the latest kept, when there are more than `most`."""
    step = max(1, -(-len(labels) // most))
    last = len(labels) - 1
    return [text if (last - i) % step == 0 else "" for i, text in enumerate(labels)]


def _ticks(ax: Axes, labels: Sequence[str], most: int) -> None:
    """Ticks only where a label is shown: each tick is costly to draw."""
    shown = [(x, text) for x, text in enumerate(_thin(labels, most)) if text]
    ax.set_xticks([x for x, _ in shown], [text for _, text in shown])


def _number(ax: Axes, x: float, y: float, text: str) -> None:
    ax.text(x, y, text, ha="center", va="bottom", fontsize=NUMBER_PT, color=INK)


# ---------------------------------------------------------------- attendance per session


def attendance_figure(chart: AttendanceChart) -> Figure:
    """Per session: a light bar for the yes-answers beside a bar of the people who came,
    its hatched top the ones who came without answering."""
    figure, ax = _frame(chart.title)
    sessions = chart.sessions
    if not sessions:
        _empty(ax, chart.empty_label)
        return figure
    xs = list(range(len(sessions)))
    yes = [s.said_yes for s in sessions]
    # A session whose attendance was not taken has no present bar (nobody knows), not 0.
    announced = [max(0, (s.present or 0) - s.unannounced) for s in sessions]
    unannounced = [s.unannounced if s.present is not None else 0 for s in sessions]
    most = max(max(yes), max(s.present or 0 for s in sessions), 1)
    ax.set_ylim(0, most * 1.18)
    if len(sessions) <= MAX_SESSION_BARS:
        width = 0.38
        left = [x - width / 2 for x in xs]
        right = [x + width / 2 for x in xs]
        ax.bar(left, yes, width, color=LIGHT, edgecolor=DARK, linewidth=1.2)
        ax.bar(right, announced, width, color=DARK, edgecolor=PAPER)
        ax.bar(
            right,
            unannounced,
            width,
            bottom=announced,
            color=MIDDLE,
            edgecolor=INK,
            linewidth=[0.8 if n else 0.0 for n in unannounced],
            hatch=HATCH,
        )
        if len(sessions) <= 8:
            for x, session in zip(xs, sessions, strict=True):
                _number(ax, x - width / 2, session.said_yes + most * 0.01, str(session.said_yes))
                present = session.present
                shown = "?" if present is None else str(present)
                _number(ax, x + width / 2, (present or 0) + most * 0.01, shown)
        _ticks(ax, [s.label for s in sessions], 6)
    else:
        came = [math.nan if s.present is None else float(s.present) for s in sessions]
        ax.plot(xs, yes, color=DARK, lw=2.5, ls="--", marker="o", ms=5)
        ax.plot(xs, came, color=DARK, lw=3.0, marker="s", ms=5)
        ax.fill_between(xs, 0, unannounced, facecolor=MIDDLE, hatch=HATCH, edgecolor=INK, lw=0.8)
        _ticks(ax, [s.label for s in sessions], 5)
        ax.set_xlim(-0.5, len(sessions) - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.tick_params(axis="y", labelleft=True, labelsize=NUMBER_PT, colors=MUTED)
    ax.grid(axis="y", color=QUIET, alpha=0.3)
    ax.set_axisbelow(True)
    unannounced_key = Rectangle((0, 0), 1, 1, facecolor=MIDDLE, edgecolor=INK, hatch=HATCH)
    if len(sessions) <= MAX_SESSION_BARS:
        keys: list[Artist] = [
            Rectangle((0, 0), 1, 1, facecolor=LIGHT, edgecolor=DARK),
            Rectangle((0, 0), 1, 1, facecolor=DARK, edgecolor=PAPER),
            unannounced_key,
        ]
    else:
        keys = [
            Line2D([], [], color=DARK, lw=2.5, ls="--", marker="o", ms=5),
            Line2D([], [], color=DARK, lw=3.0, marker="s", ms=5),
            unannounced_key,
        ]
    _legend(figure, keys, [chart.yes_label, chart.present_label, chart.unannounced_label])
    return figure


# ---------------------------------------------------------------- yes that became present


def rate_figure(chart: RateChart) -> Figure:
    """Per month, out of 100 people who said yes, how many came: one bar and its number."""
    figure, ax = _frame(chart.title)
    months = chart.months
    if not months:
        _empty(ax, chart.empty_label)
        return figure
    xs = list(range(len(months)))
    values = [m.percent or 0 for m in months]
    ax.bar(xs, values, 0.62, color=DARK, edgecolor=PAPER)
    ax.set_ylim(0, 118)
    ax.axhline(100, color=QUIET, lw=1.2, ls=":")
    for x, month in zip(xs, months, strict=True):
        percent = month.percent
        text = chart.empty_label if percent is None else f"{percent} %"
        ax.text(
            x,
            (percent or 0) + 2,
            text,
            ha="center",
            va="bottom",
            fontsize=NUMBER_PT if len(months) <= 8 else NUMBER_PT - 4,
            color=INK if percent is not None else MUTED,
        )
    _ticks(ax, [m.label for m in months], 7)
    return figure


# ---------------------------------------------------------------- people per month


def people_figure(chart: PeopleChart) -> Figure:
    """Per month, the different people: returning ones, and new ones stacked on top."""
    figure, ax = _frame(chart.title)
    months = chart.months
    if not months:
        _empty(ax, chart.footer)
        return figure
    xs = list(range(len(months)))
    returning = [m.returning for m in months]
    new = [m.new for m in months]
    most = max(max(r + n for r, n in zip(returning, new, strict=True)), 1)
    ax.set_ylim(0, most * 1.18)
    ax.bar(xs, returning, 0.62, color=DARK, edgecolor=PAPER)
    ax.bar(
        xs,
        new,
        0.62,
        bottom=returning,
        color=MIDDLE,
        edgecolor=INK,
        linewidth=[0.8 if n else 0.0 for n in new],
        hatch=HATCH,
    )
    for x, month in zip(xs, months, strict=True):
        total = month.new + month.returning
        _number(ax, x, total + most * 0.01, str(total))
    _ticks(ax, [m.label for m in months], 7)
    if chart.footer:
        figure.text(0.04, 0.86, chart.footer, fontsize=LABEL_PT, color=INK, va="top")
    _legend(
        figure,
        [
            Rectangle((0, 0), 1, 1, facecolor=DARK, edgecolor=PAPER),
            Rectangle((0, 0), 1, 1, facecolor=MIDDLE, edgecolor=INK, hatch=HATCH),
        ],
        [chart.returning_label, chart.new_label],
    )
    return figure


# ---------------------------------------------------------------- projects


def tiles_figure(chart: TilesChart) -> Figure:
    """Big numbers, three to a row, each with what it counts under it."""
    rows = max(1, -(-len(chart.tiles) // 3))
    height = 1.2 + rows * 1.9 + (0.6 if chart.footer else 0.2)
    figure = new_figure(WIDTH_IN, height)
    figure.text(
        0.04, 1 - 0.3 / height, chart.title, fontsize=TITLE_PT, fontweight="bold", va="top"
    )
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    bare(ax)
    ax.set_xlim(0, WIDTH_IN)
    ax.set_ylim(height, 0)  # inches from the top
    for i, tile in enumerate(chart.tiles):
        row, column = divmod(i, 3)
        left = 0.3 + column * 2.5
        top = 1.1 + row * 1.9
        ax.add_patch(
            Rectangle((left, top), 2.3, 1.7, facecolor="#eef3f9", edgecolor=LIGHT, linewidth=1.5)
        )
        ax.text(
            left + 1.15, top + 0.75, tile.value, ha="center", va="center", fontsize=34,
            fontweight="bold", color=DARK,
        )  # fmt: skip
        ax.text(
            left + 1.15, top + 1.4, tile.label, ha="center", va="center", fontsize=LABEL_PT,
            color=INK,
        )  # fmt: skip
    if chart.footer:
        ax.text(0.3, height - 0.45, chart.footer, ha="left", va="center", fontsize=LABEL_PT)
    return figure


def dashboard_pngs(dashboard: Dashboard) -> list[bytes]:
    """Every picture of the dashboard, in the order they are sent."""
    with _render_lock:
        figures = [
            attendance_figure(dashboard.attendance),
            rate_figure(dashboard.rate),
            people_figure(dashboard.people),
        ]
        if dashboard.mood is not None:
            figures.append(_group_moods(dashboard.mood))
        figures.append(tiles_figure(dashboard.projects))
        return [png_bytes(figure) for figure in figures]
