"""Words a facilitator picks from a list, kept as keys and shown in each reader's language.

A suggested workshop name ("Danse") is stored as its key in `title_key` (the name in the
facilitator's language stays in `title`, the fallback for a name typed by hand or a key
that no longer exists); a quick reason for cancelling ("La salle est fermée") as its key
in `Occurrence.cancel_reason_key`. Every screen, notice, card and reminder that shows
them calls `title_of` and `reason_of` with the reader's language, so an English reader
never gets "💬 Animateur malade".
"""

from __future__ import annotations

from typing import Protocol

from bot.i18n import N_, Translator
from bot.models import Occurrence

# The suggested names of a new workshop, in the order the wizard offers them.
TITLE_KEYS: tuple[str, ...] = (
    N_("cal.quick_art"),
    N_("cal.quick_dance"),
    N_("cal.quick_relax"),
    N_("cal.quick_writing"),
    N_("cal.quick_theatre"),
)

# The quick reasons for cancelling a session, as participants read them.
REASON_KEYS: tuple[str, ...] = (
    N_("cal.reason_sick"),
    N_("cal.reason_room"),
    N_("cal.reason_weather"),
)


def _known(translator: Translator, key: str | None, lang: str) -> bool:
    return bool(key) and (translator.has(key or "", lang) or translator.has(key or "", "fr"))


class Titled(Protocol):
    """Anything with a workshop's name: a series, a session, a figure about a session."""

    @property
    def title(self) -> str: ...

    @property
    def title_key(self) -> str | None: ...


def title_of(item: Titled, translator: Translator, lang: str) -> str:
    """A workshop's name in `lang`: the suggested name's translation, or the name as typed."""
    if item.title_key and _known(translator, item.title_key, lang):
        return translator.t(item.title_key, lang)
    return item.title


def reason_of(occurrence: Occurrence, translator: Translator, lang: str) -> str | None:
    """Why a session was cancelled, in `lang` (a typed reason is shown as it was typed)."""
    key = occurrence.cancel_reason_key
    if key and _known(translator, key, lang):
        return translator.t(key, lang)
    return occurrence.cancel_reason


def title_key_for(text: str, translator: Translator, lang: str) -> str | None:
    """The suggested name a typed name is (any case, in `lang`), if it is one."""
    wanted = text.strip().casefold()
    return next((k for k in TITLE_KEYS if translator.t(k, lang).casefold() == wanted), None)
