"""Every kind of calendar button, as it travels on the wire.

The prefixes stay short (callback data is at most 64 bytes) and never change: messages
already in people's chats carry them. Ids are looked up again by the handler that acts
on them. A button that changes a session carries, as its last argument, the session's
start time in minutes (`stamp`), so a session moved since the button was shown is not
cancelled or moved by mistake.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

from bot.callback_data import ID, ButtonKind, TapCode
from bot.models import Occurrence
from bot.services.notices import NoticeAudience

STAMP = r"[0-9]{1,10}"
PAGE = r"[0-9]{1,4}"


def one_of(values: Iterable[str]) -> str:
    """The regex of an argument that is one of a closed set of values."""
    return "|".join(re.escape(value) for value in values)


def stamp(occurrence: Occurrence) -> int:
    """The session's start time as a button carries it (minutes since the epoch)."""
    return int(occurrence.starts_at.timestamp()) // 60


class MenuAction(enum.StrEnum):
    HOME = "home"
    NEW_SERIES = "new"
    ONE_OFF = "one"
    UPCOMING = "next"
    ATTENDANCE = "att"


class Leave(enum.StrEnum):
    DROP = "d"  # forget the draft (a new series or session, a series field)
    KEEP = "k"  # keep the session as it is (instead of cancelling or moving it)


class SeriesField(enum.StrEnum):
    TITLE = "ti"
    PLACE = "pl"
    TIME = "tm"
    DURATION = "du"
    CAPACITY = "cp"
    DESCRIPTION = "de"


# The fields whose new value can also be tapped (the others are typed only).
TAPPED_FIELDS = (
    SeriesField.TIME,
    SeriesField.DURATION,
    SeriesField.CAPACITY,
    SeriesField.DESCRIPTION,
)


class SessionAction(enum.StrEnum):
    WHO = "w"  # who comes, as a new message
    WHO_IN_PLACE = "l"  # who comes, in place of the message (back from the picker)
    CANCEL = "c"
    MOVE = "m"


class SessionChange(enum.StrEnum):
    CANCEL = "c"
    MOVE = "m"


class PickerMode(enum.StrEnum):
    ANSWER = "r"  # to answer for someone
    ATTENDANCE = "a"  # to mark someone present who is not on the sheet


class QuickReason(enum.StrEnum):
    SICK = "0"
    ROOM = "1"
    WEATHER = "2"


class WalkIns(enum.StrEnum):
    UP = "u"
    DOWN = "d"


class Notify(enum.StrEnum):
    """Whom a change is told to, as a button carries it."""

    ANSWERED = "a"
    EVERYONE = "e"

    @property
    def audience(self) -> NoticeAudience:
        if self is Notify.EVERYONE:
            return NoticeAudience.EVERYONE
        return NoticeAudience.ANSWERED


class Offline(enum.StrEnum):
    """The buttons of adding someone without Telegram."""

    NO_PHONE = "p"  # no phone number
    AGREED = "ok"  # they agreed in person: add them
    SOMEONE_ELSE = "new"  # not the person of that name already known


class Forget(enum.StrEnum):
    ASK = "ask"
    YES = "yes"


# What a facilitator can answer for someone: no +1 from the facilitator's side.
ANSWER_CODES = (TapCode.YES, TapCode.MAYBE, TapCode.NO)

CALENDAR_MENU = ButtonKind("cam", (one_of(MenuAction),))
LEAVE = ButtonKind("cax", (one_of(Leave),))
# The wizard's step id and the choice; the step must be the draft's current one.
WIZARD_CHOICE = ButtonKind("caw", (r"[a-z]{2}", r"[A-Za-z0-9_-]{1,16}"))
SERIES_SCREEN = ButtonKind("cas", (ID,))
EDIT_FIELD = ButtonKind("cae", (ID, one_of(SeriesField)))
FIELD_CHOICE = ButtonKind("cav", (ID, one_of(TAPPED_FIELDS), r"[0-9a-z]{1,8}"))
STOP_SERIES_ASK = ButtonKind("caq", (ID,))
STOP_SERIES = ButtonKind("caz", (ID, one_of(Notify)))  # stop, and tell whom
SESSION_ACTION = ButtonKind("cao", (ID, one_of(SessionAction), STAMP))
PEOPLE_PAGE = ButtonKind("cap", (ID, one_of(PickerMode), PAGE))
ANSWER_FOR = ButtonKind("cab", (ID, ID))  # the session, the person: show the answers
ANSWER = ButtonKind("caa", (ID, ID, one_of(ANSWER_CODES)))  # ... and record one
QUICK_REASON = ButtonKind("cac", (ID, one_of(QuickReason)))
# The session, the change, whom to tell, and its start time when the question was asked.
CONFIRM_CHANGE = ButtonKind("cak", (ID, one_of(SessionChange), one_of(Notify), STAMP))
ATTENDANCE_SHEET = ButtonKind("cat", (ID,))
PRESENT = ButtonKind("cai", (ID, ID))  # the session, the person: there / not there
WALK_INS = ButtonKind("caj", (ID, one_of(WalkIns)))
# A new time or place for a series, and whom to tell (the change waits in a draft).
SERIES_NOTICE = ButtonKind("cau", (ID, one_of(Notify)))
# From the people picker: add someone without Telegram (the session, the picker's mode).
ADD_OFFLINE = ButtonKind("can", (ID, one_of(PickerMode)))
OFFLINE = ButtonKind("cay", (one_of(Offline),))
# Erase someone without Telegram who asked (the session, the person, ask or do it).
FORGET = ButtonKind("caf", (ID, ID, one_of(Forget)))
