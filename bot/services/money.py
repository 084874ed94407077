"""Amounts of money: stored as whole cents, read from what people type, shown their way.

`parse_euros` reads an estimate typed on a phone keyboard: "1 500", "1500€", "1 500,50 €",
"1.500,50", "1500.5", "15 euros". Spaces of any kind, a dot or a comma may group the
thousands or mark the cents; the rule that settles which:

- both a dot and a comma: the last one marks the cents ("1.500,50", "1,500.50");
- one separator used twice or more: it groups thousands ("1.500.000");
- one separator used once, followed by exactly three digits after 1 to 3 digits that do
  not start with 0: it groups thousands ("1.500" and "12,345" are 1 500 € and 12 345 €),
  since nobody prices an estimate to the tenth of a cent; the preview shows the amount
  read, so a person who meant 12,35 € sees it and can change it;
- otherwise it marks the cents: one or two digits ("1,5" and "1.5" are 1,50 €); more
  digits that are not zeros are refused rather than rounded.

`format_euros` writes French "1 500 €" and "1 500,50 €" (whole euros without ",00") and
English "€1,500" and "€1,500.50". French spaces are non-breaking (U+00A0) so an amount
never wraps across two lines; babel's narrow one (U+202F) is missing from some old
phones' fonts.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal

from babel.numbers import format_decimal

MAX_CENTS = 1_000_000 * 100  # above a million euros an estimate is a typo

# Spaces people (and their keyboards) put between digits.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_CURRENCY = re.compile(r"€|\beuros?\b|\beur\b", re.IGNORECASE)
_MINUS = ("-", "\u2212", "\u2013")
_SEPARATORS = ".,"
NBSP = "\u00a0"


class MoneyProblem(enum.Enum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    TOO_BIG = "too_big"


class MoneyError(ValueError):
    """What was typed is not an amount we accept; `reason` says why."""

    def __init__(self, reason: MoneyProblem) -> None:
        super().__init__(reason.value)
        self.reason = reason


def parse_euros(text: str) -> int:
    """The amount typed, in cents; raises MoneyError saying what is wrong."""
    cleaned = _CURRENCY.sub(" ", text).strip()
    if not cleaned:
        raise MoneyError(MoneyProblem.EMPTY)
    negative = cleaned.startswith(_MINUS)
    if negative or cleaned.startswith("+"):
        cleaned = cleaned[1:].lstrip()
    # "1500,-" is how prices are sometimes written: no cents.
    cleaned = re.sub(r"[.,]-+$", "", cleaned)
    cents = _cents(_grouped_spaces(cleaned))
    if negative and cents > 0:
        raise MoneyError(MoneyProblem.NEGATIVE)
    if cents > MAX_CENTS:
        raise MoneyError(MoneyProblem.TOO_BIG)
    return cents


def _grouped_spaces(text: str) -> str:
    """Drop spaces that group thousands ("1 500"); any other space is not a number."""
    parts = _SPACES.split(text)
    if len(parts) == 1:
        return text
    head, *groups = parts
    if not re.fullmatch(r"[0-9]{1,3}", head) or not all(
        re.fullmatch(r"[0-9]{3}([.,][0-9]*)?", group) for group in groups
    ):
        raise MoneyError(MoneyProblem.NOT_A_NUMBER)
    return "".join(parts)


def _cents(text: str) -> int:
    if not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"[0-9]", text):
        raise MoneyError(MoneyProblem.NOT_A_NUMBER)
    used = [c for c in _SEPARATORS if c in text]
    if len(used) == 2:
        decimal = max(used, key=text.rfind)
        grouping = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        return _whole(whole, grouping) * 100 + _fraction(fraction)
    if not used:
        return _whole(text, None) * 100
    separator = used[0]
    if text.count(separator) > 1:
        return _whole(text, separator) * 100
    whole, _, fraction = text.partition(separator)
    if len(fraction) == 3 and re.fullmatch(r"[1-9][0-9]{0,2}", whole):
        return int(whole + fraction) * 100
    return _whole(whole or "0", None) * 100 + _fraction(fraction)


def _whole(text: str, grouping: str | None) -> int:
    if grouping is not None and grouping in text:
        head, *groups = text.split(grouping)
        if not re.fullmatch(r"[0-9]{1,3}", head) or not all(len(g) == 3 for g in groups):
            raise MoneyError(MoneyProblem.NOT_A_NUMBER)
        text = "".join([head, *groups])
    if not re.fullmatch(r"[0-9]+", text):
        raise MoneyError(MoneyProblem.NOT_A_NUMBER)
    return int(text)


def _fraction(digits: str) -> int:
    """Cents from the digits after the decimal mark ("5" → 50, "50" → 50, "500" → 50)."""
    if not re.fullmatch(r"[0-9]*", digits) or digits[2:].strip("0"):
        raise MoneyError(MoneyProblem.NOT_A_NUMBER)
    return int((digits + "00")[:2])


def format_euros(cents: int, lang: str) -> str:
    """ "1 500 €" / "1 500,50 €" in French, "€1,500" / "€1,500.50" in English."""
    rest = abs(cents) % 100
    sign = "-" if cents < 0 else ""
    pattern = "#,##0" if rest == 0 else "#,##0.00"
    amount = Decimal(abs(cents)) / 100
    if lang == "en":
        return f"{sign}€{format_decimal(amount, format=pattern, locale='en')}"
    number = format_decimal(amount, format=pattern, locale="fr_FR")
    return f"{sign}{number.replace(chr(0x202F), NBSP)}{NBSP}€"
