"""/rapport: the monthly report for funders, a PDF page and a CSV, for facilitators only.

/rapport (/report) offers the last 12 months, the one in progress first. A tap on a month,
or on "📄 Recevoir le rapport" under the monthly message (scheduler/report.py), builds the
report in one transaction; the charts and the PDF are drawn after the commit, in a worker
thread, and sent as two documents. The report is in the workshop's language (the
funders'), whatever the facilitator's.
"""

from __future__ import annotations

import asyncio
from datetime import date

from babel.dates import format_date
from telegram import InputFile, Message

from bot.charts import report as report_charts
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import activity, funder_report
from bot.services.funder_report import REPORT_MONTH, MonthReport
from handlers.capability import ButtonRoute, Capability, Command, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

MONTHS_OFFERED = 12
PDF_MIME = "application/pdf"


def _month_button(ctx: Ctx, month: date, current: date) -> tuple[str, str]:
    name = ctx.rt.translator.format_month(month, ctx.lang)
    if month == current:
        name = ctx.t("report.month_in_progress", month=name)
    return name, REPORT_MONTH.make(funder_report.month_code(month))


@with_person(facilitator_only=True)
async def command(ctx: Ctx) -> None:
    """/rapport: pick a month."""
    current = ctx.today.replace(day=1)
    months = [activity.add_months(current, -i) for i in range(MONTHS_OFFERED)]
    buttons = [_month_button(ctx, m, current) for m in months]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    ctx.reply(ctx.t("report.pick_month"), inline(rows))


def _charts(
    rt: Runtime, report: MonthReport, lang: str
) -> tuple[report_charts.SessionsChart, report_charts.TrendChart]:
    t, tr = rt.t, rt.translator
    sessions = report_charts.SessionsChart(
        title=t("report.chart_sessions_title", lang),
        sessions=tuple(
            report_charts.SessionColumn(
                label=tr.format_short_date(s.local_date, lang),
                said_yes=s.said_yes,
                present=s.present,
                unannounced=s.came_unannounced,
                cancelled=s.cancelled,
            )
            for s in report.sessions
        ),
        said_yes_label=t("report.chart_said_yes", lang),
        present_label=t("report.chart_present", lang),
        unannounced_label=t("report.chart_unannounced", lang),
        cancelled_label=t("report.chart_cancelled", lang),
        empty_label=t("report.chart_empty", lang),
    )
    trend = report_charts.TrendChart(
        title=t("report.chart_trend_title", lang),
        months=tuple(
            report_charts.TrendPoint(
                label=str(format_date(m.month, "MMM yy", locale=lang)),
                present=m.present_total,
                unique_people=m.unique_people,
                new_people=m.new_people,
            )
            for m in report.trend
        ),
        present_label=t("report.chart_trend_present", lang),
        unique_label=t("report.chart_unique", lang),
        new_label=t("report.chart_new", lang),
    )
    return sessions, trend


async def files(rt: Runtime, report: MonthReport) -> tuple[bytes, bytes]:
    """The PDF and the CSV of a report, in the workshop's language."""
    lang = rt.settings.default_language
    pngs = await report_charts.report_pngs(*_charts(rt, report, lang))
    texts = funder_report.pdf_texts(
        report,
        translator=rt.translator,
        lang=lang,
        workshop=rt.settings.workshop_name,
        tz=rt.settings.tz,
    )
    pdf = await asyncio.to_thread(funder_report.render_pdf, texts, pngs)
    return pdf, funder_report.to_csv(report, translator=rt.translator, lang=lang)


@with_person(facilitator_only=True)
async def on_month(ctx: Ctx) -> None:
    """A month tapped: its report, as two documents."""
    parsed = ctx.button(REPORT_MONTH)
    if parsed is None:
        ctx.stale()
        return
    month = funder_report.parse_month_code(parsed.int_arg(0))
    if month is None:
        ctx.stale()
        return
    s = ctx.rt.settings
    try:
        report = await funder_report.build(ctx.session, month=month, now=ctx.now, tz=s.tz)
    except funder_report.MonthNotStarted:
        ctx.answer(ctx.t("report.not_started"), alert=True)
        return
    ctx.answer(ctx.t("report.making"))
    name = ctx.rt.translator.format_month(month, ctx.lang)
    pdf_caption = ctx.t("report.caption_pdf", month=name)
    csv_caption = ctx.t("report.caption_csv", month=name)
    rt, bot, chat_id = ctx.rt, ctx.context.bot, ctx.chat_id

    async def send() -> Message:
        pdf, csv = await files(rt, report)
        await bot.send_document(
            chat_id,
            InputFile(pdf, filename=funder_report.report_filename(month, "pdf")),
            caption=pdf_caption,
        )
        return await bot.send_document(
            chat_id,
            InputFile(csv, filename=funder_report.report_filename(month, "csv")),
            caption=csv_caption,
        )

    ctx.later(send)


CAPABILITY = Capability(
    name="reports",
    commands=(Command("rapport", "report", command, N_("commands.report"), who=Who.FACILITATORS),),
    buttons=(ButtonRoute(REPORT_MONTH, on_month, facilitators_only=True),),
)
