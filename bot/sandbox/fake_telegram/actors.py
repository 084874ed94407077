"""The simulated people and chats that talk to the bot, and the server side of their actions.

Tests drive the bot through FakeUser, FakeGroup and FakeChannel: they post messages, tap
buttons, block the bot... Each action is stored in the chat and delivered as an update by
UserActions, the part of FakeTelegram that plays Telegram's role for incoming traffic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .chats import ChatState, _member_object
from .formatting import utf16_len
from .records import JSON, StoredMessage, _Callback
from .state import FakeState

if TYPE_CHECKING:
    from .core import FakeTelegram


def _command_entities(text: str) -> list[JSON]:
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def _keyboard_texts(markup: Mapping[str, Any] | None) -> list[list[str]] | None:
    if not markup:
        return None
    return [
        [b if isinstance(b, str) else b.get("text", "") for b in row]
        for row in markup.get("keyboard", [])
    ]


class _ChatView:
    """Read-only helpers shared by users, groups and channels."""

    fake: FakeTelegram
    _chat: ChatState

    @property
    def chat(self) -> ChatState:
        """Server-side state of the chat."""
        return self._chat

    @property
    def messages(self) -> list[StoredMessage]:
        """All bot messages in this chat, in order, including deleted ones (flagged)."""
        return [m for m in self.chat.messages if m.from_bot]

    @property
    def visible(self) -> list[StoredMessage]:
        """Bot messages not deleted."""
        return [m for m in self.messages if not m.deleted]

    @property
    def last(self) -> StoredMessage | None:
        """Newest bot message still visible."""
        visible = self.visible
        return visible[-1] if visible else None

    @property
    def texts(self) -> list[str | None]:
        """Plain text (caption for media) of the visible bot messages."""
        return [m.content for m in self.visible]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Current reply keyboard as rows of button texts (None if none)."""
        return _keyboard_texts(self.chat.reply_keyboard)

    def inline_buttons(self, message: StoredMessage | int | None = None) -> list[list[str]]:
        """Inline button texts of ``message`` (or of the newest visible one with buttons)."""
        if isinstance(message, int):
            found = self.chat.find(message)
            return found.buttons if found else []
        if message is not None:
            return message.buttons
        for msg in reversed(self.visible):
            if msg.buttons:
                return msg.buttons
        return []

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions (typing, ...) the bot sent here."""
        return list(self.chat.actions)


class FakeUser(_ChatView):
    """A Telegram user talking to the bot in a private chat."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self.blocked = False

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> JSON:
        """The User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def callback_answers(self) -> list[JSON]:
        """answerCallbackQuery parameters for this user's queries, in order."""
        return [
            c.answer
            for c in self.fake.callbacks.values()
            if c.user_id == self.id and c.answer is not None
        ]

    # ------------------------------------------------------------------ actions

    async def send(self, text: str) -> list[StoredMessage]:
        """Send a text message (a leading /command gets a bot_command entity)."""
        return await self.fake._post_user(self.chat, self, "text", text=text)

    async def reply_to(self, message_id: int, text: str) -> list[StoredMessage]:
        """Reply to message ``message_id`` of this chat."""
        if self.chat.find(message_id) is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._post_user(self.chat, self, "text", text=text, reply_to=message_id)

    async def edit(self, message_id: int, new_text: str) -> list[StoredMessage]:
        """Edit one of this user's text messages (edited_message update)."""
        msg = self.chat.find(message_id)
        if msg is None or msg.from_bot or msg.kind != "text":
            raise AssertionError(f"user message {message_id} not found")
        msg.edits.append(msg.text)
        msg.text = msg.raw_text = new_text
        msg.entities = _command_entities(new_text)
        msg.edit_date = int(self.fake.now())
        return await self.fake.deliver("edited_message", self.fake.message_dict(msg), self.id)

    async def send_sticker(self, emoji: str = "👍") -> list[StoredMessage]:
        """Send a sticker."""
        record = self.fake._new_file("sticker", b"RIFF-fake-webp")
        sticker = self.fake._file_object(record, "sticker", {})
        sticker["emoji"] = emoji
        return await self.fake._post_user(
            self.chat, self, "sticker", payload={"sticker": sticker}, file_id=record.file_id
        )

    async def send_photo(
        self, caption: str | None = None, *, content: bytes = b"\xff\xd8fake-jpeg"
    ) -> list[StoredMessage]:
        """Send a photo (three sizes, like Telegram)."""
        record = self.fake._new_file("photo", content)
        sizes = self.fake._photo_sizes(record)
        return await self.fake._post_user(
            self.chat,
            self,
            "photo",
            caption=caption,
            payload={"photo": sizes},
            file_id=sizes[-1]["file_id"],
        )

    async def send_voice(
        self, duration: int = 3, *, content: bytes = b"OggS-fake-voice"
    ) -> list[StoredMessage]:
        """Send a voice note."""
        record = self.fake._new_file("voice", content, mime_type="audio/ogg")
        voice = self.fake._file_object(record, "voice", {"duration": duration})
        return await self.fake._post_user(
            self.chat, self, "voice", payload={"voice": voice}, file_id=record.file_id
        )

    async def send_document(
        self,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        *,
        content: bytes = b"%PDF-1.4 fake",
        caption: str | None = None,
    ) -> list[StoredMessage]:
        """Send a document."""
        record = self.fake._new_file("document", content, file_name=file_name, mime_type=mime_type)
        document = self.fake._file_object(record, "document", {})
        return await self.fake._post_user(
            self.chat,
            self,
            "document",
            caption=caption,
            payload={"document": document},
            file_id=record.file_id,
        )

    async def send_contact(
        self, phone_number: str, *, own: bool = True, first_name: str | None = None
    ) -> list[StoredMessage]:
        """Share a phone number (own=True: the reply keyboard's "send my number" button)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if own:
            contact["user_id"] = self.id
        return await self.fake._post_user(self.chat, self, "contact", payload={"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> list[StoredMessage]:
        """Share a location."""
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return await self.fake._post_user(
            self.chat, self, "location", payload={"location": location}
        )

    async def tap(self, button_text: str) -> list[StoredMessage]:
        """Tap the button labelled ``button_text`` on the newest message that has it.

        Inline buttons send a callback_query; otherwise a matching reply-keyboard button
        sends its text. Raises AssertionError listing the available buttons.
        """
        return await self.fake._tap(self.chat, self, button_text)

    async def tap_in(self, message_id: int, button_text: str) -> list[StoredMessage]:
        """Tap an inline button of a specific (possibly older) message."""
        return await self.fake._tap(self.chat, self, button_text, message_id)

    async def press_callback(
        self, data: str, message_id: int | None = None
    ) -> list[StoredMessage]:
        """Send a callback_query with arbitrary (possibly forged) data."""
        if message_id is None:
            last = self.last
            if last is None:
                raise AssertionError("no bot message to attach the callback query to")
            message_id = last.message_id
        msg = self.chat.find(message_id)
        if msg is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._callback(self.chat, self, msg, data)

    def block(self) -> None:
        """Block the bot: sends to this chat now get 403 (no update is sent)."""
        self.blocked = True

    def unblock(self) -> None:
        """Unblock the bot (no update is sent)."""
        self.blocked = False

    async def block_and_notify(self) -> list[StoredMessage]:
        """Block the bot and deliver the my_chat_member update Telegram sends (kicked)."""
        self.block()
        return await self.fake._chat_member_update(
            self.chat, self, self.fake.bot_user, "member", "kicked"
        )

    async def unblock_and_notify(self) -> list[StoredMessage]:
        """Unblock the bot and deliver the my_chat_member update (member)."""
        self.unblock()
        return await self.fake._chat_member_update(
            self.chat, self, self.fake.bot_user, "kicked", "member"
        )


class FakeGroup(_ChatView):
    """A group or supergroup containing the bot."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self.fake = fake
        self._chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    def add_member(self, user: FakeUser, status: str = "member") -> None:
        """Make ``user`` a member ("member", "administrator", "creator", ...)."""
        self.chat.members[user.id] = status

    def set_bot_admin(self, admin: bool = True) -> None:
        """Change the bot's status without an update."""
        self.chat.bot_status = "administrator" if admin else "member"

    async def send(self, user: FakeUser, text: str) -> list[StoredMessage]:
        """``user`` posts ``text``; with privacy mode only commands, replies to the bot and
        mentions reach a non-admin bot (others return [] without an update)."""
        return await self.fake._post_user(self.chat, user, "text", text=text)

    async def reply_to(self, user: FakeUser, message_id: int, text: str) -> list[StoredMessage]:
        """``user`` replies to message ``message_id`` of the group."""
        if self.chat.find(message_id) is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        return await self.fake._post_user(self.chat, user, "text", text=text, reply_to=message_id)

    async def tap(self, user: FakeUser, button_text: str) -> list[StoredMessage]:
        """``user`` taps a button (see FakeUser.tap)."""
        return await self.fake._tap(self.chat, user, button_text)

    async def press_callback(
        self, user: FakeUser, data: str, message_id: int | None = None
    ) -> list[StoredMessage]:
        """``user`` sends a callback_query with arbitrary (possibly forged) data from a bot
        message of the group (by default the newest)."""
        if message_id is None:
            last = self.last
            if last is None:
                raise AssertionError("no bot message to attach the callback query to")
            message_id = last.message_id
        msg = self.chat.find(message_id)
        if msg is None:
            raise AssertionError(f"no message {message_id} in chat {self.id}")
        if user.id not in self.chat.members:
            self.chat.members[user.id] = "member"
        return await self.fake._callback(self.chat, user, msg, data)

    async def add_bot(self, by: FakeUser | None = None) -> list[StoredMessage]:
        """Add the bot (my_chat_member update left -> member)."""
        actor = by or self._admin()
        old = self.chat.bot_status
        self.chat.bot_status = "member"
        return await self.fake._chat_member_update(
            self.chat, actor, self.fake.bot_user, old if old != "member" else "left", "member"
        )

    async def remove_bot(self, by: FakeUser | None = None) -> list[StoredMessage]:
        """Remove the bot (my_chat_member update -> left); later sends get 403."""
        actor = by or self._admin()
        old = self.chat.bot_status
        self.chat.bot_status = "left"
        return await self.fake._chat_member_update(
            self.chat, actor, self.fake.bot_user, old, "left"
        )

    def _admin(self) -> FakeUser:
        for uid, status in self.chat.members.items():
            if status in ("creator", "administrator"):
                return self.fake.users[uid]
        admin = self.fake.user(999_000_000 + len(self.fake.users), "Admin")
        self.chat.members[admin.id] = "creator"
        return admin


