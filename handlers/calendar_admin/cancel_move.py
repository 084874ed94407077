"""Cancelling or moving one session: the reason or the new time, then a confirmation.

The confirm button carries the session's start time in minutes, so a session moved
since the question was asked is not cancelled or moved by mistake. Whoever answered
yes or maybe is told through the outbox, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import Occurrence
from bot.services import calendar, rsvp
from bot.services.calendar import CalendarError
from bot.services.timeparse import parse_datetime
from handlers import router
from handlers.calendar_admin.common import (
    MOVE_TEXT,
    OCC,
    REASON_TEXT,
    Row,
    _clean,
    _data,
    _draft,
    _error_text,
    _notify_changes,
    _open_occurrence,
    _parsed,
    _refuse,
    _show_choice,
    _stale,
    _stamp,
    _when,
)
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline

# The emoji goes on the button only: the reason itself is what participants read.
QUICK_REASONS = (
    ("🤒", N_("cal.reason_sick")),
    ("🚪", N_("cal.reason_room")),
    ("🌧️", N_("cal.reason_weather")),
)


def _keep_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_keep"), cb.make("cax", "k"))]


def _ask_reason(ctx: Ctx, occurrence: Occurrence) -> None:
    router.clear(ctx)
    _data(ctx)[OCC] = {"occ": occurrence.id, "stamp": _stamp(occurrence), "action": "c"}
    router.expect(ctx, REASON_TEXT)
    rows = [
        [(f"{emoji} {ctx.t(key)}", cb.make("cac", occurrence.id, i))]
        for i, (emoji, key) in enumerate(QUICK_REASONS)
    ]
    ctx.reply(
        ctx.t("cal.ask_reason", title=occurrence.title, when=_when(ctx, occurrence)),
        inline([*rows, _keep_row(ctx)]),
    )


def _occ_draft(ctx: Ctx, occurrence_id: int, action: str) -> dict[str, Any] | None:
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("occ") != occurrence_id or draft.get("action") != action:
        return None
    return draft


async def _told_count(ctx: Ctx, occurrence: Occurrence) -> int:
    seats = await rsvp.seats(ctx.session, occurrence)
    return seats.yes + seats.waiting + seats.maybe


def _ask_confirmation(
    ctx: Ctx, occurrence: Occurrence, action: str, stamp: int, text: str, button: str
) -> None:
    """The last question before cancelling ("c") or moving ("m"): do it, or keep it."""
    confirm = cb.make("cak", occurrence.id, action, stamp)
    ctx.reply(text, inline([[(button, confirm)], _keep_row(ctx)]))


async def _confirm_cancel(
    ctx: Ctx, occurrence: Occurrence, draft: dict[str, Any], reason: str
) -> None:
    draft["reason"] = reason
    router.stop_expecting(ctx)
    question = ctx.t(
        "cal.confirm_cancel",
        title=occurrence.title,
        when=_when(ctx, occurrence),
        reason=reason,
        count=await _told_count(ctx, occurrence),
    )
    _ask_confirmation(
        ctx, occurrence, "c", draft["stamp"], question, ctx.t("cal.button_confirm_cancel")
    )


@with_person(facilitator_only=True)
async def on_quick_reason(ctx: Ctx) -> None:
    """A reason tapped (sick facilitator, room, weather)."""
    parsed = _parsed(ctx)
    draft = _occ_draft(ctx, parsed.int_arg(0), "c") if parsed else None
    if parsed is None or draft is None:
        _stale(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    emoji, key = QUICK_REASONS[parsed.int_arg(1)]
    reason = ctx.t(key)
    _show_choice(ctx, f"{emoji} {reason}")
    await _confirm_cancel(ctx, occurrence, draft, reason)


async def on_reason_text(ctx: Ctx, text: str) -> None:
    """A typed reason for cancelling."""
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("action") != "c" or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    reason = _clean(text, calendar.MAX_REASON)
    if reason is None:
        ctx.reply(ctx.t("cal.bad_reason", limit=calendar.MAX_REASON), inline([_keep_row(ctx)]))
        return
    await _confirm_cancel(ctx, occurrence, draft, reason)


def _ask_move(ctx: Ctx, occurrence: Occurrence) -> None:
    router.clear(ctx)
    _data(ctx)[OCC] = {"occ": occurrence.id, "stamp": _stamp(occurrence), "action": "m"}
    router.expect(ctx, MOVE_TEXT)
    ctx.reply(
        ctx.t("cal.ask_move", title=occurrence.title, when=_when(ctx, occurrence)),
        inline([_keep_row(ctx)]),
    )


async def on_move_text(ctx: Ctx, text: str) -> None:
    """The new day and time typed for a session."""
    draft = _draft(ctx, OCC)
    if draft is None or draft.get("action") != "m" or not ctx.person.is_facilitator:
        router.clear(ctx)
        return
    occurrence = await _open_occurrence(ctx, draft["occ"], draft["stamp"])
    if occurrence is None:
        router.clear(ctx)
        return
    moment = parse_datetime(text, now=ctx.now, tz=ctx.rt.settings.timezone, lang=ctx.lang)
    problem = None
    if moment is None:
        problem = ctx.t("cal.bad_move")
    elif moment <= ctx.now:
        problem = ctx.t("cal.past_move", when=ctx.fmt_datetime(moment))
    elif moment == occurrence.starts_at:
        problem = ctx.t("cal.same_time")
    if problem or moment is None:
        ctx.reply(problem or ctx.t("cal.bad_move"), inline([_keep_row(ctx)]))
        return
    draft["new_start"] = moment.isoformat()
    router.stop_expecting(ctx)
    question = ctx.t(
        "cal.confirm_move",
        title=occurrence.title,
        old=_when(ctx, occurrence),
        when=ctx.fmt_datetime(moment),
        count=await _told_count(ctx, occurrence),
    )
    _ask_confirmation(
        ctx, occurrence, "m", draft["stamp"], question, ctx.t("cal.button_confirm_move")
    )


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    """✅ Oui: cancel or move the session, and tell whoever answered yes or maybe."""
    parsed = _parsed(ctx)
    if parsed is None:
        _stale(ctx)
        return
    occurrence_id, action, stamp = parsed.int_arg(0), parsed.args[1], parsed.int_arg(2)
    draft = _occ_draft(ctx, occurrence_id, action)
    needed = "reason" if action == "c" else "new_start"
    if draft is None or needed not in draft or draft.get("stamp") != stamp:
        _stale(ctx)
        return
    # Taken before any await: a second tap finds no draft.
    _data(ctx).pop(OCC, None)
    router.clear(ctx)
    occurrence = await _open_occurrence(ctx, occurrence_id, stamp)
    if occurrence is None:
        ctx.remove_buttons()
        return
    try:
        if action == "c":
            change = await calendar.cancel_occurrence(
                ctx.session,
                occurrence_id=occurrence.id,
                reason=draft["reason"],
                by=ctx.person,
                now=ctx.now,
            )
        else:
            change = await calendar.move_occurrence(
                ctx.session,
                occurrence_id=occurrence.id,
                new_start=datetime.fromisoformat(draft["new_start"]),
                by=ctx.person,
                now=ctx.now,
            )
    except CalendarError as exc:
        ctx.remove_buttons()
        _refuse(ctx, _error_text(ctx, exc.code))
        return
    told = await _notify_changes(ctx, [change])
    if action == "c":
        ctx.answer(ctx.t("cal.cancelled_toast"))
        ctx.edit(
            ctx.t("cal.cancelled", title=occurrence.title, when=_when(ctx, occurrence), count=told)
        )
    else:
        ctx.answer(ctx.t("cal.moved_toast"))
        ctx.edit(
            ctx.t("cal.moved", title=occurrence.title, when=_when(ctx, occurrence), count=told)
        )
