"""Cancelling or moving one session: the reason or the new time, then whom to tell.

The draft and the confirm buttons keep the session's start time (its stamp), so a
session moved since the question was asked is not cancelled or moved by mistake. The
last question is whom to tell: everyone (anyone may come any week) or the people who
answered; each button says how many. The calendar service tells them, and the
session's group, in the same transaction; the facilitator is shown whom to phone.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.callback_data import Callback
from bot.i18n import N_
from bot.models import Occurrence
from bot.services import calendar, notices
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError
from bot.services.names import REASON_KEYS
from bot.services.notices import Change, NoticeAudience
from handlers.calendar_admin.buttons import (
    CONFIRM_CHANGE,
    LEAVE,
    QUICK_REASON,
    Leave,
    Notify,
    QuickReason,
    SessionChange,
    stamp,
)
from handlers.calendar_admin.drafts import CancelDraft, MoveDraft, SessionChangeDraft, filled
from handlers.calendar_admin.lookups import Need, find_session
from handlers.calendar_admin.values import clean
from handlers.calendar_admin.wording import (
    Row,
    error_text,
    notify_rows,
    refuse,
    show_choice,
    title,
    told_lines,
    when,
)
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

REASON_TEXT = "calendar.reason"
MOVE_TEXT = "calendar.move"

# Each quick reason: its button (short, with an emoji) and the sentence participants
# read, kept as its key so that each reads it in their own language.
QUICK_REASONS: Mapping[QuickReason, tuple[str, str]] = dict(
    zip(
        QuickReason,
        zip(
            (
                N_("cal.button_reason_sick"),
                N_("cal.button_reason_room"),
                N_("cal.button_reason_weather"),
            ),
            REASON_KEYS,
            strict=True,
        ),
        strict=True,
    )
)
# What the facilitator is told once it is done: the toast, then the message.
DONE: Mapping[SessionChange, tuple[str, str]] = {
    SessionChange.CANCEL: (N_("cal.cancelled_toast"), N_("cal.cancelled")),
    SessionChange.MOVE: (N_("cal.moved_toast"), N_("cal.moved")),
}


def _keep_row(ctx: Ctx) -> Row:
    return [(ctx.t("cal.button_keep"), LEAVE.make(Leave.KEEP))]


async def _session_of(ctx: Ctx, draft: SessionChangeDraft) -> Occurrence | None:
    """The session the draft is about; if it started or moved meanwhile, the draft goes."""
    occurrence = await find_session(ctx, draft.occurrence_id, Need.OPEN, at=draft.stamp)
    if occurrence is None:
        ctx.clear()
    return occurrence


async def _ask_whom(
    ctx: Ctx, draft: SessionChangeDraft, occurrence: Occurrence, text: str
) -> None:
    """The last question before cancelling or moving: whom to tell (each button does it),
    or keep the session as it is."""
    counts = await calendar.notice_counts(
        ctx.session, by=ctx.person, now=ctx.now, occurrence_id=occurrence.id
    )
    lines = [text]
    if await notices.group_chat(ctx.session, occurrence) is not None:
        lines.append(ctx.t("cal.group_will_know"))
    lines.append(ctx.t("cal.ask_whom"))

    def confirm(notify: Notify) -> str:
        return CONFIRM_CHANGE.make(draft.occurrence_id, draft.change, notify, draft.stamp)

    ctx.reply("\n".join(lines), inline([*notify_rows(ctx, counts, confirm), _keep_row(ctx)]))


# --- cancelling ---------------------------------------------------------------------


def ask_reason(ctx: Ctx, occurrence: Occurrence) -> None:
    """Why is the session cancelled? A quick reason to tap, or one to type."""
    ctx.start_draft(CancelDraft(occurrence_id=occurrence.id, stamp=stamp(occurrence)))
    ctx.expect(REASON_TEXT)
    rows = [
        [(ctx.t(label), QUICK_REASON.make(occurrence.id, reason))]
        for reason, (label, _key) in QUICK_REASONS.items()
    ]
    ctx.reply(
        ctx.t("cal.ask_reason", title=title(ctx, occurrence), when=when(ctx, occurrence)),
        inline([*rows, _keep_row(ctx)]),
    )


async def _confirm_cancel(
    ctx: Ctx, occurrence: Occurrence, draft: CancelDraft, reason: str
) -> None:
    draft.reason = reason
    ctx.stop_expecting()
    question = ctx.t(
        "cal.confirm_cancel",
        title=title(ctx, occurrence),
        when=when(ctx, occurrence),
        reason=reason,
    )
    await _ask_whom(ctx, draft, occurrence, question)


@with_person(facilitator_only=True)
async def on_quick_reason(ctx: Ctx) -> None:
    """A reason tapped (sick facilitator, room, weather)."""
    button = ctx.button(QUICK_REASON)
    draft = ctx.draft(CancelDraft)
    if button is None or draft is None or draft.occurrence_id != button.int_arg(0):
        ctx.stale()
        return
    occurrence = await _session_of(ctx, draft)
    if occurrence is None:
        return
    label, key = QUICK_REASONS[QuickReason(button.args[1])]
    show_choice(ctx, ctx.t(label))
    draft.reason_key = key
    await _confirm_cancel(ctx, occurrence, draft, ctx.t(key))


async def on_reason_text(ctx: Ctx, text: str) -> None:
    """A typed reason for cancelling."""
    draft = ctx.draft(CancelDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    occurrence = await _session_of(ctx, draft)
    if occurrence is None:
        return
    reason = clean(text, calendar.MAX_REASON)
    if reason is None:
        ctx.reply(ctx.t("cal.bad_reason", limit=calendar.MAX_REASON), inline([_keep_row(ctx)]))
        return
    draft.reason_key = None  # typed words are shown as typed
    await _confirm_cancel(ctx, occurrence, draft, reason)


# --- moving -------------------------------------------------------------------------


def ask_move(ctx: Ctx, occurrence: Occurrence) -> None:
    """To which day and time is the session moved? Typed."""
    ctx.start_draft(MoveDraft(occurrence_id=occurrence.id, stamp=stamp(occurrence)))
    ctx.expect(MOVE_TEXT)
    ctx.reply(
        ctx.t("cal.ask_move", title=title(ctx, occurrence), when=when(ctx, occurrence)),
        inline([_keep_row(ctx)]),
    )


async def on_move_text(ctx: Ctx, text: str) -> None:
    """The new day and time typed for a session."""
    draft = ctx.draft(MoveDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    occurrence = await _session_of(ctx, draft)
    if occurrence is None:
        return
    moment = ctx.typed_future(text, unclear=N_("cal.bad_move"), past=N_("cal.past_move"))
    if isinstance(moment, str):
        problem = moment
    elif moment == occurrence.starts_at:
        problem = ctx.t("cal.same_time")
    else:
        draft.new_start = moment
        ctx.stop_expecting()
        question = ctx.t(
            "cal.confirm_move",
            title=title(ctx, occurrence),
            old=when(ctx, occurrence),
            when=ctx.fmt_datetime(moment),
        )
        await _ask_whom(ctx, draft, occurrence, question)
        return
    ctx.reply(problem, inline([_keep_row(ctx)]))


# --- the confirmation ---------------------------------------------------------------


def _confirms(button: Callback, draft: SessionChangeDraft) -> bool:
    """Whether the button confirms this draft, now that it has its reason or new time."""
    return (
        draft.ready
        and draft.change == button.args[1]
        and (draft.occurrence_id, draft.stamp) == (button.int_arg(0), button.int_arg(3))
    )


async def _make_change(
    ctx: Ctx, draft: SessionChangeDraft, occurrence: Occurrence, audience: NoticeAudience
) -> Change:
    s = ctx.rt.settings
    if isinstance(draft, CancelDraft):
        return await calendar.cancel_occurrence(
            ctx.session,
            occurrence_id=occurrence.id,
            reason=filled(draft.reason),
            reason_key=draft.reason_key,
            by=ctx.person,
            now=ctx.now,
            translator=ctx.rt.translator,
            tz=s.tz,
            group_language=s.default_language,
            audience=audience,
        )
    if isinstance(draft, MoveDraft):
        return await calendar.move_occurrence(
            ctx.session,
            occurrence_id=occurrence.id,
            new_start=filled(draft.new_start),
            by=ctx.person,
            now=ctx.now,
            translator=ctx.rt.translator,
            tz=s.tz,
            group_language=s.default_language,
            audience=audience,
        )
    raise TypeError(f"no change for {draft!r}")


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    """📢 / 👥: cancel or move the session, and tell the people chosen."""
    button = ctx.button(CONFIRM_CHANGE)
    draft = ctx.draft(SessionChangeDraft)
    if button is None or draft is None or not _confirms(button, draft):
        ctx.stale()
        return
    # Taken before any await: a second tap finds no draft.
    ctx.clear()
    occurrence = await find_session(ctx, draft.occurrence_id, Need.OPEN, at=draft.stamp)
    if occurrence is None:
        ctx.remove_buttons()
        return
    try:
        change = await _make_change(ctx, draft, occurrence, Notify(button.args[2]).audience)
    except CalendarError as exc:
        ctx.remove_buttons()
        refuse(ctx, error_text(ctx, exc.code))
        return
    offline = await queries.offline_answered(ctx.session, now=ctx.now, occurrence_id=occurrence.id)
    group = await notices.group_chat(ctx.session, occurrence) is not None
    toast, done = DONE[draft.change]
    ctx.answer(ctx.t(toast))
    # After the change: a moved session says its new time.
    ctx.edit(
        ctx.t(done, title=title(ctx, occurrence), when=when(ctx, occurrence))
        + "\n"
        + told_lines(ctx, len(change.person_ids), offline, group=group)
    )
