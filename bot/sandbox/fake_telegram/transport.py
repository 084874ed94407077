"""HTTP plumbing shared by the in-process httpx transport and the loopback server."""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import httpx
from telegram.request import HTTPXRequest

from .core import SimulatedTimeout, Violation

if TYPE_CHECKING:
    from .core import FakeTelegram

_API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_PARAM = r'(?:^|;)\s*{}="((?:[^"\\]|\\.)*)"'


@dataclass
class HttpResponse:
    """What to send back to the HTTP client."""

    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class DecodedBody:
    """Form fields, file parts and their filenames of one request."""

    params: dict[str, str]
    files: dict[str, bytes]
    filenames: dict[str, str]


def json_response(status: int, body: Mapping[str, Any]) -> HttpResponse:
    return HttpResponse(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def parse_multipart(body: bytes, content_type: str) -> DecodedBody:
    """Split a multipart/form-data body into text fields and file parts."""
    match = _BOUNDARY.search(content_type)
    if not match:
        raise ValueError("multipart body without boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    out = DecodedBody({}, {}, {})
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, _, content = chunk.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value.strip()
        name_match = re.search(_PARAM.format("name"), disposition)
        if not name_match:
            continue
        name = _unescape_param(name_match.group(1))
        file_match = re.search(_PARAM.format("filename"), disposition)
        if file_match:
            out.files[name] = content
            out.filenames[name] = _unescape_param(file_match.group(1))
        else:
            out.params[name] = content.decode("utf-8")
    return out


def _unescape_param(value: str) -> str:
    # httpx escapes '"' as %22, control characters as %XX and '\\' as '\\\\' (HTML5 forms).
    value = re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")


def decode_body(content_type: str, body: bytes, query: str = "") -> DecodedBody:
    """Decode a Bot API request body (urlencoded, multipart or JSON) plus query string."""
    decoded = DecodedBody(dict(parse_qsl(query, keep_blank_values=True)), {}, {})
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "multipart/form-data":
        multipart = parse_multipart(body, content_type)
        decoded.params.update(multipart.params)
        decoded.files, decoded.filenames = multipart.files, multipart.filenames
    elif ctype == "application/json" and body.strip():
        data = json.loads(body)
        decoded.params.update(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        )
    elif body:
        decoded.params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return decoded


async def dispatch(
    fake: FakeTelegram,
    http_method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    query: str = "",
) -> HttpResponse:
    """Route one HTTP request to the fake. Raises SimulatedTimeout for injected timeouts."""
    path = unquote(path)
    file_match = _FILE_PATH.search(path)
    if file_match and http_method.upper() == "GET":
        status, content = fake.download(file_match.group("token"), file_match.group("path"))
        ctype = "application/octet-stream" if status == 200 else "application/json"
        return HttpResponse(status, content, ctype)
    api_match = _API_PATH.search(path)
    if not api_match:
        return json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    try:
        decoded = decode_body(content_type, body, query)
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"undecodable request body: {exc}"
        fake.violations.append(Violation(api_match.group("method"), {}, problem))
        return json_response(
            400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        )
    try:
        status, payload = await fake.handle(
            api_match.group("token"),
            api_match.group("method"),
            decoded.params,
            decoded.files,
            filenames=decoded.filenames,
        )
    except SimulatedTimeout:
        raise
    except Exception as exc:  # a crash of the fake must fail the test, not hide in the bot
        problem = f"fake crashed: {exc!r}\n{traceback.format_exc()}"
        fake.violations.append(Violation(api_match.group("method"), decoded.params, problem))
        return json_response(
            500, {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"}
        )
    return json_response(status, payload)


def mock_transport(fake: FakeTelegram) -> httpx.MockTransport:
    """An httpx transport answering every request from ``fake`` (any host is accepted)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        try:
            response = await dispatch(
                fake,
                request.method,
                request.url.path,
                request.headers,
                request.content,
                request.url.query.decode("ascii"),
            )
        except SimulatedTimeout as exc:
            raise httpx.ReadTimeout("injected timeout", request=request) from exc
        return httpx.Response(
            response.status, content=response.body, headers={"content-type": response.content_type}
        )

    return httpx.MockTransport(handler)


def ptb_request(fake: FakeTelegram, **kwargs: Any) -> HTTPXRequest:
    """A PTB request object that talks to ``fake`` in-process (default base_url works)."""
    httpx_kwargs = {**kwargs.pop("httpx_kwargs", {}), "transport": mock_transport(fake)}
    return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)
