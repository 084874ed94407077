"""The charts themselves, drawn with matplotlib's object interface (never pyplot).

Loaded lazily by bot.charts. Each call builds its own Figure on its own Agg canvas, so no
global state is shared between calls; rendering is serialised by a lock all the same, since
matplotlib does not promise thread safety and the pictures take milliseconds.

Colour emoji are not in matplotlib's fonts, so faces are drawn as vector glyphs: a disc,
two eyes and a mouth whose curve goes from sad (1) to a big open smile (5). The five
colours also grow lighter from 1 to 5, so the faces read in black and white too.
"""

from __future__ import annotations

import io
import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from matplotlib.textpath import text_to_path
from matplotlib.transforms import IdentityTransform, Transform, blended_transform_factory

from bot.charts import BudgetChart, GroupBar, GroupChart, WeeksChart

# People's words (project titles, names) are drawn as typed: "$" must never start a formula.
rcParams["text.parse_math"] = False

MOODS = (1, 2, 3, 4, 5)
# Deep indigo to sunny yellow: hue and lightness both change, so colour-blind eyes and
# black-and-white prints still tell the faces apart.
MOOD_COLOURS = {1: "#3b1c6e", 2: "#3a5ba0", 3: "#2a9d8f", 4: "#7cc36a", 5: "#f9d84a"}
INK = "#1f1f1f"
PAPER = "#ffffff"
QUIET = "#9a9a9a"  # the line joining check-ins, the average track
MUTED = "#555555"  # small text on a hidden group
PLACEHOLDER = "#f2f2f2"  # a hidden group: paler than any face, with a dashed edge

DPI = 100
TEXT_PT = 15  # tick labels: read on a small phone
SMALL_PT = 13

WEEKS_SIZE_IN = (8.0, 5.0)
_WEEKS_MARGINS = {"left": 0.12, "right": 0.97, "top": 0.95, "bottom": 0.12}
_AXIS_FACE_PT = 16.0
_POINT_FACE_PT = 11.0
_POINT_DOT_PT = 6.0

GROUP_WIDTH_IN = 8.0
_GROUP_TOP_IN = 0.8  # legend row of faces and the average's title
_GROUP_ROW_IN = 0.55
_GROUP_BOTTOM_IN = 0.2
_GROUP_MIN_HEIGHT_IN = 2.6
_GROUP_MAX_BAR_IN = 0.7

_render_lock = threading.Lock()


# ---------------------------------------------------------------- toolkit


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure of its own on its own Agg canvas: nothing global is touched."""
    figure = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """Render the figure at its own size and return the PNG file's bytes."""
    buffer = io.BytesIO()
    # Fast zlib level: the picture is sent once and re-encoded by Telegram anyway.
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def size_px(figure: Figure) -> tuple[int, int]:
    width, height = figure.get_size_inches()
    return round(width * DPI), round(height * DPI)


