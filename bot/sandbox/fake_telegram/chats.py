"""Server-side state of one chat, and the Chat / ChatMember objects built from it.

A chat (private, group, supergroup or channel) owns its message history, its reply keyboard,
the bot's membership and the other members; the fake looks chats up by id and mutates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import JSON, StoredMessage
from .spec import ApiSpec

if TYPE_CHECKING:
    from .actors import FakeUser


class ChatState:
    """Server-side state of one chat."""

    def __init__(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        user: FakeUser | None = None,
        username: str | None = None,
    ) -> None:
        self.id = chat_id
        self.type = chat_type
        self.title = title
        self.user = user
        self.username = username
        self.messages: list[StoredMessage] = []
        self.next_message_id = 1
        self.reply_keyboard: JSON | None = None
        self.bot_status = "administrator" if chat_type == "channel" else "member"
        self.members: dict[int, str] = {}
        self.actions: list[str] = []

    def to_dict(self) -> JSON:
        """The Chat object."""
        chat: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        else:
            chat["title"] = self.title or ""
            if self.username:
                chat["username"] = self.username
        return chat

    def find(self, message_id: Any) -> StoredMessage | None:
        for msg in self.messages:
            if msg.message_id == message_id and not msg.deleted:
                return msg
        return None


def _member_object(spec: ApiSpec, status: str, user: JSON) -> JSON:
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        for name, fs in spec.types["ChatMemberAdministrator"].items():
            if fs.required and fs.types == ("Boolean",):
                member[name] = name not in ("is_anonymous", "can_be_edited")
    elif status == "restricted":
        for name, fs in spec.types["ChatMemberRestricted"].items():
            if fs.required and name not in member:
                member[name] = 0 if fs.types == ("Integer",) else True
    elif status == "kicked":
        member["until_date"] = 0
    return member
