"""The mood pictures: real PNGs of the promised size, faces in the right places, drawn off
the event loop, and matplotlib loaded only when a picture is first asked for."""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.colors import to_rgb
from PIL import Image

from bot.charts import DayMood, GroupBar, GroupChart, WeeksChart, group_moods, my_weeks, warm_up
from bot.charts.drawing import (
    DPI,
    MOOD_COLOURS,
    MOODS,
    PLACEHOLDER,
    contrast,
    feature_colour,
    group_height_in,
    label_step,
    mouth_curvature,
    nearest_mood,
    relative_luminance,
    shares,
    text_width_px,
)

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2026, 11, 24)
FIRST_DAY = TODAY - timedelta(weeks=12) + timedelta(days=1)
MONTHS: tuple[str, ...] = ("janv.", "févr.", "mars", "avr.", "mai", "juin")
MONTHS += ("juil.", "août", "sept.", "oct.", "nov.", "déc.")
MONTH_NAMES: tuple[str, ...] = ("janvier", "février", "mars", "avril", "mai", "juin")
MONTH_NAMES += ("juillet", "août", "septembre", "octobre", "novembre", "décembre")


def week_labels(first: date = FIRST_DAY) -> tuple[tuple[date, str], ...]:
    monday = first - timedelta(days=first.weekday())
    mondays = [monday + timedelta(weeks=k) for k in range(13)]
    return tuple((day, f"{day.day} {MONTHS[day.month - 1]}") for day in mondays)


def weeks(points: tuple[DayMood, ...]) -> WeeksChart:
    return WeeksChart(points, FIRST_DAY, TODAY, week_labels())


def a_year_of_moods() -> tuple[DayMood, ...]:
    return tuple(DayMood(TODAY - timedelta(days=k), 1 + k * 7 % 5) for k in range(366))


def pixels(png: bytes) -> npt.NDArray[np.uint8]:
    """The picture as rows of RGB pixels, after checking it is a real PNG."""
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def size_of(png: bytes) -> tuple[int, int]:
    rows = pixels(png)
    return rows.shape[1], rows.shape[0]


def rows_painted(png: bytes, colour: str, *, right_of_px: int) -> npt.NDArray[np.intp]:
    """The pixel rows where a face's exact colour shows, right of the faces on the axis."""
    rgb = np.array([round(c * 255) for c in to_rgb(colour)])
    picture = pixels(png)[:, right_of_px:, :].astype(int)
    match = np.abs(picture - rgb).sum(axis=2) <= 3
    return np.nonzero(match)[0]


def month_bar(label: str, counts: tuple[int, int, int, int, int]) -> GroupBar:
    average = sum(face * count for face, count in zip(MOODS, counts, strict=True)) / sum(counts)
    return GroupBar(label, counts, average)


def group(*bars: GroupBar) -> GroupChart:
    return GroupChart(bars, "Pas assez de réponses", "Moyenne")


# ---------------------------------------------------------------- my weeks


async def test_my_weeks_is_a_png_of_800_by_500_pixels() -> None:
    png = await my_weeks(weeks((DayMood(TODAY, 4), DayMood(TODAY - timedelta(days=7), 2))))
    assert size_of(png) == (800, 500)


async def test_a_year_of_daily_moods_draws_only_the_last_12_weeks() -> None:
    year = a_year_of_moods()
    recent = tuple(point for point in year if point.day >= FIRST_DAY)
    assert len(recent) == 84

    drawn_year, drawn_recent = await asyncio.gather(my_weeks(weeks(year)), my_weeks(weeks(recent)))

    assert size_of(drawn_year) == (800, 500)
    assert np.array_equal(pixels(drawn_year), pixels(drawn_recent))


async def test_no_mood_yet_still_draws_the_faces() -> None:
    png = await my_weeks(weeks(()))

    picture = pixels(png)
    assert picture.shape == (500, 800, 3)
    # The five faces on the left, in their colours, and nothing more to the right.
    for colour in MOOD_COLOURS.values():
        assert rows_painted(png, colour, right_of_px=0).size > 0
        assert rows_painted(png, colour, right_of_px=120).size == 0


async def test_a_mood_before_the_window_is_not_drawn() -> None:
    old = DayMood(FIRST_DAY - timedelta(days=1), 5)

    assert np.array_equal(pixels(await my_weeks(weeks((old,)))), pixels(await my_weeks(weeks(()))))


async def test_a_better_mood_is_drawn_higher() -> None:
    heights = {}
    for mood in MOODS:
        png = await my_weeks(weeks((DayMood(TODAY - timedelta(days=30), mood),)))
        rows = rows_painted(png, MOOD_COLOURS[mood], right_of_px=120)
        assert rows.size > 0
        heights[mood] = float(rows.mean())
    # Image rows count from the top: a higher face has a smaller row.
    assert [heights[mood] for mood in MOODS] == sorted(heights.values(), reverse=True)


async def test_week_labels_never_overlap() -> None:
    widths = [text_width_px(label, 15) for _, label in week_labels()]
    day_px = 800 * 0.85 / 87
    step = label_step(widths, 7 * day_px)
    assert step * 7 * day_px > max(widths)
    assert label_step(widths, 10 * max(widths)) == 1


# ---------------------------------------------------------------- group moods


async def test_one_session_is_a_png_800_pixels_wide() -> None:
    png = await group_moods(group(month_bar("mar. 3 nov.", (1, 2, 5, 4, 3))))
    assert size_of(png) == (800, round(group_height_in(1) * DPI))


