"""The monthly report for funders: one page of figures (PDF) and the same figures (CSV).

Only counts leave the bot: no name, no Telegram id, no answer of anyone in particular.
The group mood appears only where the facilitators' own figures may show it (at least
MIN_PEOPLE people, see mood_stats), and the report never adds a figure that, beside one
already shown, would tell about fewer people.

Texts come from the "reports" catalogue in the report's language (the workshop's default
language, French unless told otherwise). The PDF is laid out by fpdf2 with DejaVu Sans,
the font matplotlib ships (a dependency already, so no font file to keep here): the PDF
core fonts only hold Latin-1, which lacks "–", "’" and "€". Emoji, which no print font
draws, are left out before writing.

The CSV is for a spreadsheet opened in France: ';' between columns and a decimal comma
(Excel in French splits on ';' and reads "3,5" as a number), UTF-8 with a byte-order
mark (without it Excel reads UTF-8 accents as Windows-1252 and garbles "é").
"""

from __future__ import annotations

import csv
import enum
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.util import find_spec
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import ID, ButtonKind
from bot.i18n import N_, Translator
from bot.models import Person, Role
from bot.services import activity, mood_stats, outbox
from bot.services.activity import MonthFigures, ProjectFigures, SessionFigures

# "📄 Recevoir le rapport" and the month picker: the month as a number (see month_code).
REPORT_MONTH = ButtonKind("rpt", (ID,))
TREND_MONTHS = 6  # months in the report's trend chart, the report's own last
MOOD_MONTHS = 3  # months of group mood in the report, its own last
MONTHLY_KIND = "monthly_report"
CSV_DELIMITER = ";"
FIRST_YEAR = 2000  # a button's month before it is forged


def month_code(month: date) -> int:
    """The month as it travels on a button: months since year 0 (November 2026: 24322)."""
    return month.year * 12 + month.month - 1


def parse_month_code(code: int) -> date | None:
    """The month of a button; None for one no real button carries."""
    year, index = divmod(code, 12)
    return date(year, index + 1, 1) if FIRST_YEAR <= year <= 9999 else None


# --- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MoodMonth:
    """The group mood of one month, or None where the privacy rule hides it."""

    month: date
    average: float | None  # 1 (😞) to 5 (😄)
    people: int | None


@dataclass(frozen=True)
class MonthReport:
    """Everything the report says about one local month: figures only."""

    month: date  # its first day
    complete: bool  # False for the month in progress
    made_at: datetime  # UTC
    figures: MonthFigures
    sessions: tuple[SessionFigures, ...]  # of the month, oldest first
    trend: tuple[MonthFigures, ...]  # TREND_MONTHS months, the report's month last
    mood: tuple[MoodMonth, ...]  # MOOD_MONTHS months, the report's month last
    projects: ProjectFigures

    @property
    def average_said_yes(self) -> float | None:
        held = self.figures.sessions_held
        return self.figures.said_yes / held if held else None


class MonthNotStarted(ValueError):
    """A report was asked for a month that has not begun."""


async def _mood(session: AsyncSession, *, month: date, today: date) -> tuple[MoodMonth, ...]:
    current = mood_stats.month_start(today)
    span = (current.year - month.year) * 12 + current.month - month.month + MOOD_MONTHS
    overview = await mood_stats.group_overview(
        session, today=today, months=span, recent_sessions=0
    )
    wanted = {activity.add_months(month, -i) for i in range(MOOD_MONTHS)}
    return tuple(
        MoodMonth(
            m.month,
            m.figure.average if m.figure else None,
            m.figure.people if m.figure else None,
        )
        for m in overview.months
        if m.month in wanted
    )


async def build(session: AsyncSession, *, month: date, now: datetime, tz: ZoneInfo) -> MonthReport:
    """The report of the local month `month` (any day of it), as of `now`."""
    month = month.replace(day=1)
    start, end = activity.month_bounds(month, tz)
    if start > now:
        raise MonthNotStarted(month.isoformat())
    until = min(end, now)
    trend = await activity.months_between(
        session,
        first_month=activity.add_months(month, 1 - TREND_MONTHS),
        last_month=month,
        tz=tz,
        now=now,
    )
    sessions = await activity.sessions_between(session, start=start, end=until, tz=tz)
    projects = await activity.projects_between(session, start=start, end=until)
    mood = await _mood(session, month=month, today=now.astimezone(tz).date())
    return MonthReport(
        month=month,
        complete=end <= now,
        made_at=now,
        figures=trend[-1],
        sessions=tuple(sessions),
        trend=tuple(trend),
        mood=mood,
        projects=projects,
    )


