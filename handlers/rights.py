"""People's rights: /mes_donnees sends what the bot knows, /oublier erases it.

The help's "📄 Mes données" and "🗑️ Effacer mes données" do the same (their kinds live in
handlers.rights_buttons, shared with the help). "✅ Je reste", under the warning sent
after a long absence (bot.services.inactivity), keeps the person. Both commands work
before consent: someone who never agreed has only a name and a language, and
may still see or erase them. /oublier asks first; "✅ Oui, tout effacer" erases the person
(see bot.services.rights.forget), "❌ Non" changes nothing. A second tap on "✅" after the
erasure finds a fresh, empty person and erases it again: nothing is left either way.
"""

from __future__ import annotations

import json

from telegram import InputFile, Message

from bot.callback_data import STAY, ButtonKind
from bot.i18n import N_
from bot.services import inactivity, rights
from handlers.capability import ButtonRoute, Capability, Command, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.rights_buttons import FORGET_ASK, MY_DATA

FORGET_YES = ButtonKind("rgyes")  # ✅ Oui, tout effacer
FORGET_NO = ButtonKind("rgno")  # ❌ Non

FILENAME = "mes-donnees.json"


@with_person(needs_consent=False)
async def my_data(ctx: Ctx) -> None:
    """Send everything stored about the person as a file, and a short summary."""
    data = await rights.export(ctx.session, person_id=ctx.person.id, now=ctx.now)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    text = ctx.t("rights.export_intro") + "\n" + rights.summary(data, ctx.lang, ctx.rt.t)
    bot, chat_id = ctx.context.bot, ctx.chat_id

    async def send() -> Message:
        return await bot.send_document(chat_id, InputFile(content, filename=FILENAME))

    ctx.later(send)
    ctx.reply(text)


@with_person(needs_consent=False)
async def forget_ask(ctx: Ctx) -> None:
    """Ask before erasing: say what it means, with a yes and a no."""
    ctx.clear()
    lines = [ctx.t("rights.forget_question"), ctx.t("rights.forget_means")]
    if ctx.person.is_facilitator:
        lines.append(ctx.t("rights.forget_facilitator"))
    markup = inline(
        [
            [(ctx.t("rights.button_yes"), FORGET_YES.make())],
            [(ctx.t("rights.button_no"), FORGET_NO.make())],
        ]
    )
    ctx.reply("\n".join(lines), markup)


@with_person(needs_consent=False)
async def forget_yes(ctx: Ctx) -> None:
    """Erase the person, then say it is done."""
    done = ctx.t("rights.forgotten")
    ctx.clear()
    await rights.forget(ctx.session, person_id=ctx.person.id, now=ctx.now)
    ctx.answer()
    ctx.edit(done)


@with_person(needs_consent=False)
async def forget_no(ctx: Ctx) -> None:
    """Keep everything as it is."""
    ctx.answer()
    ctx.edit(ctx.t("rights.kept"))


@with_person(needs_consent=False)
async def stay(ctx: Ctx) -> None:
    """✅ Je reste, under the warning of a long absence: nothing will be erased."""
    if ctx.person.inactive_warned_at is None and not ctx.person.has_consented:
        # Tapped after the erasure: the person is new again and starts over.
        ctx.edit(ctx.t("inactivity.too_late"))
        ctx.ask_consent()
        return
    await inactivity.stay(ctx.session, person=ctx.person, now=ctx.now)
    ctx.answer(ctx.t("inactivity.stay_toast"))
    ctx.edit(ctx.t("inactivity.staying"))


CAPABILITY = Capability(
    name="rights",
    commands=(
        Command("mes_donnees", "mydata", my_data, N_("rights.command_mydata"), who=Who.EVERYONE),
        Command("oublier", "forget", forget_ask, N_("rights.command_forget"), who=Who.EVERYONE),
    ),
    buttons=(
        ButtonRoute(MY_DATA, my_data),
        ButtonRoute(FORGET_ASK, forget_ask),
        ButtonRoute(FORGET_YES, forget_yes),
        ButtonRoute(FORGET_NO, forget_no),
        ButtonRoute(STAY, stay),
    ),
)