def text_width_px(text: str, size_pt: float) -> float:
    """How wide a text will be, measured on the font's outlines, before any drawing."""
    width_pt, _, _ = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=size_pt), ismath=False
    )
    return width_pt * DPI / 72


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance, 0 (black) .. 1 (white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio, 1 .. 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mood_colour(mood: int) -> str:
    return MOOD_COLOURS[mood]


def feature_colour(mood: int) -> str:
    """Eyes, mouth and numbers on a face: white or ink, whichever stands out more."""
    colour = mood_colour(mood)
    return PAPER if contrast(colour, PAPER) > contrast(colour, INK) else INK


def mouth_curvature(mood: int) -> float:
    """-1 (deep frown) .. 1 (big smile), growing with the mood."""
    if mood not in MOODS:
        raise ValueError(f"mood {mood} is not in 1..5")
    return (mood - 3) / 2


def nearest_mood(average: float) -> int:
    """The face closest to an average; halves go up, as people read them."""
    return min(5, max(1, math.floor(average + 0.5)))


# Glyph paths are drawn in a unit square centred on the face (radius 1), then scaled to
# points by a PathCollection, so faces stay round whatever the axes' aspect.
_DISC = Path.unit_circle()
_EYES = Path.make_compound_path(Path.circle((-0.36, 0.28), 0.14), Path.circle((0.36, 0.28), 0.14))


def mouth_path(mood: int) -> Path:
    """An arc that frowns or smiles; the best mood opens the mouth wide."""
    curve = mouth_curvature(mood)
    if mood == 5:
        top, half = -0.08, 0.52
        return Path(
            [(-half, top), (0.0, -1.02), (half, top), (-half, top)],
            [Path.MOVETO, Path.CURVE3, Path.CURVE3, Path.CLOSEPOLY],
        )
    # A frown sits a little higher, so its corners stay inside the face.
    middle, half = -0.40 - 0.08 * curve, 0.42
    ends = middle + 0.3 * curve
    # A quadratic Bézier passes through (P0 + 2C + P2) / 4 at its middle.
    control = 2 * middle - ends
    return Path(
        [(-half, ends), (0.0, control), (half, ends)],
        [Path.MOVETO, Path.CURVE3, Path.CURVE3],
    )


_MOUTHS = {mood: mouth_path(mood) for mood in MOODS}


@dataclass(frozen=True)
class Faces:
    """Where to draw faces: centres in `transform`'s coordinates, one mood each."""

    centres: Sequence[tuple[float, float]]
    moods: Sequence[int]
    radius_pt: float
    transform: Transform
    plain: bool = False  # a coloured dot only, when faces would crowd each other
    clip: bool = True
    zorder: float = 3.0


def draw_faces(ax: Axes, faces: Faces) -> None:
    """Three collections for any number of faces: discs, eyes, mouths."""
    if not faces.moods:
        return
    size = [faces.radius_pt**2]  # PathCollection scales a unit path by sqrt(size) points
    common = {"offsets": list(faces.centres), "offset_transform": faces.transform}
    layers = [
        PathCollection(
            [_DISC],
            sizes=size,
            facecolors=[mood_colour(m) for m in faces.moods],
            edgecolors=INK,
            linewidths=max(0.8, faces.radius_pt * 0.07),
            zorder=faces.zorder,
            **common,
        )
    ]
    if not faces.plain:
        inks = [feature_colour(m) for m in faces.moods]
        layers.append(
            PathCollection(
                [_EYES], sizes=size, facecolors=inks, linewidths=0, zorder=faces.zorder, **common
            )
        )
        layers.append(
            PathCollection(
                [_MOUTHS[m] for m in faces.moods],
                sizes=size,
                facecolors=[
                    to_rgba(ink) if m == 5 else (0.0, 0.0, 0.0, 0.0)
                    for m, ink in zip(faces.moods, inks, strict=True)
                ],
                edgecolors=inks,
                linewidths=faces.radius_pt * 0.16,
                capstyle="round",
                joinstyle="round",
                zorder=faces.zorder,
                **common,
            )
        )
    for layer in layers:
        # Offsets carry the position; the glyph itself is in points, like a scatter marker.
        layer.set_transform(IdentityTransform())
        ax.add_collection(layer, autolim=False)
        layer.set_clip_on(faces.clip)


def bare(ax: Axes) -> None:
    """No frame, no ticks: the faces and the labels say it all."""
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)


def warm_up() -> None:
    """Draw a tiny picture once: fonts, Agg and PNG encoding get loaded now."""
    with _render_lock:
        figure = new_figure(1.0, 1.0)
        ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        bare(ax)
        ax.text(0.5, 0.5, "é", fontsize=TEXT_PT)
        draw_faces(ax, Faces([(0.5, 0.5)], [5], 10.0, ax.transAxes))
        text_width_px("é", TEXT_PT)
        png_bytes(figure)


# ---------------------------------------------------------------- my weeks