# --- the lines both files show ------------------------------------------------------------


class Unit(enum.Enum):
    COUNT = "count"
    DECIMAL = "decimal"  # one decimal
    PERCENT = "percent"  # a share, 0 to 1
    HOURS = "hours"


@dataclass(frozen=True)
class Line:
    """One figure: a stable code (the CSV's first column), its label's key, its value."""

    code: str
    key: str
    value: float | None  # None: nothing to count (no session, say)
    unit: Unit = Unit.COUNT


@dataclass(frozen=True)
class Section:
    key: str
    lines: tuple[Line, ...]


def sections(report: MonthReport) -> tuple[Section, ...]:
    """The report's figures in reading order (the mood apart: it has its own rule)."""
    f, p = report.figures, report.projects
    return (
        Section(
            N_("report.section_sessions"),
            (
                Line("sessions_held", N_("report.sessions_held"), f.sessions_held),
                Line("sessions_cancelled", N_("report.sessions_cancelled"), f.sessions_cancelled),
                Line("workshop_hours", N_("report.workshop_hours"), f.workshop_hours, Unit.HOURS),
            ),
        ),
        Section(
            N_("report.section_attendance"),
            (
                Line("present_total", N_("report.present_total"), f.present_total),
                Line(
                    "present_average",
                    N_("report.present_average"),
                    f.average_present,
                    Unit.DECIMAL,
                ),
                Line("said_yes", N_("report.said_yes"), f.said_yes),
                Line(
                    "said_yes_average",
                    N_("report.said_yes_average"),
                    report.average_said_yes,
                    Unit.DECIMAL,
                ),
                Line("yes_rate", N_("report.yes_rate"), f.yes_rate, Unit.PERCENT),
                Line("came_unannounced", N_("report.came_unannounced"), f.came_unannounced),
                Line("walk_ins", N_("report.walk_ins"), f.walk_ins),
            ),
        ),
        Section(
            N_("report.section_people"),
            (
                Line("unique_people", N_("report.unique_people"), f.unique_people),
                Line("new_people", N_("report.new_people"), f.new_people),
                Line("returning_people", N_("report.returning_people"), f.returning_people),
                Line("regulars", N_("report.regulars"), f.regulars),
            ),
        ),
        Section(
            N_("report.section_projects"),
            (
                Line("projects_proposed", N_("report.projects_proposed"), p.proposed),
                Line("projects_open", N_("report.projects_open"), p.open),
                Line("projects_selected", N_("report.projects_selected"), p.selected),
                Line("projects_done", N_("report.projects_done"), p.done),
                Line("supports", N_("report.supports"), p.supports),
                Line("volunteers", N_("report.volunteers"), p.volunteers),
            ),
        ),
    )


def format_number(value: float | None, unit: Unit, lang: str) -> str:
    """As a reader of `lang` writes it: "1 234", "3,5", "75 %" in French."""
    if value is None:
        return "–"
    if unit is Unit.PERCENT:
        shown = f"{round(100 * value)}"
        return f"{shown}\u00a0%" if lang == "fr" else f"{shown}%"
    if unit is Unit.COUNT or (unit is Unit.HOURS and float(value).is_integer()):
        text = f"{round(value):,}"
    else:
        text = f"{value:,.1f}"
    if lang == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0h" if unit is Unit.HOURS else text


def _csv_number(value: float | None, unit: Unit) -> str:
    """A number a spreadsheet in French reads as one: no thousands sign, a decimal comma."""
    if value is None:
        return ""
    if unit is Unit.PERCENT:
        return str(round(100 * value))
    if unit is Unit.COUNT:
        return str(round(value))
    return f"{value:.1f}".replace(".", ",")


