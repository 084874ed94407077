"""Telegram's text formatting (HTML, MarkdownV2, Markdown) turned into plain text + entities.

Mirrors the server-side parser closely enough that length limits are counted *after*
entity parsing and malformed markup is rejected like Telegram does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class EntityParseError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates plain text while tracking the UTF-16 offset."""

    parts: list[str] = field(default_factory=list)
    offset: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:  # Telegram silently drops empty entities
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    out = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            out.append({**entity, "offset": start, "length": end - start})
    return stripped, out


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain_text, entities) for ``text`` formatted with ``parse_mode``.

    Raises EntityParseError for malformed markup and ValueError for an unknown mode.
    """
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(
    r"""\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)


def _unescape_html(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return _NAMED[m.group(1)]
        code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
        return chr(code) if 0 < code <= 0x10FFFF else m.group(0)

    return _HTML_ENTITY.sub(repl, text)


def _find_tag_end(text: str, start: int) -> int:
    """Index of the '>' closing the tag opened at ``start`` (quotes respected), or -1."""
    quote = ""
    for j in range(start + 1, len(text)):
        ch = text[j]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return j
    return -1


def _parse_attrs(raw: str, tag: str, offset: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.rstrip().rstrip("/")
    while pos < len(raw):
        m = _ATTR.match(raw, pos)
        if not m or m.end() == pos:
            raise EntityParseError(
                f"Expected equal sign in declaration of an attribute of "
                f'the tag "{tag}" at byte offset {offset}'
            )
        value = next((g for g in m.group(2, 3, 4) if g is not None), "")
        attrs[m.group(1).lower()] = _unescape_html(value)
        pos = m.end()
    return attrs


@dataclass
class _Open:
    tag: str
    kind: str
    start: int
    attrs: dict[str, str]


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset."""
    out = _Builder()
    stack: list[_Open] = []
    i = 0
    plain_start = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in "<&":
            i += 1
            continue
        if i > plain_start:
            out.add(text[plain_start:i])
        if ch == "&":
            m = _HTML_ENTITY.match(text, i)
            if m:
                out.add(_unescape_html(m.group(0)))
                i = m.end()
            else:  # a bare '&' (or unsupported named entity) is kept verbatim
                out.add("&")
                i += 1
            plain_start = i
            continue
        offset = _byte_offset(text, i)
        end = _find_tag_end(text, i)
        if end < 0:
            raise EntityParseError(f"Can't find end of the tag starting at byte offset {offset}")
        inner = text[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
            top = stack.pop()
            if name != top.tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            _close_html(out, top, stack)
        else:
            m = re.match(r"([A-Za-z][A-Za-z0-9-]*)", inner)
            name = m.group(1).lower() if m else inner.split(" ", 1)[0]
            if name not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
            attrs = _parse_attrs(inner[len(name) :], name, offset)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            if name == "tg-emoji" and "emoji-id" not in attrs:
                raise EntityParseError(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
                )
            stack.append(_Open(name, _HTML_TAGS[name], out.offset, attrs))
        i = end + 1
        plain_start = i
    if plain_start < n:
        out.add(text[plain_start:])
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _close_html(out: _Builder, top: _Open, stack: list[_Open]) -> None:
    extra: dict[str, Any] = {}
    kind = top.kind
    if kind == "text_link":
        href = top.attrs.get("href")
        if not href:
            return  # Telegram ignores <a> without href
        if href.startswith("tg://user?id="):
            kind = "text_mention"
            extra["user"] = {
                "id": int(href.split("=", 1)[1] or 0),
                "is_bot": False,
                "first_name": "",
            }
        else:
            extra["url"] = href
    elif kind == "custom_emoji":
        extra["custom_emoji_id"] = top.attrs["emoji-id"]
    elif kind == "blockquote" and "expandable" in top.attrs:
        kind = "expandable_blockquote"
    elif kind == "date_time":
        if "unix" not in top.attrs:
            return
        extra["unix_time"] = int(top.attrs["unix"]) if top.attrs["unix"].isdigit() else 0
        if "format" in top.attrs:
            extra["date_time_format"] = top.attrs["format"]
    elif kind == "code" and stack and stack[-1].tag == "pre" and stack[-1].start == top.start:
        # <pre><code class="language-x"> is a single pre entity with a language
        lang = top.attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1].attrs["language"] = lang[len("language-") :]
        return
    elif kind == "pre" and top.attrs.get("language"):
        extra["language"] = top.attrs["language"]
    out.entity(kind, top.start, **extra)


# --------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2: every reserved character outside an entity must be escaped."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, byte offset of marker)
    quote: list[Any] | None = None  # [start, expandable]
    language = ""  # of the open pre block
    i, n = 0, len(text)
    line_start = True

    def toggle(kind: str, marker_len: int) -> None:
        nonlocal i
        for pos in range(len(stack) - 1, -1, -1):
            if stack[pos][0] == kind:
                _, start, _ = stack.pop(pos)
                out.entity(kind, start)
                break
        else:
            stack.append((kind, out.offset, _byte_offset(text, i)))
        i += marker_len

    while i < n:
        ch = text[i]
        if line_start:
            line_start = False
            if text.startswith("**>", i) and quote is None:
                quote = [out.offset, True]
                i += 3
                continue
            if ch == ">":
                if quote is None:
                    quote = [out.offset, False]
                i += 1
                continue
            if quote is not None:
                # the quote ended with the previous line (its trailing newline excluded)
                out.offset -= 1
                out.entity("expandable_blockquote" if quote[1] else "blockquote", quote[0])
                out.offset += 1
                quote = None
        top = stack[-1][0] if stack else None
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        if top in ("code", "pre"):
            if top == "pre" and text.startswith("```", i):
                kind, start, _ = stack.pop()
                out.entity("pre", start, **({"language": language} if language else {}))
                i += 3
            elif top == "code" and ch == "`":
                toggle("code", 1)
            else:
                out.add(ch)
                line_start = ch == "\n"
                i += 1
            continue
        if ch == "\n":
            out.add(ch)
            line_start = True
            i += 1
        elif ch == "`":
            if text.startswith("```", i):
                stack.append(("pre", out.offset, _byte_offset(text, i)))
                i += 3
                nl = text.find("\n", i)
                language = ""
                if nl > i and re.fullmatch(r"[\w+#-]+", text[i:nl]):
                    language = text[i:nl]
                    i = nl + 1  # language line
            else:
                toggle("code", 1)
        elif ch == "*":
            toggle("bold", 1)
        elif ch == "_":
            if text.startswith("__", i):
                toggle("underline", 2)
            else:
                toggle("italic", 1)
        elif ch == "~":
            toggle("strikethrough", 1)
        elif ch == "|" and text.startswith("||", i):
            tail = text[i + 2 : i + 3]
            if quote is not None and tail in ("", "\n") and "spoiler" not in [s[0] for s in stack]:
                quote[1] = True  # "||" ending a quote marks it expandable
                i += 2
            else:
                toggle("spoiler", 2)
        elif ch == "[":
            stack.append(("text_link", out.offset, _byte_offset(text, i)))
            i += 1
        elif ch == "!" and text.startswith("![", i):
            stack.append(("custom_emoji", out.offset, _byte_offset(text, i)))
            i += 2
        elif ch == "]" and top in ("text_link", "custom_emoji"):
            if not text.startswith("(", i + 1):
                raise EntityParseError(
                    f"Can't find end of {_MDV2_NAMES[top]} entity at byte offset {stack[-1][2]}"
                )
            url, i = _read_url(text, i + 2)
            kind, start, _ = stack.pop()
            if kind == "custom_emoji":
                out.entity(kind, start, custom_emoji_id=url.rsplit("=", 1)[-1])
            elif url:
                out.entity(kind, start, url=url)
        elif ch in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(ch)
            i += 1
    if stack:
        kind, _, offset = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}"
        )
    if quote is not None:
        out.entity("expandable_blockquote" if quote[1] else "blockquote", quote[0])
    return out.result()


def _read_url(text: str, i: int) -> tuple[str, int]:
    url: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            url.append(text[i + 1])
            i += 2
        elif ch == ")":
            return "".join(url), i + 1
        else:
            url.append(ch)
            i += 1
    raise EntityParseError("Can't find end of a URL")


# --------------------------------------------------------------------------- Markdown (legacy)

_MD_MARKERS = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown (no nesting, only _ * ` [ can be escaped)."""
    out = _Builder()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        offset = _byte_offset(text, i)
        missing = EntityParseError(
            f"Can't find end of the entity starting at byte offset {offset}"
        )
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
        elif text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise missing
            body = text[i + 3 : end]
            lang = ""
            first, sep, rest = body.partition("\n")
            if sep and re.fullmatch(r"[\w+#-]+", first):
                lang, body = first, rest
            start = out.offset
            out.add(body)
            out.entity("pre", start, **({"language": lang} if lang else {}))
            i = end + 3
        elif ch in _MD_MARKERS:
            end = text.find(ch, i + 1)
            if end < 0:
                raise missing
            start = out.offset
            out.add(text[i + 1 : end])
            out.entity(_MD_MARKERS[ch], start)
            i = end + 1
        elif ch == "[":
            close = text.find("]", i + 1)
            if close < 0 or not text.startswith("(", close + 1):
                raise missing
            end = text.find(")", close + 2)
            if end < 0:
                raise missing
            start = out.offset
            out.add(text[i + 1 : close])
            out.entity("text_link", start, url=text[close + 2 : end])
            i = end + 1
        else:
            out.add(ch)
            i += 1
    return out.result()