def point_radius_pt(gap_px: float) -> float | None:
    """Face size for check-ins this far apart, or None when only dots fit."""
    radius_px = _POINT_FACE_PT * DPI / 72
    return _POINT_FACE_PT if gap_px >= 2.2 * radius_px else None


def label_step(widths_px: Sequence[float], spacing_px: float) -> int:
    """Label every n-th week so the labels never touch."""
    if not widths_px or spacing_px <= 0:
        return 1
    return max(1, math.ceil(max(widths_px) * 1.25 / spacing_px))


def my_weeks_png(chart: WeeksChart) -> bytes:
    """A person's last weeks: a face a check-in, at the height of its face on the left."""
    with _render_lock:
        return png_bytes(_my_weeks(chart))


def _my_weeks(chart: WeeksChart) -> Figure:
    figure = new_figure(*WEEKS_SIZE_IN)
    figure.subplots_adjust(**_WEEKS_MARGINS)
    ax = figure.add_subplot()
    bare(ax)
    span = max(1, (chart.last_day - chart.first_day).days)
    ax.set_xlim(-2.0, span + 2.0)
    ax.set_ylim(0.45, 5.55)
    width_px, _ = size_px(figure)
    plot_width_px = width_px * (_WEEKS_MARGINS["right"] - _WEEKS_MARGINS["left"])
    day_px = plot_width_px / (span + 4.0)

    # A pale band a face, so a check-in is read against the face at the left.
    for mood in MOODS:
        ax.axhspan(mood - 0.5, mood + 0.5, color=mood_colour(mood), alpha=0.10, lw=0, zorder=0)
    ax.axhline(0.45, color=QUIET, lw=1.5, zorder=1)
    left_of_axes = -(_AXIS_FACE_PT * 1.5) * DPI / 72 / plot_width_px
    draw_faces(
        ax,
        Faces(
            [(left_of_axes, mood) for mood in MOODS],
            list(MOODS),
            _AXIS_FACE_PT,
            blended_transform_factory(ax.transAxes, ax.transData),
            clip=False,
        ),
    )

    points = sorted(
        (
            p
            for p in chart.points
            if chart.first_day <= p.day <= chart.last_day and p.mood in MOODS
        ),
        key=lambda p: p.day,
    )
    xs = [float((p.day - chart.first_day).days) for p in points]
    moods = [p.mood for p in points]
    if len(points) > 1:
        ax.plot(xs, moods, color=QUIET, lw=2.5, alpha=0.7, zorder=2, solid_joinstyle="round")
    gaps = [b - a for a, b in itertools.pairwise(xs) if b > a]
    radius = point_radius_pt(min(gaps, default=float(span)) * day_px)
    draw_faces(
        ax,
        Faces(
            list(zip(xs, map(float, moods), strict=True)),
            moods,
            radius if radius is not None else _POINT_DOT_PT,
            ax.transData,
            plain=radius is None,
            clip=False,
        ),
    )

    labels = [
        (float((day - chart.first_day).days), text)
        for day, text in chart.week_labels
        if -2 <= (day - chart.first_day).days <= span + 2
    ]
    if labels:
        spacing = min((b[0] - a[0] for a, b in itertools.pairwise(labels)), default=span)
        step = label_step([text_width_px(t, TEXT_PT) for _, t in labels], spacing * day_px)
        # Counted from the most recent week, which matters most.
        shown = labels[::-1][::step][::-1]
        ax.set_xticks([x for x, _ in labels], minor=True)
        ax.set_xticks([x for x, _ in shown], [t for _, t in shown])
        ax.tick_params(axis="x", which="both", bottom=True, labelbottom=True, color=QUIET)
        ax.tick_params(axis="x", which="major", length=8, width=1.5, labelsize=TEXT_PT, pad=6)
        ax.tick_params(axis="x", which="minor", length=5, width=1.0)
    return figure


# ---------------------------------------------------------------- group moods


def group_height_in(bars: int) -> float:
    return max(_GROUP_MIN_HEIGHT_IN, _GROUP_TOP_IN + bars * _GROUP_ROW_IN + _GROUP_BOTTOM_IN)


