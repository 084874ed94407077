"""Translations: gettext catalogues (managed with Babel) keyed by symbolic message ids.

Message ids are stable keys such as "start.welcome"; French is the reference text and
English is complete. Each capability has its own catalogue (domain) under
bot/locales/<lang>/LC_MESSAGES/<domain>.po; they are compiled in memory at start, so a
fresh clone needs no build step.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
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
        # Entries with plural forms ("1 personne", "2 personnes"): key -> forms, and the
        # language's rule that picks a form from a count.
        self._plurals: dict[str, dict[str, list[str]]] = {}
        self._plural_rule: dict[str, Callable[[int], int]] = {}
        for lang in LANGUAGES:
            merged: dict[str, str] = {}
            plurals: dict[str, list[str]] = {}
            for po in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.po")):
                trans = _compile(po, lang)
                catalog: dict[str | tuple[str, int], str] = trans._catalog  # type: ignore[attr-defined]
                for k, v in catalog.items():
                    if isinstance(k, str):
                        if k and v:
                            merged[k] = v
                    elif v:
                        forms = plurals.setdefault(k[0], [])
                        forms.extend([""] * (k[1] + 1 - len(forms)))
                        forms[k[1]] = v
                self._plural_rule[lang] = trans.plural  # type: ignore[attr-defined]
            self._catalogs[lang] = merged
            self._plurals[lang] = plurals

    def has(self, key: str, lang: str) -> bool:
        return key in self._catalogs.get(lang, {}) or key in self._plurals.get(lang, {})

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogs.get(lang, {})) | set(self._plurals.get(lang, {}))

    def t(self, key: str, lang: str, /, **params: object) -> str:
        """The message in `lang`; a plural entry picks its form from the `count` parameter."""
        if lang not in self._catalogs or not self.has(key, lang):
            lang = REFERENCE_LANGUAGE
        forms = self._plurals[lang].get(key)
        if forms is not None:
            count = params.get("count")
            index = self._plural_rule[lang](count) if isinstance(count, int) else 0
            text = forms[min(index, len(forms) - 1)]
        else:
            text = self._catalogs[lang].get(key, key)
        return text.format(**params) if params else text

    def all_languages(self, key: str, /, **params: object) -> dict[str, str]:
        return {lang: self.t(key, lang, **params) for lang in LANGUAGES}

    def format_time(self, moment: datetime, lang: str, tz: ZoneInfo) -> str:
        """A time as it is spoken: "14 h", "14 h 30" in French; "2 pm", "2:30 pm" in English."""
        local = moment.astimezone(tz)
        if lang == "en":
            hour = local.hour % 12 or 12
            suffix = "am" if local.hour < 12 else "pm"
            return (
                f"{hour} {suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d} {suffix}"
            )
        return f"{local.hour} h" if local.minute == 0 else f"{local.hour} h {local.minute:02d}"

    def format_date(
        self, moment: datetime, lang: str, tz: ZoneInfo, *, today: date | None = None
    ) -> str:
        """ "mardi 3 décembre"; "aujourd'hui" or "demain" when `today` is given and it fits."""
        local = moment.astimezone(tz)
        if today is not None:
            if local.date() == today:
                return self.t("fmt.today", lang)
            if local.date() == today + timedelta(days=1):
                return self.t("fmt.tomorrow", lang)
        return str(babel_format_datetime(local, self.t("fmt.date", lang), tzinfo=tz, locale=lang))

    def format_short_date(self, day: date, lang: str) -> str:
        """ "2 nov." ("2 Nov"): a date under a chart, where room is short."""
        return str(babel_format_date(day, self.t("fmt.short_date", lang), locale=lang))

    def format_month(self, day: date, lang: str) -> str:
        """ "novembre 2026" ("November 2026"): the month `day` is in."""
        return str(babel_format_date(day, self.t("fmt.month", lang), locale=lang))

    def format_datetime(
        self, moment: datetime, lang: str, tz: ZoneInfo, *, today: date | None = None
    ) -> str:
        """ "mardi 3 décembre à 14 h" in the deployment's time zone (see format_date)."""
        return self.t(
            "fmt.datetime",
            lang,
            date=self.format_date(moment, lang, tz, today=today),
            time=self.format_time(moment, lang, tz),
        )


@cache
def default_translator() -> Translator:
    return Translator()
