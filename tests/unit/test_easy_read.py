"""The easy-to-read rules a machine can check, over every participant text in both languages.

../shared/EASY-READ.md is the writing guide; these checks catch what a tired eye misses:
"(e)" and "(s)", words in capitals, commands to type, slashes between numbers, "n°",
clock times like "14:00", the two words for one thing ("séance" beside "atelier"), and
sentences too long to read in one breath.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, domains

# Facilitators' screens follow the guide where they can, but may name commands (/lier).
FACILITATOR_KEYS = (
    "cal.",
    "announce.",
    "outbox.",
    "invite.",
    "help.facilitator",
    "group.link",
    "mood.group",
    "mood.note",
    "care.alert",
    "review.",
    "manage.",
    "rounds.",
)
# The WHO-5 questionnaire is used in its published wording, as its licence asks: its
# items, answers and credit are not rewritten (and so not checked).
PUBLISHED_KEYS = ("who5.q", "who5.a", "who5.credit")
# About 12 words is the aim; a machine counts a little more generously.
MAX_WORDS = 16
# WHO-5 is the name of a questionnaire.
ALLOWED_CAPITALS = frozenset({"OK", "SMS", "WHO"})

RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("no (e) or (s): write the form the number needs", re.compile(r"\w\((e|s|es|x)\)")),
    ("no command to type: give a button", re.compile(r"(^|[\s(«\"'])/[a-z_]{2,}")),
    ("no slash between numbers", re.compile(r"\d\s*/\s*\d")),
    ("no n° or nº", re.compile(r"\bn[°º]", re.IGNORECASE)),
    ("times as spoken (14 h), not 14:00", re.compile(r"\b\d{1,2}:\d{2}\b")),
    ("say touchez, not cliquez", re.compile(r"\bcliqu", re.IGNORECASE)),
)
FRENCH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("one word for one thing: atelier, not séance", re.compile(r"\bséances?\b", re.IGNORECASE)),
)
CAPITALS = re.compile(r"\b[A-ZÀ-ÖØ-Þ]{2,}\b")
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _participant_texts(domain: str, lang: str) -> dict[str, str]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    texts: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id[0] if message.pluralizable else message.id)
        if key.startswith((*FACILITATOR_KEYS, *PUBLISHED_KEYS, "fmt.")):
            continue
        string = message.string
        forms = list(string) if isinstance(string, tuple | list) else [string]
        texts[key] = "\n".join(str(f) for f in forms)
    return texts


def _problems(text: str, lang: str) -> list[str]:
    plain = PLACEHOLDER.sub("X", text)
    found = [rule for rule, pattern in RULES if pattern.search(plain)]
    if lang == "fr":
        found += [rule for rule, pattern in FRENCH_RULES if pattern.search(plain)]
    capitals = set(CAPITALS.findall(plain)) - ALLOWED_CAPITALS
    if capitals:
        found.append(f"no words in capitals: {sorted(capitals)}")
    for sentence in re.split(r"[.!?:\n]+", plain):
        words = [w for w in sentence.split() if any(c.isalnum() for c in w)]
        if len(words) > MAX_WORDS:
            found.append(f"a sentence of {len(words)} words: {sentence.strip()[:60]}…")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("domain", domains())
def test_participant_texts_follow_the_easy_read_rules(domain: str, lang: str) -> None:
    problems = {
        key: found
        for key, text in _participant_texts(domain, lang).items()
        if (found := _problems(text, lang))
    }
    assert problems == {}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Vous êtes inscrit(e).", "(e)"),
        ("Tapez /start pour commencer.", "command"),
        ("👥 2 / 20 inscrits", "slash"),
        ("Vous êtes n°1.", "n°"),
        ("Mardi à 14:00.", "14:00"),
        ("🚫 ANNULÉ", "capitals"),
        ("La séance commence.", "atelier"),
        (" ".join(["mot"] * 20) + ".", "sentence"),
    ],
)
def test_each_rule_catches_what_it_names(text: str, rule: str) -> None:
    assert any(rule in problem for problem in _problems(text, "fr"))


def test_a_text_that_follows_the_guide_passes() -> None:
    assert _problems("✅ Vous venez.\n👥 2 personnes viennent. Il reste 18 places.", "fr") == []
