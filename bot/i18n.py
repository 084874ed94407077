"""Translations: gettext catalogues (managed with Babel) keyed by symbolic message ids.

Message ids are stable keys such as "start.welcome"; French is the reference text and
English is complete. Each capability has its own catalogue (domain) under
bot/locales/<lang>/LC_MESSAGES/<domain>.po; they are compiled in memory at start, so a
fresh clone needs no build step.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = ("fr", "en")
REFERENCE_LANGUAGE = "fr"


def N_(key: str) -> str:
    """Mark a message id for extraction where it is looked up later."""
    return key


def normalize_language(code: str | None, default: str = REFERENCE_LANGUAGE) -> str:
    """Map a Telegram language_code ("fr-FR", "en", "de") to one we speak."""
    if code:
        short = code.split("-")[0].split("_")[0].lower()
        if short in LANGUAGES:
            return short
    return default


def domains(locales_dir: Path = LOCALES_DIR) -> list[str]:
    return sorted(p.stem for p in (locales_dir / REFERENCE_LANGUAGE / "LC_MESSAGES").glob("*.po"))


def _compile(po_path: Path, lang: str) -> gettext.GNUTranslations:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Looks messages up by key and language; missing keys fall back to French, then the key."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._catalogs: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            merged: dict[str, str] = {}
            for po in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.po")):
                trans = _compile(po, lang)
                merged.update(
                    {k: v for k, v in trans._catalog.items() if isinstance(k, str) and k and v}  # type: ignore[attr-defined]
                )
            self._catalogs[lang] = merged

    def has(self, key: str, lang: str) -> bool:
        return key in self._catalogs.get(lang, {})

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogs.get(lang, {}))

    def t(self, key: str, lang: str, /, **params: object) -> str:
        text = self._catalogs.get(lang, {}).get(key)
        if text is None:
            text = self._catalogs[REFERENCE_LANGUAGE].get(key, key)
        return text.format(**params) if params else text

    def all_languages(self, key: str, /, **params: object) -> dict[str, str]:
        return {lang: self.t(key, lang, **params) for lang in LANGUAGES}

    def format_datetime(self, moment: datetime, lang: str, tz: ZoneInfo) -> str:
        """ "mardi 3 décembre à 14:00" in the deployment's time zone."""
        return babel_format_datetime(
            moment.astimezone(tz), self.t("fmt.datetime", lang), tzinfo=tz, locale=lang
        )

    def format_date(self, moment: datetime, lang: str, tz: ZoneInfo) -> str:
        return babel_format_datetime(
            moment.astimezone(tz), self.t("fmt.date", lang), tzinfo=tz, locale=lang
        )

    def format_time(self, moment: datetime, lang: str, tz: ZoneInfo) -> str:
        return babel_format_datetime(
            moment.astimezone(tz), self.t("fmt.time", lang), tzinfo=tz, locale=lang
        )


@cache
def default_translator() -> Translator:
    return Translator()
