"""Derive the compact Bot API spec that the fake Telegram validates against.

The fake Telegram (``spec.py``) checks every call against the official Bot API description.
The full machine-readable description, ``api.json`` from
https://github.com/PaulSonOfLars/telegram-bot-api-spec (a scrape of
https://core.telegram.org/bots/api), is about 900 KB of mostly prose, and lives outside this
repository. So that a fresh clone can run its tests on its own, the repository carries
``bot_api_spec.json``: the methods and types with their parameters and fields (name, types,
required), plus the few facts the validator used to read out of the prose, stored as explicit
values:

* ``limit``: ``[min, max, "characters" | "bytes"]``, from "1-4096 characters" and the like;
* ``formatted``: the limit counts the text *after entities parsing* (texts and captions);
* ``const``: the constant of a union member's discriminating field (``"type"`` must be
  ``"photo"`` in InputMediaPhoto...), from 'must be photo' / 'always "XTR"';
* ``subtypes`` of union types, ``returns`` of methods, and ``string_allowed`` on types that
  accept a plain string in their place (KeyboardButton).

Moving to a new Bot API version is one command, from the repository root::

    python -m bot.sandbox.fake_telegram.derive_spec ../shared/telegram-bot-api/api.json

``spec.py`` also accepts a full api.json (via $TELEGRAM_API_SPEC) and runs :func:`derive` on it
in memory, so both inputs go through the same extraction and validate identically.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

COMPACT_PATH = Path(__file__).with_name("bot_api_spec.json")
# The key only the compact format has: how a loader tells the two formats apart.
VERSION_KEY = "bot_api_version"
SOURCE = {
    "repository": "https://github.com/PaulSonOfLars/telegram-bot-api-spec",
    "file": "api.json",
    "mirrors": "https://core.telegram.org/bots/api",
}
DERIVED_BY = "bot/sandbox/fake_telegram/derive_spec.py"

# The first match wins: Telegram states the allowed length once per field.
_LIMIT_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
# Loose on purpose (it also hits prose such as "must be one of"); only the first match in a
# union member's required String field is kept, which is always the discriminator.
_CONST_RE = re.compile(r'(?:must be|always)\s+"?([A-Za-z0-9_]+)"?')
_FORMATTED_MARK = "entities parsing"
_STRING_ALLOWED_MARK = "String can be used instead of this object"


class FieldEntry(TypedDict):
    """One parameter of a method or one field of a type."""

    name: str
    types: list[str]
    required: bool
    limit: NotRequired[list[int | str]]  # [min, max, unit]
    formatted: NotRequired[bool]
    const: NotRequired[str]


class MethodEntry(TypedDict):
    fields: list[FieldEntry]
    returns: list[str]


class TypeEntry(TypedDict):
    fields: list[FieldEntry]
    subtypes: NotRequired[list[str]]
    string_allowed: NotRequired[bool]


class CompactSpec(TypedDict):
    bot_api_version: str
    release_date: str
    changelog: str
    source: dict[str, str]
    derived_by: str
    methods: dict[str, MethodEntry]
    types: dict[str, TypeEntry]


def is_compact(raw: Mapping[str, Any]) -> bool:
    """Whether ``raw`` is already the compact format (else it is a full api.json)."""
    return VERSION_KEY in raw


def _field(raw: Mapping[str, Any]) -> FieldEntry:
    desc: str = raw.get("description", "")
    entry: FieldEntry = {
        "name": raw["name"],
        "types": list(raw["types"]),
        "required": bool(raw["required"]),
    }
    m = _LIMIT_RE.search(desc)
    if m:
        entry["limit"] = [int(m.group(1)), int(m.group(2)), m.group(3)]
    if _FORMATTED_MARK in desc:
        entry["formatted"] = True
    return entry


def _mark_discriminators(raw_types: Mapping[str, Any], types: dict[str, TypeEntry]) -> None:
    """Store the discriminating constant of every union member on the field that holds it."""
    for union in raw_types.values():
        for member in union.get("subtypes", []):
            if member not in raw_types:
                continue  # unions may list non-object members (String, Array of RichText)
            raw_fields = raw_types[member].get("fields", [])
            for raw_field, entry in zip(raw_fields, types[member]["fields"], strict=True):
                m = _CONST_RE.search(raw_field.get("description", ""))
                if entry["required"] and entry["types"] == ["String"] and m:
                    entry["const"] = m.group(1)
                    break


def derive(raw: Mapping[str, Any]) -> CompactSpec:
    """The compact spec of a full api.json (as loaded by :func:`json.load`)."""
    if is_compact(raw):
        raise ValueError("this is already a compact spec, not a full api.json")
    missing = [key for key in ("version", "methods", "types") if key not in raw]
    if missing:
        raise ValueError(f"not a telegram-bot-api-spec api.json: no {', '.join(missing)}")
    methods: dict[str, MethodEntry] = {
        name: {
            "fields": [_field(f) for f in m.get("fields", [])],
            "returns": list(m.get("returns", [])),
        }
        for name, m in raw["methods"].items()
    }
    types: dict[str, TypeEntry] = {}
    for name, t in raw["types"].items():
        entry: TypeEntry = {"fields": [_field(f) for f in t.get("fields", [])]}
        if "subtypes" in t:
            entry["subtypes"] = list(t["subtypes"])
        if _STRING_ALLOWED_MARK in " ".join(t.get("description", [])):
            entry["string_allowed"] = True
        types[name] = entry
    _mark_discriminators(raw["types"], types)
    return {
        "bot_api_version": raw["version"],
        "release_date": raw.get("release_date", ""),
        "changelog": raw.get("changelog", ""),
        "source": dict(SOURCE),
        "derived_by": DERIVED_BY,
        "methods": methods,
        "types": types,
    }


def _holds_object(value: object) -> bool:
    children: Sequence[object]
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return False
    return any(isinstance(c, dict) or _holds_object(c) for c in children)


def _dump(value: object, depth: int) -> str:
    # A value with no object inside goes on one line: one field, one "returns" list... so a
    # spec update shows up in review as one changed line per changed field.
    if not _holds_object(value):
        return json.dumps(value, sort_keys=True)
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {_dump(v, depth + 1)}" for k, v in sorted(value.items())]
        opening, closing = "{", "}"
    else:
        assert isinstance(value, list)
        items = [pad + _dump(v, depth + 1) for v in value]
        opening, closing = "[", "]"
    return f"{opening}\n" + ",\n".join(items) + f"\n{' ' * depth}{closing}"


def dumps(spec: CompactSpec) -> str:
    """The committed text of a compact spec: sorted keys, one field per line."""
    return _dump(spec, 0) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.fake_telegram.derive_spec",
        description="Write the compact Bot API spec of a full api.json.",
    )
    parser.add_argument("api_json", type=Path, help="api.json of telegram-bot-api-spec")
    parser.add_argument(
        "--output",
        type=Path,
        default=COMPACT_PATH,
        help=f"where to write the compact spec (default: {COMPACT_PATH.name} beside this script)",
    )
    args = parser.parse_args(argv)
    with open(args.api_json, encoding="utf-8") as fh:
        raw = json.load(fh)
    try:
        spec = derive(raw)
    except ValueError as exc:
        parser.error(f"{args.api_json}: {exc}")
    text = dumps(spec)
    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print(
        f"{args.output}: {spec['bot_api_version']} ({spec['release_date']}), "
        f"{len(spec['methods'])} methods, {len(spec['types'])} types, {len(text.encode())} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