# --- the CSV --------------------------------------------------------------------------------


def to_csv(report: MonthReport, *, translator: Translator, lang: str) -> bytes:
    """code;label;value, one figure a line, then the group mood of each month shown."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    t = translator.t
    writer.writerow(
        [t("report.csv_code", lang), t("report.csv_label", lang), t("report.csv_value", lang)]
    )
    writer.writerow(["month", t("report.csv_month", lang), report.month.strftime("%Y-%m")])
    for section in sections(report):
        for line in section.lines:
            label = t(line.key, lang)
            if line.unit is Unit.PERCENT:
                label = t("report.csv_percent", lang, label=label)
            writer.writerow([line.code, label, _csv_number(line.value, line.unit)])
    for mood in report.mood:
        name = translator.format_month(mood.month, lang)
        writer.writerow(
            [
                f"mood_average_{mood.month:%Y_%m}",
                t("report.csv_mood", lang, month=name),
                _csv_number(mood.average, Unit.DECIMAL),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


# --- the PDF --------------------------------------------------------------------------------

_REPLACEMENTS = {"\u202f": "\u00a0", "\u2009": " ", "\u2011": "-"}
# From here on Unicode holds symbols, dingbats and emoji: DejaVu Sans has none in colour.
_FIRST_SYMBOL = 0x2600
FONT = "dejavu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
PAGE_MARGIN = 15.0  # mm
INK = (20, 20, 20)
GREY = (90, 90, 90)
RULE = (170, 170, 170)


def pdf_text(text: str) -> str:
    """The text as the print font can write it: emoji and other pictographs left out."""
    for sign, plain in _REPLACEMENTS.items():
        text = text.replace(sign, plain)
    kept = (c for c in text if ord(c) < _FIRST_SYMBOL and c != "\ufe0f")
    return "".join(kept).strip()


@functools.cache
def _font_dir() -> Path:
    """matplotlib's own fonts, found without importing matplotlib (the bot starts without)."""
    spec = find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is not installed: the report needs its fonts")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


@dataclass(frozen=True)
class PdfTexts:
    """The words of the page, already in the report's language."""

    title: str
    workshop: str
    note: str  # the month in progress, or ""
    sections: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    mood_title: str
    mood_lines: tuple[str, ...]
    mood_rule: str
    footer: str


def pdf_texts(
    report: MonthReport, *, translator: Translator, lang: str, workshop: str, tz: ZoneInfo
) -> PdfTexts:
    t = translator.t
    month = translator.format_month(report.month, lang)
    mood_lines = []
    for mood in report.mood:
        name = translator.format_month(mood.month, lang)
        if mood.average is None or mood.people is None:
            mood_lines.append(t("report.mood_hidden", lang, month=name))
        else:
            average = format_number(mood.average, Unit.DECIMAL, lang)
            mood_lines.append(
                t("report.mood_value", lang, month=name, average=average, count=mood.people)
            )
    made = str(format_date(report.made_at.astimezone(tz).date(), "d MMMM y", locale=lang))
    return PdfTexts(
        title=t("report.pdf_title", lang, month=month),
        workshop=workshop,
        note="" if report.complete else t("report.pdf_in_progress", lang, date=made),
        sections=tuple(
            (
                t(section.key, lang),
                tuple(
                    (t(line.key, lang), format_number(line.value, line.unit, lang))
                    for line in section.lines
                ),
            )
            for section in sections(report)
        ),
        mood_title=t("report.section_mood", lang),
        mood_lines=tuple(mood_lines),
        mood_rule=t("report.mood_rule", lang, count=mood_stats.MIN_PEOPLE),
        footer=t("report.pdf_footer", lang, date=made),
    )


