"""Catalogues: complete in French and English, same placeholders, every key used exists."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, Translator, domains, normalize_language
from tests.utils import ROOT

KEYWORDS = {"t": None, "N_": None}


def _catalog(lang: str, domain: str) -> dict[str, str]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        if m.pluralizable:
            # Every form must be there; their placeholders are compared together.
            forms = [str(f) for f in m.string or ()]
            out[str(m.id[0])] = " | ".join(forms) if all(forms) else ""
        else:
            out[str(m.id)] = str(m.string)
    return out


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for package in ("bot", "handlers", "scheduler"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            # The Telegram stand-in speaks no catalogue (its `t(...)` reads the API spec).
            if isinstance(message, str) and "fake_telegram" not in _file:
                keys.add(message)
    return keys


@pytest.mark.parametrize("domain", domains())
def test_every_message_is_translated_in_both_languages(domain: str) -> None:
    catalogs = {lang: _catalog(lang, domain) for lang in LANGUAGES}
    fr, en = catalogs["fr"], catalogs["en"]
    assert set(fr) == set(en), f"keys differ: {sorted(set(fr) ^ set(en))}"
    missing = [
        (lang, key) for lang, cat in catalogs.items() for key, text in cat.items() if not text
    ]
    assert missing == []


@pytest.mark.parametrize("domain", domains())
def test_placeholders_match_between_languages(domain: str) -> None:
    fr, en = _catalog("fr", domain), _catalog("en", domain)
    different = {k: (_placeholders(fr[k]), _placeholders(en[k])) for k in fr}
    assert {k: v for k, v in different.items() if v[0] != v[1]} == {}


def test_every_key_used_in_the_code_exists_and_none_is_stale() -> None:
    translator = Translator()
    used = _used_keys()
    assert used, "the extractor found no message keys"
    for lang in LANGUAGES:
        assert sorted(used - translator.keys(lang)) == [], f"missing in {lang}"
    stale = (
        translator.keys("fr") - used - {"fmt.datetime", "fmt.date", "fmt.today", "fmt.tomorrow"}
    )
    assert sorted(stale) == []


def test_keys_belong_to_one_domain_only() -> None:
    seen: dict[str, str] = {}
    for domain in domains():
        for key in _catalog("fr", domain):
            assert key not in seen, f"{key} in {seen.get(key)} and {domain}"
            seen[key] = domain


def test_dates_are_written_in_words_per_language() -> None:
    translator = Translator()
    paris = ZoneInfo("Europe/Paris")
    two_pm = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    half_past = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
    assert translator.format_datetime(two_pm, "fr", paris) == "mardi 1 décembre à 14 h"
    assert translator.format_datetime(half_past, "fr", paris) == "mardi 1 décembre à 14 h 30"
    assert translator.format_datetime(two_pm, "en", paris) == "Tuesday 1 December at 2 pm"
    assert translator.format_datetime(half_past, "en", paris) == "Tuesday 1 December at 2:30 pm"


def test_today_and_tomorrow_are_named() -> None:
    translator = Translator()
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert translator.format_datetime(moment, "fr", paris, today=date(2026, 12, 1)) == (
        "aujourd'hui à 14 h"
    )
    assert translator.format_date(moment, "fr", paris, today=date(2026, 11, 30)) == "demain"
    assert translator.format_date(moment, "en", paris, today=date(2026, 11, 30)) == "tomorrow"
    assert translator.format_date(moment, "fr", paris, today=date(2026, 11, 29)) == (
        "mardi 1 décembre"
    )


def test_plural_entries_pick_the_form_of_the_count(tmp_path: Path) -> None:
    for lang, forms in (
        ("fr", ("{count} personne", "{count} personnes")),
        ("en", ("{count} person", "{count} people")),
    ):
        folder = tmp_path / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "x.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n'
            f'"Plural-Forms: nplurals=2; plural=(n {">" if lang == "fr" else "!="} 1);\\n"\n\n'
            f'msgid "people"\nmsgid_plural "people"\n'
            f'msgstr[0] "{forms[0]}"\nmsgstr[1] "{forms[1]}"\n',
            encoding="utf-8",
        )
    translator = Translator(tmp_path)
    assert translator.t("people", "fr", count=0) == "0 personne"
    assert translator.t("people", "fr", count=1) == "1 personne"
    assert translator.t("people", "fr", count=2) == "2 personnes"
    assert translator.t("people", "en", count=1) == "1 person"
    assert translator.t("people", "en", count=0) == "0 people"


def test_missing_key_falls_back_to_french_then_to_the_key() -> None:
    translator = Translator()
    assert translator.t("no.such.key", "en") == "no.such.key"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("fr-FR", "fr"), ("en-GB", "en"), ("de", "fr"), (None, "fr"), ("", "fr")],
)
def test_language_guess_from_telegram(code: str | None, expected: str) -> None:
    assert normalize_language(code) == expected
