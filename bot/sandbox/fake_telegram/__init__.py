"""A faithful fake of the Telegram Bot API, validated against the official spec.

Typical in-process use::

    fake = FakeTelegram()
    bot = telegram.Bot(fake.token, request=ptb_request(fake))
    alice = fake.user(42, "Alice")
    fake.set_update_sink(handle_update_dict)
    replies = await alice.send("/start")
    assert fake.violations == []
"""

from .actors import FakeChannel, FakeGroup, FakeUser
from .chats import ChatState
from .core import FakeTelegram, is_send_method
from .formatting import EntityParseError, parse, utf16_len
from .records import (
    ApiError,
    FileRecord,
    RequestRecord,
    SimulatedTimeout,
    Stats,
    StoredMessage,
    Violation,
)
from .server import LoopbackServer, ThreadedLoopbackServer, run_in_thread, state_snapshot
from .spec import ApiSpec, default_spec_path, load_spec, validate_call
from .transport import decode_body, dispatch, mock_transport, ptb_request

__all__ = [
    "ApiError",
    "ApiSpec",
    "ChatState",
    "EntityParseError",
    "FakeChannel",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "FileRecord",
    "LoopbackServer",
    "RequestRecord",
    "SimulatedTimeout",
    "Stats",
    "StoredMessage",
    "ThreadedLoopbackServer",
    "Violation",
    "decode_body",
    "default_spec_path",
    "dispatch",
    "is_send_method",
    "load_spec",
    "mock_transport",
    "parse",
    "ptb_request",
    "run_in_thread",
    "state_snapshot",
    "utf16_len",
    "validate_call",
]
