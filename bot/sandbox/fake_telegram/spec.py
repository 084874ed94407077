"""Official Bot API spec loading and strict validation of calls and objects.

The spec is the compact ``bot_api_spec.json`` committed beside this module (see
``derive_spec.py``), or the file named by $TELEGRAM_API_SPEC: either such a compact file or a
full api.json of https://github.com/PaulSonOfLars/telegram-bot-api-spec, which is reduced in
memory by the same :func:`derive` that wrote the committed file, so both validate identically.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .formatting import EntityParseError, parse

if TYPE_CHECKING:
    from .derive_spec import CompactSpec, FieldEntry

SPEC_ENV = "TELEGRAM_API_SPEC"
# Written by derive_spec.py (its COMPACT_PATH); a fresh clone validates against this file.
COMPACT_SPEC_PATH = Path(__file__).with_name("bot_api_spec.json")
SCALARS = frozenset({"String", "Integer", "Float", "Boolean"})
_INT_RE = re.compile(r"-?\d+")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_URL_RE = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)
# Keyboard button fields that do not count as the button's "action".
_BUTTON_DECOR = frozenset({"text", "icon_custom_emoji_id", "style"})
# PTB's ExtBot fills these from telegram.ext.Defaults into *every* message method, even where
# the Bot API has no such parameter (sendSticker, editMessageReplyMarkup, ...). Telegram ignores
# them, and the bot author cannot avoid them, so they are not reported as unknown.
PTB_DEFAULTS = frozenset(
    {"parse_mode", "disable_notification", "protect_content", "link_preview_options"}
)
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def default_spec_path() -> Path:
    """Spec location: $TELEGRAM_API_SPEC if set and non-empty, else the committed compact file."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override)
    return COMPACT_SPEC_PATH


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    limit: tuple[int, int, str] | None  # (min, max, "characters"|"bytes")
    formatted: bool  # the limit counts the text after entities parsing
    const: str | None  # the value this field must have, on union members' discriminators


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part (the value of an InputFile parameter)."""

    part: str
    content: bytes


def _fields(entries: list[FieldEntry]) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for f in entries:
        lim = f.get("limit")
        limit = (int(lim[0]), int(lim[1]), str(lim[2])) if lim else None
        out[f["name"]] = FieldSpec(
            f["name"],
            tuple(f["types"]),
            bool(f["required"]),
            limit,
            bool(f.get("formatted", False)),
            f.get("const"),
        )
    return out


def as_compact(raw: Mapping[str, Any]) -> CompactSpec:
    """``raw`` in the compact format, derived in memory when it is a full api.json."""
    # Loaded on use, not at the top: the package imports this module, and an eager import
    # would make `python -m bot.sandbox.fake_telegram.derive_spec` warn that it ran a
    # module already loaded.
    deriving = importlib.import_module(".derive_spec", __package__)
    if deriving.is_compact(raw):
        return cast("CompactSpec", raw)  # as written by derive_spec, not re-checked
    return cast("CompactSpec", deriving.derive(raw))


class ApiSpec:
    """Parsed spec with validators for inbound calls and outbound objects.

    ``raw`` is the loaded JSON of a compact spec or of a full api.json.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        spec = as_compact(raw)
        self.version: str = spec["bot_api_version"]
        self.methods: dict[str, dict[str, FieldSpec]] = {
            name: _fields(m["fields"]) for name, m in spec["methods"].items()
        }
        self.returns: dict[str, tuple[str, ...]] = {
            name: tuple(m["returns"]) for name, m in spec["methods"].items()
        }
        self.types: dict[str, dict[str, FieldSpec]] = {
            name: _fields(t["fields"]) for name, t in spec["types"].items()
        }
        self.subtypes: dict[str, tuple[str, ...]] = {
            name: tuple(t["subtypes"]) for name, t in spec["types"].items() if "subtypes" in t
        }
        self.string_allowed: frozenset[str] = frozenset(
            name for name, t in spec["types"].items() if t.get("string_allowed", False)
        )
        # For union members: the constant of their "type"/"status"/"source" field.
        self.discriminators: dict[str, tuple[str, str]] = {}
        for members in self.subtypes.values():
            for member in members:
                for fs in self.types.get(member, {}).values():
                    if fs.const is not None:
                        self.discriminators[member] = (fs.name, fs.const)
                        break
        self._lower = {name.lower(): name for name in self.methods}

    # ------------------------------------------------------------------ lookups

    def canonical_method(self, name: str) -> str | None:
        """Telegram matches method names case-insensitively."""
        return self._lower.get(name.lower())

    def leaf_types(self, type_name: str) -> list[str]:
        """Concrete types of a (possibly nested) union."""
        if type_name not in self.subtypes:
            return [type_name]
        return [leaf for sub in self.subtypes[type_name] for leaf in self.leaf_types(sub)]

    # ------------------------------------------------------------------ inbound calls

    def check_call(
        self, method: str, params: Mapping[str, str], files: Mapping[str, bytes] | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """Decode form values of a call per the spec; return (values, problems)."""
        files = files or {}
        fields = self.methods[method]
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name in params:
            if name not in fields and name not in PTB_DEFAULTS:
                problems.append(f"unknown parameter {name!r} for method {method}")
        for name, fs in fields.items():
            if name in params:
                value, errs = self._decode(fs, params[name], files)
                problems.extend(errs)
                if not errs:
                    values[name] = value
            elif "InputFile" in fs.types and name in files:
                values[name] = Upload(name, files[name])
            elif fs.required:
                problems.append(f"parameter {name!r} is required for method {method}")
        if not problems:
            problems.extend(self._rules(method, fields, values, "", files))
            problems.extend(self._method_rules(method, values))
        return values, problems

    def _decode(
        self, fs: FieldSpec, raw: str, files: Mapping[str, bytes]
    ) -> tuple[Any, list[str]]:
        types = fs.types
        where = f"parameter {fs.name!r}"
        if "InputFile" in types and raw.startswith("attach://"):
            part = raw[len("attach://") :]
            if part not in files:
                return None, [f"{where}: file part {part!r} referenced by attach:// is missing"]
            return Upload(part, files[part]), []
        if "Integer" in types and _INT_RE.fullmatch(raw.strip()):
            return int(raw), []
        if "String" in types:
            return raw, []
        if types == ("Integer",):
            return None, [f"{where}: expected Integer, got {raw!r}"]
        if types == ("Float",):
            try:
                return float(raw), []
            except ValueError:
                return None, [f"{where}: expected Float, got {raw!r}"]
        if types == ("Boolean",):
            low = raw.lower()
            if low in ("true", "false"):
                return low == "true", []
            return None, [f"{where}: expected Boolean (true/false), got {raw!r}"]
        try:
            value = json.loads(raw)
        except ValueError:
            return None, [f"{where}: can't parse JSON: {raw[:80]!r}"]
        return value, self.check_value(types, value, fs.name, inbound=True, files=files)

    # ------------------------------------------------------------------ JSON values

    def check_value(
        self,
        types: tuple[str, ...] | list[str],
        value: Any,
        path: str,
        *,
        inbound: bool,
        files: Mapping[str, bytes] | None = None,
    ) -> list[str]:
        """Problems of a JSON value that may be any of ``types`` (empty = valid)."""
        results = [self._check_one(t, value, path, inbound, files) for t in types]
        if any(not r for r in results):
            return []
        if len(results) == 1:
            return results[0]
        # Report the alternative the caller most plausibly meant.
        if isinstance(value, dict):
            for t, r in zip(types, results, strict=True):
                leaf = self.types.get(t, {})
                if leaf and all(k in value for k, f in leaf.items() if f.required):
                    return r
        scores = [sum(100 if _is_mismatch(p) else 1 for p in r) for r in results]
        best = [r for r, score in zip(results, scores, strict=True) if score == min(scores)]
        if len(best) == 1:
            return best[0]
        return [f"{path}: value {_short(value)} matches none of {', '.join(types)}"]

    def _check_one(
        self, t: str, value: Any, path: str, inbound: bool, files: Mapping[str, bytes] | None
    ) -> list[str]:
        if t.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {t}, got {_short(value)}"]
            inner = t[len("Array of ") :]
            out: list[str] = []
            for i, item in enumerate(value):
                out.extend(self._check_one(inner, item, f"{path}[{i}]", inbound, files))
            return out
        if t == "String" or t == "InputFile":
            if isinstance(value, str):
                part = value[len("attach://") :] if value.startswith("attach://") else None
                if inbound and part is not None and files is not None and part not in files:
                    return [f"{path}: file part referenced by {value!r} is missing"]
                return []
            return [f"{path}: expected String, got {_short(value)}"]
        if t == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
            return [] if ok else [f"{path}: expected Integer, got {_short(value)}"]
        if t == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return [] if ok else [f"{path}: expected Float, got {_short(value)}"]
        if t == "Boolean":
            return (
                []
                if isinstance(value, bool)
                else [f"{path}: expected Boolean, got {_short(value)}"]
            )
        if t in self.subtypes:
            return self._check_union(t, value, path, inbound, files)
        if t not in self.types:
            return [f"{path}: spec has no type {t!r}"]
        if inbound and isinstance(value, str) and t in self.string_allowed:
            return [] if value else [f"{path}: button text must be non-empty"]
        return self.check_object(t, value, path, inbound=inbound, files=files)

    def _check_union(
        self, t: str, value: Any, path: str, inbound: bool, files: Mapping[str, bytes] | None
    ) -> list[str]:
        leaves = self.leaf_types(t)
        if not isinstance(value, dict):
            # Some unions admit non-object members (e.g. RichText includes String).
            plain = [leaf for leaf in leaves if leaf in SCALARS or leaf.startswith("Array of ")]
            if any(not self._check_one(leaf, value, path, inbound, files) for leaf in plain):
                return []
            return [f"{path}: expected {t} object, got {_short(value)}"]
        tagged = [
            leaf
            for leaf in leaves
            if leaf in self.discriminators
            and value.get(self.discriminators[leaf][0]) == self.discriminators[leaf][1]
        ]
        if tagged:
            results = [
                self.check_object(leaf, value, path, inbound=inbound, files=files)
                for leaf in tagged
            ]
            return [] if any(not r for r in results) else results[0]
        keys = {self.discriminators[leaf][0] for leaf in leaves if leaf in self.discriminators}
        if keys:
            key = sorted(keys)[0]
            return [f"{path}: unknown {t} {key} {value.get(key)!r}"]
        for leaf in leaves:
            if not self.check_object(leaf, value, path, inbound=inbound, files=files):
                return []
        return [f"{path}: value {_short(value)} matches no variant of {t}"]

    def check_object(
        self,
        type_name: str,
        obj: Any,
        path: str,
        *,
        inbound: bool = False,
        files: Mapping[str, bytes] | None = None,
    ) -> list[str]:
        """Problems of ``obj`` as an instance of ``type_name`` (unions resolved)."""
        if type_name in self.subtypes:
            return self._check_union(type_name, obj, path, inbound, files)
        if not isinstance(obj, dict):
            return [f"{path}: expected {type_name} object, got {_short(obj)}"]
        fields = self.types[type_name]
        if type_name in self.discriminators:
            key, const = self.discriminators[type_name]
            if obj.get(key) != const:
                return [f"{_join(path, key)}: must be {const!r} for {type_name}"]
        problems = [
            f"{_join(path, k)}: unknown field for {type_name}" for k in obj if k not in fields
        ]
        for name, fs in fields.items():
            if name in obj:
                problems.extend(
                    self.check_value(
                        fs.types, obj[name], _join(path, name), inbound=inbound, files=files
                    )
                )
            elif fs.required:
                problems.append(f"{_join(path, name)}: required field of {type_name} is missing")
        if inbound and not problems:
            problems.extend(self._rules(type_name, fields, obj, path, files or {}))
        return problems

    def check_returns(self, method: str, result: Any) -> list[str]:
        """Problems of a result the fake produced for ``method`` (self-check)."""
        return self.check_value(self.returns[method], result, f"{method} result", inbound=False)

    # ------------------------------------------------------------------ value rules

    def _rules(
        self,
        owner: str,
        fields: Mapping[str, FieldSpec],
        values: Mapping[str, Any],
        path: str,
        files: Mapping[str, bytes],
    ) -> list[str]:
        """Telegram's value limits for one object or call (its own fields only)."""
        problems: list[str] = []
        for name, fs in fields.items():
            value = values.get(name)
            if not isinstance(value, str):
                continue
            where = _join(path, name)
            if name.endswith("parse_mode"):
                if value and value.lower() not in PARSE_MODES:
                    problems.append(f"unsupported parse_mode {value!r} ({where})")
                continue
            if fs.limit is None:
                continue
            low, high, unit = fs.limit
            measured = value
            mode_field = f"{name}_parse_mode" if f"{name}_parse_mode" in fields else "parse_mode"
            entities_field = f"{name}_entities" if f"{name}_entities" in fields else "entities"
            mode = values.get(mode_field)
            formatted = fs.formatted or mode_field in fields
            if formatted and mode and isinstance(mode, str) and entities_field not in values:
                try:
                    measured, _ = parse(value, mode)
                except EntityParseError as exc:
                    problems.append(f"can't parse entities: {exc}")
                    continue
                except ValueError:
                    continue  # unsupported mode is reported on the parse_mode field
            if formatted:
                measured = measured.strip()  # Telegram trims text and captions
            size = len(measured.encode("utf-8")) if unit == "bytes" else len(measured)
            if name in ("text", "message_text") and not measured.strip() and low >= 1:
                problems.append(f"message text is empty ({where})")
            elif not low <= size <= high:
                label = _LIMIT_LABELS.get(name, f"{name} has invalid length")
                if name in ("text", "message_text") and size < low:
                    label = "message text is empty"
                problems.append(f"{label} ({where}: {size} {unit}, allowed {low}-{high})")
        if owner == "BotCommand":
            command = values.get("command", "")
            if isinstance(command, str) and not _COMMAND_RE.fullmatch(command):
                problems.append(
                    f"BOT_COMMAND_INVALID ({_join(path, 'command')}: {command!r} must be 1-32 "
                    "characters of a-z, 0-9 and _)"
                )
        elif owner in ("InlineKeyboardButton", "KeyboardButton"):
            actions = [k for k in values if k in fields and k not in _BUTTON_DECOR]
            if not values.get("text"):
                problems.append(f"BUTTON_TEXT_INVALID ({_join(path, 'text')}: must be non-empty)")
            if owner == "InlineKeyboardButton" and len(actions) != 1:
                problems.append(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used ({path}: got {actions or 'none'})"
                )
            if owner == "KeyboardButton" and len(actions) > 1:
                problems.append(f"keyboard button has several actions ({path}: {actions})")
            url = values.get("url")
            if owner == "InlineKeyboardButton" and isinstance(url, str) and not _URL_RE.match(url):
                problems.append(f"BUTTON_URL_INVALID ({_join(path, 'url')}: {url!r})")
        elif owner == "ReplyKeyboardRemove" and values.get("remove_keyboard") is not True:
            problems.append(f"{_join(path, 'remove_keyboard')} must be true")
        elif owner == "ForceReply" and values.get("force_reply") is not True:
            problems.append(f"{_join(path, 'force_reply')} must be true")
        return problems

    def _method_rules(self, method: str, values: Mapping[str, Any]) -> list[str]:
        if method == "sendChatAction" and values.get("action") not in CHAT_ACTIONS:
            return [f"wrong parameter action in request ({values.get('action')!r})"]
        return []


_LIMIT_LABELS = {
    "text": "message is too long",
    "message_text": "message is too long",
    "caption": "message caption is too long",
    "callback_data": "BUTTON_DATA_INVALID",
    "command": "BOT_COMMAND_INVALID",
    "description": "description has invalid length",
}


def _is_mismatch(problem: str) -> bool:
    """Whether a problem says "wrong type/variant" rather than "right type, bad value"."""
    return any(m in problem for m in ("expected ", "must be '", "matches n", "unknown field"))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@functools.cache
def _load(path: str) -> ApiSpec:
    with open(path, encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load (once per path) and return the parsed spec."""
    target = Path(path) if path is not None else default_spec_path()
    if not target.is_file():
        raise FileNotFoundError(
            f"Bot API spec not found at {target}; point ${SPEC_ENV} at an api.json or a compact"
            f" spec, or leave it empty to use {COMPACT_SPEC_PATH.name} from the repository"
        )
    return _load(str(target.resolve()))


def validate_call(
    method: str, params: Mapping[str, str], files: Mapping[str, bytes] | None = None
) -> list[str]:
    """Problems of one Bot API call given as form values (empty list = valid)."""
    spec = load_spec()
    canonical = spec.canonical_method(method)
    if canonical is None:
        return [f"unknown method {method!r}"]
    return spec.check_call(canonical, params, files)[1]
