"""Someone without Telegram: added by a facilitator from the people picker, or erased.

The group is open: people come who have no smartphone, or no wish for the bot. A
facilitator adds them by name (and a phone number if they wish, to call them when a
session changes), after telling them in person what Miroir keeps and seeing them
agree: that moment is recorded as their consent, with the facilitator who vouches for
it (bot.services.people). They are then counted in seats, the waiting list and
attendance like anyone, and never messaged. They can ask to be erased: the button is
on their answer screen.
"""

from __future__ import annotations

from bot.models import OccurrenceStatus
from bot.services import calendar, people, rsvp
from bot.services import calendar_queries as queries
from handlers.calendar_admin.attendance import show_sheet
from handlers.calendar_admin.buttons import (
    ADD_OFFLINE,
    ANSWER_FOR,
    FORGET,
    OFFLINE,
    PRESENT,
    Forget,
    Offline,
    PickerMode,
)
from handlers.calendar_admin.drafts import OfflinePersonDraft, OfflineStep, filled
from handlers.calendar_admin.lookups import Need, allowed, find_session, known_person, open_session
from handlers.calendar_admin.sessions import show_answer_for, show_picker
from handlers.calendar_admin.wording import OFFLINE_MARK, Row, drop_row, short, show_choice
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

OFFLINE_TEXT = "calendar.offline"

# A session must still be to come to answer for someone, and have begun to mark presence.
NEEDS = {PickerMode.ANSWER: Need.OPEN, PickerMode.ATTENDANCE: Need.STARTED}


@with_person(facilitator_only=True)
async def on_add(ctx: Ctx) -> None:
    """➕ Personne sans Telegram, under the names of the picker: ask for the name."""
    found = await open_session(ctx, ADD_OFFLINE, Need.EXISTS)
    if found is None:
        return
    button, occurrence = found
    mode = PickerMode(button.args[1])
    if not allowed(ctx, occurrence, NEEDS[mode]):
        return
    ctx.start_draft(OfflinePersonDraft(occurrence_id=occurrence.id, mode=mode))
    ctx.expect(OFFLINE_TEXT)
    ctx.reply(ctx.t("cal.offline_ask_name"), inline([drop_row(ctx)]))


def _ask_phone(ctx: Ctx, draft: OfflinePersonDraft, problem: str | None = None) -> None:
    draft.step = OfflineStep.PHONE
    ctx.expect(OFFLINE_TEXT)
    text = ctx.t("cal.offline_ask_phone", name=filled(draft.name))
    if problem:
        text = f"{problem}\n\n{text}"
    skip = (ctx.t("cal.button_no_phone"), OFFLINE.make(Offline.NO_PHONE))
    ctx.reply(text, inline([[skip], drop_row(ctx)]))


def _ask_consent(ctx: Ctx, draft: OfflinePersonDraft) -> None:
    """What to tell them before adding them; adding them records that they agreed."""
    draft.step = OfflineStep.CONSENT
    ctx.stop_expecting()
    lines = [f"{OFFLINE_MARK} {filled(draft.name)}"]
    if draft.phone:
        lines.append(ctx.t("cal.phone_line", phone=draft.phone))
    lines += ["", ctx.t("cal.offline_consent"), ctx.t("cal.offline_agree")]
    agreed = (ctx.t("cal.button_agreed"), OFFLINE.make(Offline.AGREED))
    ctx.reply("\n".join(lines), inline([[agreed], drop_row(ctx)]))


async def _take_name(ctx: Ctx, draft: OfflinePersonDraft, text: str) -> None:
    name = people.clean_typed_name(text)
    if name is None:
        ctx.reply(
            ctx.t("cal.offline_bad_name", limit=people.MAX_TYPED_NAME), inline([drop_row(ctx)])
        )
        return
    draft.name = name
    same = await queries.offline_named(ctx.session, name)
    if not same:
        _ask_phone(ctx, draft)
        return
    # Someone of that name is known already: the same person, most of the time.
    ctx.stop_expecting()
    target = ANSWER_FOR if draft.mode is PickerMode.ANSWER else PRESENT
    rows: list[Row] = [
        [(f"👤 {short(p.name)} {OFFLINE_MARK}", target.make(draft.occurrence_id, p.id))]
        for p in same[:3]
    ]
    rows.append([(ctx.t("cal.button_someone_else"), OFFLINE.make(Offline.SOMEONE_ELSE))])
    ctx.reply(ctx.t("cal.offline_known", name=name), inline([*rows, drop_row(ctx)]))