def shares(counts: Sequence[int]) -> list[float]:
    """Each face's part of the answers, 0 .. 1; all zero when nobody answered."""
    total = sum(counts)
    return [count / total if total else 0.0 for count in counts]


def _shown(bar: GroupBar) -> bool:
    return bar.counts is not None and sum(bar.counts) > 0


def _fit(text: str, size_pt: float, room_px: float) -> str:
    """The label, cut with an ellipsis if it would not fit."""
    if text_width_px(text, size_pt) <= room_px:
        return text
    while len(text) > 1 and text_width_px(text + "…", size_pt) > room_px:
        text = text[:-1]
    return text.rstrip() + "…"


def group_moods_png(chart: GroupChart) -> bytes:
    """Per group a bar of its faces, left to right from sad to happy, and its average."""
    with _render_lock:
        return png_bytes(_group_moods(chart))


def _group_moods(chart: GroupChart) -> Figure:
    bars = chart.bars
    rows = max(1, len(bars))
    height_in = group_height_in(rows)
    figure = new_figure(GROUP_WIDTH_IN, height_in)
    width_px = GROUP_WIDTH_IN * DPI

    pad_px = 12.0
    label_room = width_px * 0.32
    labels = [_fit(bar.label, TEXT_PT, label_room) for bar in bars]
    label_px = max((text_width_px(t, TEXT_PT) for t in labels), default=0.0)
    left = (label_px + 2 * pad_px) / width_px
    average_width = 0.22
    gap = 0.03
    right_edge = 0.97
    bottom = _GROUP_BOTTOM_IN / height_in
    top = 1 - _GROUP_TOP_IN / height_in
    bars_width = right_edge - average_width - gap - left
    bars_ax = figure.add_axes((left, bottom, bars_width, top - bottom))
    average_ax = figure.add_axes((right_edge - average_width, bottom, average_width, top - bottom))
    for ax in (bars_ax, average_ax):
        bare(ax)
        ax.set_ylim(rows - 0.5, -0.5)  # first group at the top
    bars_ax.set_xlim(0.0, 1.0)
    average_ax.set_xlim(0.6, 5.4)

    row_in = (top - bottom) * height_in / rows
    # A lone session gets a taller row; its bar stays a bar, not a block.
    thickness = min(0.68, _GROUP_MAX_BAR_IN / row_in)
    bars_px = bars_width * width_px
    shown = [i for i, bar in enumerate(bars) if _shown(bar)]
    hidden = [i for i, bar in enumerate(bars) if not _shown(bar)]

    starts = [0.0] * rows
    for mood in MOODS:
        widths = [0.0] * rows
        for i in shown:
            counts = bars[i].counts
            assert counts is not None
            widths[i] = shares(counts)[mood - 1]
        bars_ax.barh(
            range(rows),
            widths,
            left=starts,
            height=thickness,
            color=mood_colour(mood),
            edgecolor=PAPER,
            linewidth=1.5,
        )
        for i in shown:
            counts = bars[i].counts
            assert counts is not None
            if counts[mood - 1] and widths[i] * bars_px >= 24:
                bars_ax.text(
                    starts[i] + widths[i] / 2,
                    i,
                    str(counts[mood - 1]),
                    ha="center",
                    va="center",
                    fontsize=SMALL_PT,
                    fontweight="bold",
                    color=feature_colour(mood),
                )
        starts = [s + w for s, w in zip(starts, widths, strict=True)]

    for i in hidden:
        bars_ax.add_patch(
            Rectangle(
                (0.0, i - thickness / 2),
                1.0,
                thickness,
                facecolor=PLACEHOLDER,
                edgecolor=QUIET,
                linestyle="--",
                linewidth=1.2,
            )
        )
        bars_ax.text(
            0.5,
            i,
            chart.hidden_label,
            ha="center",
            va="center",
            fontsize=SMALL_PT,
            color=MUTED,
        )

    bars_ax.set_yticks(range(len(bars)), labels)
    bars_ax.tick_params(axis="y", labelleft=True, labelsize=TEXT_PT, pad=pad_px * 0.6)

    # The average on a track from the saddest face to the happiest: a face at its place.
    face_pt = min(13.0, row_in * 0.36 * 72)
    track: list[tuple[float, float]] = []
    marks: list[tuple[float, float]] = []
    averages: list[int] = []
    for i in shown:
        average = bars[i].average
        if average is None:
            continue
        average_ax.plot([1, 5], [i, i], color=QUIET, lw=2, alpha=0.6, zorder=1)
        track.extend((float(m), float(i)) for m in MOODS)
        marks.append((min(5.0, max(1.0, average)), float(i)))
        averages.append(nearest_mood(average))
    average_ax.scatter(
        [x for x, _ in track],
        [y for _, y in track],
        s=16,
        c=[mood_colour(int(x)) for x, _ in track],
        linewidths=0,
        zorder=2,
    )
    draw_faces(average_ax, Faces(marks, averages, face_pt, average_ax.transData, clip=False))

    # The legend: the five faces in the bars' order, and the average's title.
    legend_y = 1 + (_GROUP_TOP_IN * 0.5) / ((top - bottom) * height_in)
    draw_faces(
        bars_ax,
        Faces(
            [((m - 0.5) / 5, legend_y) for m in MOODS],
            list(MOODS),
            14.0,
            bars_ax.transAxes,
            clip=False,
        ),
    )
    average_ax.text(
        0.5,
        legend_y,
        chart.average_label,
        transform=average_ax.transAxes,
        ha="center",
        va="center",
        fontsize=TEXT_PT,
        color=INK,
    )
    return figure


