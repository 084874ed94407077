"""The calendar's home screen, where several flows end: new series or session, the series,
the next sessions, attendance."""

from __future__ import annotations

from bot.models import Series
from bot.services import calendar
from handlers.calendar_admin.buttons import CALENDAR_MENU, SERIES_SCREEN, MenuAction
from handlers.calendar_admin.wording import Row, short, show_screen, spoken_time, title, weekday
from handlers.ctx import Ctx
from handlers.keyboards import inline


def _series_label(ctx: Ctx, series: Series) -> str:
    params = {
        "title": short(title(ctx, series)),
        "weekday": weekday(ctx, series.weekday),
        "time": spoken_time(ctx, series.start_time),
    }
    if series.interval_weeks == 2:
        return ctx.t("cal.series_button_other", **params)
    return ctx.t("cal.series_button", **params)


async def home(ctx: Ctx, *, edit: bool) -> None:
    """The home screen: in place of the tapped message, or as a new one."""
    rows: list[Row] = [
        [(ctx.t("cal.button_new_series"), CALENDAR_MENU.make(MenuAction.NEW_SERIES))],
        [(ctx.t("cal.button_one_off"), CALENDAR_MENU.make(MenuAction.ONE_OFF))],
    ]
    active = await calendar.active_series(ctx.session)
    rows += [[(_series_label(ctx, s), SERIES_SCREEN.make(s.id))] for s in active]
    rows.append([(ctx.t("cal.button_upcoming"), CALENDAR_MENU.make(MenuAction.UPCOMING))])
    rows.append([(ctx.t("cal.button_attendance"), CALENDAR_MENU.make(MenuAction.ATTENDANCE))])
    text = ctx.t("cal.home") if active else ctx.t("cal.home_empty")
    show_screen(ctx, text, inline(rows), edit=edit)