async def test_twelve_months_and_a_hidden_one_render() -> None:
    months = [
        month_bar(name, (k % 3, 2, 5, k % 4 + 1, 3)) for k, name in enumerate(MONTH_NAMES[:10])
    ]
    bars = (*months, GroupBar("novembre", None, None), month_bar("décembre", (0, 0, 0, 0, 7)))

    png = await group_moods(group(*bars, GroupBar("janvier", None, None)))

    assert size_of(png) == (800, round(group_height_in(13) * DPI))
    assert group_height_in(13) > group_height_in(1)


async def test_a_hidden_group_shows_no_face_colour_in_its_bar() -> None:
    hidden = await group_moods(
        GroupChart((GroupBar("mar. 3 nov.", None, None),), "Not enough answers", "Average")
    )
    shown = await group_moods(group(month_bar("mar. 3 nov.", (1, 1, 1, 1, 1))))

    assert size_of(hidden) == size_of(shown)
    # Below the legend row of faces, only the shown group paints its bar in face colours.
    legend_bottom = 80
    for colour in MOOD_COLOURS.values():
        assert rows_painted(shown, colour, right_of_px=0)[-1] > legend_bottom
        assert rows_painted(hidden, colour, right_of_px=0).max() < legend_bottom
    # In its place, a pale placeholder.
    assert rows_painted(hidden, PLACEHOLDER, right_of_px=0).size > 1000
    assert rows_painted(shown, PLACEHOLDER, right_of_px=0).size < 100  # antialiased edges


async def test_a_group_nobody_answered_is_drawn_hidden() -> None:
    png = await group_moods(group(GroupBar("mar. 3 nov.", (0, 0, 0, 0, 0), None)))
    for colour in MOOD_COLOURS.values():
        assert rows_painted(png, colour, right_of_px=0).max() < 80
    assert rows_painted(png, PLACEHOLDER, right_of_px=0).size > 1000


async def test_no_group_at_all_still_renders() -> None:
    assert size_of(await group_moods(group())) == (800, round(group_height_in(1) * DPI))


def test_shares_of_the_answers() -> None:
    assert shares((1, 1, 2, 0, 0)) == [0.25, 0.25, 0.5, 0.0, 0.0]
    assert shares((0, 0, 0, 0, 0)) == [0.0] * 5


def test_an_average_shows_the_nearest_face() -> None:
    assert [nearest_mood(a) for a in (1.0, 1.49, 2.5, 3.4, 4.6, 5.0)] == [1, 1, 3, 3, 5, 5]


# ---------------------------------------------------------------- faces


def test_the_mouth_smiles_more_as_the_mood_gets_better() -> None:
    curves = [mouth_curvature(mood) for mood in MOODS]
    assert curves == sorted(set(curves))
    assert curves[0] < 0 == curves[2] < curves[-1]


def test_the_five_colours_differ_in_lightness_too() -> None:
    """Told apart in black and white and by colour-blind eyes: lighter as the mood rises."""
    lightness = [relative_luminance(MOOD_COLOURS[mood]) for mood in MOODS]
    assert lightness == sorted(lightness)
    neighbours = itertools.pairwise(MOODS)
    assert all(contrast(MOOD_COLOURS[a], MOOD_COLOURS[b]) >= 1.4 for a, b in neighbours)


def test_eyes_and_mouth_stand_out_on_every_face() -> None:
    assert all(contrast(MOOD_COLOURS[m], feature_colour(m)) >= 4.5 for m in MOODS)


# ---------------------------------------------------------------- the event loop and start-up


async def test_drawing_lets_the_event_loop_run() -> None:
    ticks = 0
    drawing = True

    async def ticker() -> None:
        nonlocal ticks
        while drawing:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        png = await my_weeks(weeks(a_year_of_moods()))
    finally:
        drawing = False
        await task
    assert png.startswith(PNG_SIGNATURE)
    assert ticks > 0


async def test_pictures_drawn_at_the_same_time_all_come_out_whole() -> None:
    charts = [weeks(a_year_of_moods()[k:]) for k in range(0, 40, 5)]
    pngs = await asyncio.gather(*(my_weeks(chart) for chart in charts))
    assert all(size_of(png) == (800, 500) for png in pngs)


def test_warm_up_can_run_in_any_thread_and_twice() -> None:
    warm_up()
    warm_up()
    assert "bot.charts.drawing" in sys.modules


def test_importing_the_charts_does_not_load_matplotlib() -> None:
    """Start-up stays fast: matplotlib waits for the first picture."""
    result = subprocess.run(
        [sys.executable, "-c", "import bot.charts, sys; print('matplotlib' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


FIRST_PICTURE = """
import asyncio, datetime, sys, threading
import bot.charts

importers = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib":
            importers.append(threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Watch())
today = datetime.date(2026, 11, 24)
chart = bot.charts.WeeksChart((bot.charts.DayMood(today, 3),), today, today, ())
png = asyncio.run(bot.charts.my_weeks(chart))
print(png[:4] == b"\\x89PNG", importers)
"""


def test_a_first_picture_before_warm_up_loads_matplotlib_off_the_event_loop() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_PICTURE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True [False]"


def test_no_code_uses_pyplot() -> None:
    """pyplot keeps global figures: shared between threads, never freed by the bot."""
    pyplot = re.compile(r"matplotlib\.pyplot|from\s+matplotlib\s+import\s+[^\n]*\bpyplot\b")
    users = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if pyplot.search(path.read_text(encoding="utf-8"))
    ]
    assert users == []