# ---------------------------------------------------------------- budget results

# Chat votes solid, paper votes hatched and lighter; a project left out is drawn paler.
# Shade and hatching both differ, so the parts read on a black-and-white print too.
BUDGET_CHAT = {True: "#1d4e89", False: "#8da9c4"}
BUDGET_PAPER = {True: "#e0892b", False: "#f3cfa2"}
BUDGET_HATCH = "///"
CHECK = "\u2714"  # ✔, in DejaVu Sans (colour emoji are not in matplotlib's fonts)

BUDGET_WIDTH_IN = 8.0
_BUDGET_TOP_IN = 0.75  # the legend
_BUDGET_ROW_IN = 0.5
_BUDGET_BOTTOM_IN = 0.15
_BUDGET_MIN_HEIGHT_IN = 2.4


def bold_width_px(text: str, size_pt: float) -> float:
    width_pt, _, _ = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=size_pt, weight="bold"), ismath=False
    )
    return width_pt * DPI / 72


def budget_label(title: str, cost: str, selected: bool, room_px: float) -> str:
    """ "✔ Jardin · 400 €": the title is cut if need be, never the cost."""
    head = f"{CHECK} " if selected else ""
    tail = f" · {cost}"
    width = bold_width_px if selected else text_width_px
    if width(head + title + tail, TEXT_PT) <= room_px:
        return head + title + tail
    while len(title) > 1 and width(head + title + "…" + tail, TEXT_PT) > room_px:
        title = title[:-1]
    return head + title.rstrip() + "…" + tail


def budget_height_in(bars: int) -> float:
    return max(_BUDGET_MIN_HEIGHT_IN, _BUDGET_TOP_IN + bars * _BUDGET_ROW_IN + _BUDGET_BOTTOM_IN)


def budget_results_png(chart: BudgetChart) -> bytes:
    """A bar a project, most votes at the top: chat votes, then paper votes stacked."""
    with _render_lock:
        return png_bytes(_budget_results(chart))


