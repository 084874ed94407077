"""The dashboard's pictures: real PNGs of a phone-friendly size, in the promised order, that
still draw with nothing to show, with a year of sessions, and off the event loop."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

import bot.charts.dashboard as dashboard_drawing
from bot.charts import (
    AttendanceChart,
    Dashboard,
    GroupBar,
    GroupChart,
    PeopleBar,
    PeopleChart,
    RateBar,
    RateChart,
    SessionBar,
    Tile,
    TilesChart,
    dashboard_pictures,
)
from bot.charts.dashboard import (
    HEIGHT_IN,
    MAX_SESSION_BARS,
    WIDTH_IN,
    _thin,
    attendance_figure,
    dashboard_pngs,
)
from bot.charts.drawing import DPI
from tests.unit.test_charts import MONTHS, pixels, size_of

PICTURE = (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))


def attendance(sessions: int) -> AttendanceChart:
    return AttendanceChart(
        "Venues par atelier",
        tuple(
            SessionBar(f"{1 + k % 28} {MONTHS[k % 12]}", 12 + k % 5, 10 + k % 4, k % 3)
            for k in range(sessions)
        ),
        "Ont dit oui",
        "Présents",
        "Sans répondre",
        "Pas d'atelier",
    )


def a_dashboard(*, sessions: int = 10, months: int = 4, mood: bool = True) -> Dashboard:
    labels = [MONTHS[k % 12] for k in range(months)]
    return Dashboard(
        attendance=attendance(sessions),
        rate=RateChart(
            "Sur 100 oui, combien sont venus",
            tuple(RateBar(m, 40 + k, 30 + k) for k, m in enumerate(labels)),
            "–",
        ),
        people=PeopleChart(
            "Personnes différentes par mois",
            tuple(PeopleBar(m, 3 + k, 20 + k) for k, m in enumerate(labels)),
            "Nouvelles",
            "Déjà venues",
            "9 personnes sont venues 4 fois ou plus",
        ),
        mood=GroupChart(
            (GroupBar("octobre 2026", (1, 2, 3, 4, 5), 3.7), GroupBar("novembre", None, None)),
            "Pas assez de réponses",
            "Moyenne",
        )
        if mood
        else None,
        projects=TilesChart(
            "Projets",
            tuple(Tile(str(n), label) for n, label in ((3, "proposés"), (48, "soutiens"))),
            "Dernier budget : 3 projets choisis, 1 200 € sur 1 500 €, 45 votes",
        ),
    )


def test_every_picture_is_a_png_as_wide_as_a_phone_needs() -> None:
    pngs = dashboard_pngs(a_dashboard())
    assert len(pngs) == 5
    for png in pngs[:3]:
        assert size_of(png) == PICTURE
    width, height = size_of(pngs[4])
    assert width == PICTURE[0] and height < PICTURE[1]  # two tiles: one row
    # Small enough to send five at once on a slow connection.
    assert sum(len(png) for png in pngs) < 400_000


def test_without_a_mood_figure_the_mood_picture_is_left_out() -> None:
    assert len(dashboard_pngs(a_dashboard(mood=False))) == 4


def test_nothing_to_show_still_draws_a_picture_that_says_so() -> None:
    empty = Dashboard(
        attendance=attendance(0),
        rate=RateChart("Sur 100 oui", (), "–"),
        people=PeopleChart("Personnes", (), "Nouvelles", "Déjà venues", "Personne"),
        mood=None,
        projects=TilesChart("Projets", (), ""),
    )
    pngs = dashboard_pngs(empty)
    assert len(pngs) == 4
    for png in pngs:
        assert pixels(png).size > 0


def test_a_month_without_any_yes_has_no_rate() -> None:
    assert RateBar("nov.", 0, 0).percent is None
    assert RateBar("nov.", 40, 30).percent == 75
    pixels(dashboard_pngs(a_dashboard(months=1))[1])


def test_a_year_of_sessions_is_drawn_as_lines_with_few_labels() -> None:
    bars = attendance_figure(attendance(MAX_SESSION_BARS)).axes[0]
    lines = attendance_figure(attendance(50)).axes[0]
    assert len(bars.patches) == 3 * MAX_SESSION_BARS and not bars.lines
    assert len(lines.lines) == 2
    shown = [t.get_text() for t in lines.get_xticklabels() if t.get_text()]
    assert 2 <= len(shown) <= 5
    assert shown[-1] == attendance(50).sessions[-1].label  # the latest is always named
    pngs = dashboard_pngs(a_dashboard(sessions=50, months=13))
    assert size_of(pngs[0]) == PICTURE


def test_labels_are_thinned_from_the_latest() -> None:
    assert _thin(["a", "b", "c"], 5) == ["a", "b", "c"]
    assert _thin([str(k) for k in range(13)], 7) == [
        "0", "", "2", "", "4", "", "6", "", "8", "", "10", "", "12",
    ]  # fmt: skip


def test_the_pictures_are_drawn_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn_in: list[threading.Thread] = []
    draw = dashboard_drawing.dashboard_pngs

    def spy(dashboard: Dashboard) -> list[bytes]:
        drawn_in.append(threading.current_thread())
        return draw(dashboard)

    monkeypatch.setattr(dashboard_drawing, "dashboard_pngs", spy)
    pngs = asyncio.run(dashboard_pictures(a_dashboard()))
    assert len(pngs) == 5
    assert drawn_in and drawn_in[0] is not threading.main_thread()


def test_a_session_without_attendance_has_no_present_bar_rather_than_zero() -> None:
    unknown = SessionBar("3 nov.", 12, None, 0)
    few = AttendanceChart(
        "Venues", (unknown, SessionBar("10 nov.", 12, 10, 2)), "a", "b", "c", "d"
    )
    ax = attendance_figure(few).axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "?" in texts and "0" not in texts
    many = attendance(20).sessions
    gap = AttendanceChart("Venues", (*many[:10], unknown, *many[10:]), "a", "b", "c", "d")
    came = np.asarray(attendance_figure(gap).axes[0].lines[1].get_ydata(), dtype=float)
    assert int(np.isnan(came).sum()) == 1  # the line breaks there