class _Page(FPDF):
    column_width: float = 0.0  # of each of the two columns of figures, in mm

    def heading(self, text: str) -> None:
        self.set_font(FONT, "B", 11)
        self.set_text_color(*INK)
        self.cell(0, 6, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.column_width, self.get_y())
        self.ln(1)

    def row(self, label: str, value: str) -> None:
        self.set_font(FONT, "", 9.5)
        self.set_text_color(*INK)
        label_width = self.column_width - 22
        self.cell(label_width, 5, pdf_text(label))
        self.set_font(FONT, "B", 9.5)
        self.cell(22, 5, pdf_text(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def small(self, text: str, width: float | None = None) -> None:
        self.set_font(FONT, "I", 8.5)
        self.set_text_color(*GREY)
        self.multi_cell(
            width or self.column_width, 4, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )


def render_pdf(texts: PdfTexts, charts: Sequence[bytes]) -> bytes:
    """One A4 page: name and month, the figures in two columns, the charts, the footer.

    `charts`: PNG pictures (one or two), drawn side by side under the figures.
    """
    pdf = _Page(orientation="portrait", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, _font_dir() / name)
    pdf.set_auto_page_break(False)  # one page, always: the layout is sized to fit
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_title(pdf_text(f"{texts.workshop} - {texts.title}"))
    pdf.set_creator("Miroir")
    pdf.add_page()
    width = pdf.w - 2 * PAGE_MARGIN
    gap = 8.0
    pdf.column_width = (width - gap) / 2

    pdf.set_font(FONT, "B", 18)
    pdf.set_text_color(*INK)
    pdf.cell(0, 9, pdf_text(texts.workshop), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 13)
    pdf.cell(0, 7, pdf_text(texts.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if texts.note:
        pdf.small(texts.note, width)
    pdf.ln(3)
    top = pdf.get_y()

    # Left column: sessions and attendance; right: people, projects, mood.
    columns = (texts.sections[:2], texts.sections[2:])
    bottoms = []
    for index, column in enumerate(columns):
        left = PAGE_MARGIN + index * (pdf.column_width + gap)
        pdf.set_left_margin(left)
        pdf.set_xy(left, top)
        for title, rows in column:
            pdf.heading(title)
            for label, value in rows:
                pdf.row(label, value)
            pdf.ln(2.5)
        if index == 1:
            pdf.heading(texts.mood_title)
            pdf.set_font(FONT, "", 9.5)
            for line in texts.mood_lines:
                pdf.multi_cell(
                    pdf.column_width, 5, pdf_text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
            pdf.small(texts.mood_rule)
        bottoms.append(pdf.get_y())
    pdf.set_left_margin(PAGE_MARGIN)

    footer_top = pdf.h - PAGE_MARGIN - 8
    chart_top = max(bottoms) + 4
    if charts:
        each = (width - gap * (len(charts) - 1)) / len(charts)
        room = footer_top - chart_top - 2
        for i, png in enumerate(charts):
            pdf.image(
                io.BytesIO(png),
                x=PAGE_MARGIN + i * (each + gap),
                y=chart_top,
                w=each,
                h=min(room, each * 0.85),
                keep_aspect_ratio=True,
            )
    pdf.set_xy(PAGE_MARGIN, footer_top)
    pdf.small(texts.footer, width)
    return bytes(pdf.output())


# --- the monthly message ---------------------------------------------------------------------


def report_filename(month: date, extension: str) -> str:
    return f"rapport-{month:%Y-%m}.{extension}"


async def enqueue_monthly(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, translator: Translator
) -> int:
    """On the first local day of a month, tell each facilitator last month's report is
    ready, with a button that makes it (an outbox message carries no file of its own).

    Once per month and facilitator: the outbox's dedupe key says it was done.
    """
    today = now.astimezone(tz).date()
    if today.day != 1:
        return 0
    month = activity.add_months(today, -1)
    facilitators = (
        await session.scalars(
            select(Person).where(Person.role == Role.FACILITATOR, Person.telegram_id.is_not(None))
        )
    ).all()
    messages = []
    for person in facilitators:
        assert person.telegram_id is not None
        lang = person.language
        name = translator.format_month(month, lang)
        messages.append(
            outbox.Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=MONTHLY_KIND,
                dedupe_key=f"{MONTHLY_KIND}:{month:%Y-%m}:{person.id}",
                text=translator.t("report.monthly_ready", lang, month=name),
                buttons=[
                    [
                        outbox.Button(
                            translator.t("report.button_get", lang),
                            REPORT_MONTH.make(month_code(month)),
                        )
                    ]
                ],
                reachable=person.reachable,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)