class FakeChannel(_ChatView):
    """A channel where the bot is an administrator."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self.fake = fake
        self._chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    async def post(self, text: str) -> list[StoredMessage]:
        """Publish a channel post (channel_post update)."""
        msg = StoredMessage(
            message_id=self.fake._next_id(self.chat),
            chat_id=self.chat.id,
            from_bot=False,
            text=text,
            raw_text=text,
            date=int(self.fake.now()),
        )
        self.fake._store(self.chat, msg)
        return await self.fake.deliver("channel_post", self.fake.message_dict(msg), self.id)


# The server half of the actors above: FakeTelegram mixes it in, the actors call it.
class UserActions(FakeState):
    """Turns what simulated users do into stored messages and updates for the bot."""

    def _user_message(
        self,
        chat: ChatState,
        user: FakeUser,
        kind: str,
        *,
        text: str | None = None,
        caption: str | None = None,
        payload: JSON | None = None,
        reply_to: int | None = None,
        file_id: str | None = None,
    ) -> StoredMessage:
        entities = _command_entities(text) if text is not None else []
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=False,
            text=text,
            caption=caption,
            raw_text=text if text is not None else caption,
            entities=entities,
            kind=kind,
            file_id=file_id,
            date=int(self.now()),
            from_user_id=user.id,
            reply_to_message_id=reply_to,
            payload=payload or {},
        )
        if chat.type != "private" and user.id not in chat.members:
            chat.members[user.id] = "member"
        return self._store(chat, msg)

    async def _post_user(
        self, chat: ChatState, user: FakeUser, kind: str, **kw: Any
    ) -> list[StoredMessage]:
        msg = self._user_message(chat, user, kind, **kw)
        if chat.type != "private" and not self._bot_sees(chat, msg):
            return []
        update_kind = "channel_post" if chat.type == "channel" else "message"
        return await self.deliver(update_kind, self.message_dict(msg), chat.id)

    def _bot_sees(self, chat: ChatState, msg: StoredMessage) -> bool:
        """Whether Telegram would deliver a group message to the bot (privacy mode)."""
        if chat.bot_status in ("left", "kicked"):
            return False
        if not self.privacy_mode or chat.bot_status in ("administrator", "creator"):
            return True
        text = msg.text or msg.caption or ""
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            return "@" not in command or command.endswith(f"@{self.bot_username}")
        replied = chat.find(msg.reply_to_message_id) if msg.reply_to_message_id else None
        return (replied is not None and replied.from_bot) or f"@{self.bot_username}" in text

    async def _tap(
        self, chat: ChatState, user: FakeUser, button_text: str, message_id: int | None = None
    ) -> list[StoredMessage]:
        candidates = [
            m
            for m in reversed(chat.messages)
            if m.from_bot and not m.deleted and (message_id is None or m.message_id == message_id)
        ]
        for msg in candidates:
            button = msg.find_button(button_text)
            if button is None:
                continue
            if "callback_data" not in button:
                raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
            return await self._callback(chat, user, msg, button["callback_data"])
        keyboard = chat.reply_keyboard
        if message_id is None and keyboard is not None:
            for row in keyboard.get("keyboard", []):
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if label == button_text:
                        return await self._post_user(chat, user, "text", text=button_text)
        available = {m.message_id: m.buttons for m in candidates if m.buttons}
        raise AssertionError(
            f"no button {button_text!r} in chat {chat.id}; inline buttons by message: "
            f"{available}; reply keyboard: {_keyboard_texts(keyboard)}"
        )

    async def _callback(
        self, chat: ChatState, user: FakeUser, msg: StoredMessage, data: str
    ) -> list[StoredMessage]:
        self._callback_counter += 1
        query_id = f"{self.bot_id}{self._callback_counter:09d}"
        self.callbacks[query_id] = _Callback(query_id, user.id, chat.id, msg.message_id, data)
        payload = {
            "id": query_id,
            "from": user.to_dict(),
            "message": self.message_dict(msg),
            "chat_instance": str((chat.id * 2654435761 + self.bot_id) % 10**18),
            "data": data,
        }
        return await self.deliver("callback_query", payload, chat.id)

    async def _chat_member_update(
        self, chat: ChatState, actor: FakeUser, member: JSON, old: str, new: str
    ) -> list[StoredMessage]:
        payload = {
            "chat": chat.to_dict(),
            "from": actor.to_dict(),
            "date": int(self.now()),
            "old_chat_member": _member_object(self.spec, old, member),
            "new_chat_member": _member_object(self.spec, new, member),
        }
        return await self.deliver("my_chat_member", payload, chat.id)