def _budget_results(chart: BudgetChart) -> Figure:
    bars = chart.bars
    rows = max(1, len(bars))
    height_in = budget_height_in(rows)
    figure = new_figure(BUDGET_WIDTH_IN, height_in)
    width_px = BUDGET_WIDTH_IN * DPI

    pad_px = 10.0
    label_room = width_px * 0.44
    labels = [budget_label(bar.title, bar.cost, bar.selected, label_room) for bar in bars]
    label_px = (
        max(
            (bold_width_px(t, TEXT_PT) if b.selected else text_width_px(t, TEXT_PT))
            for t, b in zip(labels, bars, strict=True)
        )
        if bars
        else 0.0
    )
    left = (label_px + 2 * pad_px) / width_px
    right = 0.97
    bottom = _BUDGET_BOTTOM_IN / height_in
    top = 1 - _BUDGET_TOP_IN / height_in
    ax = figure.add_axes((left, bottom, right - left, top - bottom))
    bare(ax)
    ax.set_ylim(rows - 0.5, -0.5)  # the most votes at the top
    most = max((bar.chat + bar.paper for bar in bars), default=0)
    # Room at the right of the longest bar for its number.
    ax.set_xlim(0.0, max(1.0, most) * 1.14)
    bars_px = (right - left) * width_px
    unit_px = bars_px / (max(1.0, most) * 1.14)

    ys = list(range(len(bars)))
    chats = [float(bar.chat) for bar in bars]
    papers = [float(bar.paper) for bar in bars]
    thickness = 0.66
    ax.barh(
        ys,
        chats,
        height=thickness,
        color=[BUDGET_CHAT[bar.selected] for bar in bars],
        edgecolor=PAPER,
        linewidth=1.0,
    )
    ax.barh(
        ys,
        papers,
        left=chats,
        height=thickness,
        color=[BUDGET_PAPER[bar.selected] for bar in bars],
        edgecolor=INK,
        # No paper vote: no outline either, or a stray line would end the bar.
        linewidth=[0.8 if paper else 0.0 for paper in papers],
        hatch=BUDGET_HATCH,
    )
    for y, bar in zip(ys, bars, strict=True):
        total = bar.chat + bar.paper
        # Each part's number inside it when it fits, the total after the bar.
        for start, value, colour in (
            (0, bar.chat, BUDGET_CHAT[bar.selected]),
            (bar.chat, bar.paper, BUDGET_PAPER[bar.selected]),
        ):
            if bar.chat and bar.paper and value * unit_px >= 40:
                ax.text(
                    start + value / 2,
                    y,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=SMALL_PT,
                    fontweight="bold",
                    color=PAPER if contrast(colour, PAPER) > contrast(colour, INK) else INK,
                    bbox={"boxstyle": "round,pad=0.15", "fc": colour, "ec": "none"},
                )
        ax.text(
            total + max(1.0, most) * 0.015,
            y,
            str(total),
            ha="left",
            va="center",
            fontsize=TEXT_PT,
            fontweight="bold" if bar.selected else "normal",
            color=INK,
        )

    ax.set_yticks(ys, labels)
    ax.tick_params(axis="y", labelleft=True, labelsize=TEXT_PT, pad=pad_px * 0.6)
    for tick, bar in zip(ax.get_yticklabels(), bars, strict=True):
        tick.set_fontweight("bold" if bar.selected else "normal")
        tick.set_color(INK if bar.selected else MUTED)

    # The third entry has no swatch: the ✔ in its words is its sign.
    handles = [
        Rectangle((0, 0), 1, 1, facecolor=BUDGET_CHAT[True], edgecolor=PAPER),
        Rectangle((0, 0), 1, 1, facecolor=BUDGET_PAPER[True], edgecolor=INK, hatch=BUDGET_HATCH),
        Rectangle((0, 0), 1, 1, alpha=0.0),
    ]
    names = [chart.chat_label, chart.paper_label, f"{CHECK} {chart.selected_label}"]
    figure.legend(
        handles,
        names,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0 - 0.12 / height_in),
        ncols=3,
        frameon=False,
        fontsize=TEXT_PT,
        handlelength=1.6,
        handleheight=1.1,
        columnspacing=1.8,
    )
    return figure