async def on_text(ctx: Ctx, text: str) -> None:
    """The name, then the phone number, typed for someone without Telegram."""
    draft = ctx.draft(OfflinePersonDraft)
    if draft is None or not ctx.person.is_facilitator:
        ctx.clear()
        return
    match draft.step:
        case OfflineStep.NAME:
            await _take_name(ctx, draft, text)
        case OfflineStep.PHONE:
            phone = people.clean_phone(text)
            if phone is None:
                _ask_phone(ctx, draft, ctx.t("cal.offline_bad_phone"))
                return
            draft.phone = phone
            _ask_consent(ctx, draft)
        case OfflineStep.CONSENT:
            _ask_consent(ctx, draft)


@with_person(facilitator_only=True)
async def on_choice(ctx: Ctx) -> None:
    """⏭️ no phone number, ➕ someone else of that name, ✅ they agree: add them."""
    button = ctx.button(OFFLINE)
    draft = ctx.draft(OfflinePersonDraft)
    if button is None or draft is None:
        ctx.stale()
        return
    match Offline(button.args[0]), draft.step:
        case Offline.SOMEONE_ELSE, OfflineStep.NAME if draft.name:
            show_choice(ctx, ctx.t("cal.button_someone_else"))
            _ask_phone(ctx, draft)
        case Offline.NO_PHONE, OfflineStep.PHONE:
            show_choice(ctx, ctx.t("cal.button_no_phone"))
            draft.phone = None
            _ask_consent(ctx, draft)
        case Offline.AGREED, OfflineStep.CONSENT:
            await _add(ctx, draft)
        case _:
            ctx.stale()


async def _add(ctx: Ctx, draft: OfflinePersonDraft) -> None:
    """They agreed: add them, then answer for them or mark them present."""
    ctx.clear()  # taken before any await: a second tap adds nobody twice
    occurrence = await find_session(ctx, draft.occurrence_id, NEEDS[draft.mode])
    if occurrence is None:
        ctx.remove_buttons()
        return
    try:
        person = await people.add_offline_person(
            ctx.session, name=filled(draft.name), phone=draft.phone, by=ctx.person, now=ctx.now
        )
    except people.PersonError:
        ctx.stale()
        return
    ctx.answer(ctx.t("cal.offline_added_toast", name=person.display_name))
    if draft.mode is PickerMode.ANSWER:
        await show_answer_for(ctx, occurrence, person)
        return
    await rsvp.mark_present(
        ctx.session, occurrence_id=occurrence.id, person_id=person.id, now=ctx.now
    )
    await show_sheet(ctx, occurrence)


# --- erasing someone who asked ------------------------------------------------------


@with_person(facilitator_only=True)
async def on_forget(ctx: Ctx) -> None:
    """🗑️ Effacer: ask once, then erase someone without Telegram and their answers."""
    button = ctx.button(FORGET)
    if button is None:
        ctx.stale()
        return
    person = await known_person(ctx, button.int_arg(1))
    if person is None:
        return
    if person.uses_telegram:
        ctx.stale()  # people with Telegram erase themselves, from the privacy notice
        return
    occurrence_id = button.int_arg(0)
    if Forget(button.args[2]) is Forget.ASK:
        ctx.edit(
            ctx.t("cal.forget_confirm", name=person.display_name),
            inline(
                [
                    [
                        (
                            ctx.t("cal.button_forget_yes"),
                            FORGET.make(occurrence_id, person.id, Forget.YES),
                        )
                    ],
                    [(ctx.t("cal.button_back"), ANSWER_FOR.make(occurrence_id, person.id))],
                ]
            ),
        )
        return
    name = person.display_name
    await calendar.forget_offline_person(
        ctx.session,
        person_id=person.id,
        by=ctx.person,
        now=ctx.now,
        translator=ctx.rt.translator,
        tz=ctx.rt.settings.tz,
    )
    ctx.answer(ctx.t("cal.forgotten_toast", name=name))
    occurrence = await queries.occurrence(ctx.session, occurrence_id)
    if (
        occurrence is not None
        and occurrence.status == OccurrenceStatus.SCHEDULED
        and occurrence.starts_at > ctx.now
    ):
        await show_picker(ctx, occurrence, PickerMode.ANSWER, 0)
    else:
        ctx.edit(ctx.t("cal.forgotten", name=name))
