"""Button kinds: what a button carries, built and checked in one place.

Telegram gives back whatever a button carried, and anyone can forge it, so each kind
declares one pattern per argument and `parse` refuses anything else; ids are re-checked
against the database by the handler that acts on them. A kind is a plain value: the
capability that owns it declares it, and `handlers.assemble()` checks that no two kinds
share a prefix. The prefix on the wire stays short (callback data is at most 64 bytes);
the name in the code says what the button does.

The kinds that services put on outbox messages live here, below the services; every
other kind lives beside the handlers that answer it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.models import Answer

MAX_BYTES = 64
SEP = ":"

ID = r"[1-9]\d{0,9}"
# The largest id an SQL INTEGER column holds: a forged bigger one would fail the query.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Callback:
    """A parsed button: its kind and its checked arguments."""

    kind: ButtonKind
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        return int(self.args[index])


@dataclass(frozen=True)
class ButtonKind:
    """One kind of button: a short prefix on the wire and one regex per argument."""

    prefix: str
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z]{2,8}", self.prefix):
            raise ValueError(f"button prefix {self.prefix!r} must be 2-8 lowercase letters")

    def make(self, *args: object) -> str:
        data = SEP.join([self.prefix, *(str(a) for a in args)])
        if self.parse(data) is None:
            raise ValueError(f"callback data {data!r} does not match its kind")
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data {data!r} exceeds {MAX_BYTES} bytes")
        return data

    def parse(self, data: str | None) -> Callback | None:
        """The parsed button, or None for anything malformed or of another kind."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        prefix, *args = data.split(SEP)
        if prefix != self.prefix or len(args) != len(self.args):
            return None
        for value, pattern in zip(args, self.args, strict=True):
            if not re.fullmatch(pattern, value):
                return None
            if pattern == ID and int(value) > MAX_ID:
                return None
        return Callback(self, tuple(args))

    @property
    def pattern(self) -> str:
        """Regex for CallbackQueryHandler: routes by prefix; parse() checks the rest."""
        return f"^{re.escape(self.prefix)}(?::|$)"


def check_unique(kinds: Iterable[ButtonKind]) -> None:
    """Two kinds with one prefix would route one's taps to the other's handler."""
    seen: dict[str, ButtonKind] = {}
    for kind in kinds:
        other = seen.setdefault(kind.prefix, kind)
        if other is not kind:
            raise ValueError(f"button prefix {kind.prefix!r} is used by two kinds")


# Carried by outbox messages that services build (reminders, notices, group posts).
class TapCode(enum.StrEnum):
    """What an answer button says, as it travels on the wire."""

    YES = "y"
    MAYBE = "m"
    NO = "n"
    PLUS_ONE = "p"  # yes, with someone
    ALONE = "q"  # yes, without the +1 any more

    @property
    def answer(self) -> Answer:
        return {TapCode.MAYBE: Answer.MAYBE, TapCode.NO: Answer.NO}.get(self, Answer.YES)

    @property
    def plus_one(self) -> bool | None:
        """True or False when the tap sets the +1; None when it leaves it as it is."""
        return {TapCode.PLUS_ONE: True, TapCode.ALONE: False}.get(self)


RSVP_ANSWER = ButtonKind("rv", ("|".join(TapCode), ID))  # the answer, the session
REPLY_BUTTON = ButtonKind("anr", (f"0|{ID}",))  # answer an announcement (0: its preview)
# A face under a mood prompt: whose prompt, its local day (YYYYMMDD), the face (1 to 5).
MOOD_FACE = ButtonKind("mood", (ID, r"20\d{6}", r"[1-5]"))
# "▶️ Commencer" under the fortnightly well-being questionnaire prompt: whose prompt.
WELLBEING_START = ButtonKind("who", (ID,))
# "💬 Écrire à Ana" under a care alert: the person who asked to be contacted.
CARE_WRITE = ButtonKind("carew", (ID,))
# Under a new proposal, for facilitators: publish it, ask for a change, or refuse it.
PROJECT_REVIEW = ButtonKind("pjr", (r"pub|chg|ref", ID))
# "✅ Je reste" under the warning sent after a long absence.
STAY = ButtonKind("stay")
# "👀 Voir le projet" under a project's notices: its card.
PROJECT_CARD = ButtonKind("pjc", (ID,))
# "🗳️ Choisir mes projets" under a budget round's notices: the round screen.
ROUND_VIEW = ButtonKind("bdv", (ID,))
# "✅ Valider mon choix" under a basket reminder (and on the round screen).
BASKET_CONFIRM = ButtonKind("bdk", (ID,))
# "✏️ Modifier" under "the facilitators ask for a change": the author edits and resends.
PROJECT_EDIT = ButtonKind("pje", (ID,))
