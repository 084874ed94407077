"""The buttons of the mood screens (the faces themselves are in bot.callback_data: prompts
sent by the outbox carry them)."""

from __future__ import annotations

from bot.callback_data import ID, ButtonKind

CONSENT = ButtonKind("mdc", (r"yes|no",))  # the mood consent, asked at the first check-in
SKIP_WORD = ButtonKind("mdskip", (ID,))  # ⏭️ Passer: no word for this check-in
SHARE = ButtonKind("mdsh", (ID, r"yes|no"))  # share this check-in with the team, or not
CARE = ButtonKind("care", (r"call|write|no",))  # the answer to "shall someone call you?"
WEEKS = ButtonKind("mdweeks")  # 📈 Mes semaines
MINE = ButtonKind("mdmine")  # 🔒 Mes réponses: what is kept, and erasing it
WITHDRAW = ButtonKind("mdwd", (r"ask|yes|no",))  # 🗑️ Tout effacer, then yes / no
GROUP_SESSION = ButtonKind("mdgs", (ID,))  # a session's figure (facilitators)
GROUP_NOTES = ButtonKind("mdgn")  # 💬 Mots partagés (facilitators)
