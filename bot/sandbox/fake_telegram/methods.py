"""The Bot API methods the fake simulates, one ``_api_<method>`` per method.

FakeTelegram._execute dispatches a validated call to ``_api_<canonical name>``; a method with
no handler here is accepted only if the spec says it returns a bare Boolean. The helpers at
the top turn API parameters (text + parse_mode, reply_markup, reply_parameters, input files)
into stored bot messages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from .chats import ChatState, _member_object
from .formatting import EntityParseError, parse, strip_text
from .records import _CONFLICT_POLL, JSON, ApiError, FileRecord, Parts, StoredMessage
from .spec import Upload
from .state import DEFAULT_ALLOWED, FakeState

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    scope = dict(scope or {"type": "default"})
    return json.dumps(scope, sort_keys=True)


class ApiMethods(FakeState):
    """Handlers for the simulated Bot API methods and the message building they share."""

    # ------------------------------------------------------------------ outgoing messages

    def _formatted(
        self, text: str, parse_mode: str | None, entities: list[JSON] | None
    ) -> tuple[str, list[JSON]]:
        if entities is not None or not parse_mode:
            return strip_text(text, list(entities or []))
        try:
            plain, parsed = strip_text(*parse(text, parse_mode))
        except (EntityParseError, ValueError) as exc:  # already rejected by the spec check
            raise ApiError(
                400, f"Bad Request: can't parse entities: {exc}", violation=True
            ) from exc
        for entity in parsed:  # tg://user?id= links mention the full user, as on Telegram
            if entity["type"] == "text_mention" and entity["user"]["id"] in self.users:
                entity["user"] = self.users[entity["user"]["id"]].to_dict()
        return plain, parsed

    def _apply_markup(
        self, chat: ChatState, values: Mapping[str, Any]
    ) -> tuple[JSON | None, JSON | None]:
        """Return (inline markup echoed back, reply keyboard) and update the chat keyboard."""
        markup = values.get("reply_markup")
        if not isinstance(markup, dict):
            return None, None
        if "inline_keyboard" in markup:
            return markup, None
        if "keyboard" in markup:
            chat.reply_keyboard = markup
            return None, markup
        if markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None, None

    def _reply_target(self, chat: ChatState, values: Mapping[str, Any]) -> int | None:
        params = values.get("reply_parameters")
        if not isinstance(params, dict):
            return None
        target_chat = chat
        if "chat_id" in params:
            target_chat = self._resolve_chat(params["chat_id"])
        if target_chat.find(params.get("message_id")) is None:
            if params.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found", violation=True)
        return int(params["message_id"]) if target_chat is chat else None

    def _bot_message(
        self,
        chat: ChatState,
        values: Mapping[str, Any],
        kind: str,
        payload: JSON | None = None,
        file_id: str | None = None,
    ) -> StoredMessage:
        reply_to = self._reply_target(chat, values)
        raw_text = values.get("text") if kind == "text" else values.get("caption")
        entity_field = "entities" if kind == "text" else "caption_entities"
        plain: str | None = None
        entities: list[JSON] = []
        if isinstance(raw_text, str):
            plain, entities = self._formatted(
                raw_text, values.get("parse_mode"), values.get(entity_field)
            )
        inline, keyboard = self._apply_markup(chat, values)
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=True,
            text=plain if kind == "text" else None,
            caption=plain if kind != "text" else None,
            parse_mode=values.get("parse_mode"),
            raw_text=raw_text,
            entities=entities,
            reply_markup=inline,
            reply_keyboard=keyboard,
            kind=kind,
            file_id=file_id,
            date=int(self.now()),
            reply_to_message_id=reply_to,
            payload=payload or {},
        )
        return self._store(chat, msg)

    def _input_file(self, value: Any, kind: str, parts: Parts) -> FileRecord:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://") :]
            value = Upload(name, parts[name][1]) if name in parts else value
        if isinstance(value, Upload):
            filename = parts[value.part][0] if value.part in parts else None
            return self._new_file(kind, value.content, file_name=filename)
        if isinstance(value, str):
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                return self._new_file(kind, b"", file_name=value.rsplit("/", 1)[-1] or None)
        raise ApiError(
            400, "Bad Request: wrong file identifier/HTTP URL specified", violation=True
        )

    async def _send_media(
        self, kind: str, values: Mapping[str, Any], chat: ChatState | None, parts: Parts
    ) -> JSON:
        assert chat is not None
        record = self._input_file(values[kind], kind, parts)
        if kind == "photo":
            payload: JSON = {"photo": self._photo_sizes(record)}
        else:
            payload = {kind: self._file_object(record, kind, values)}
            if kind == "animation":  # Telegram mirrors animations as documents
                payload["document"] = self._file_object(record, "document", values)
        msg = self._bot_message(chat, values, kind, payload, record.file_id)
        return self.message_dict(msg)

    # ------------------------------------------------------------------ bot, webhook and updates

    async def _api_getMe(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        return self.bot_user

    async def _api_logOut(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        return True

    async def _api_close(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        return True

    async def _api_setWebhook(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        self.webhook_url = values["url"]
        if values.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_deleteWebhook(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        self.webhook_url = ""
        if values.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_getWebhookInfo(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _api_getUpdates(self, values: JSON, chat: ChatState | None, _: Parts) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violation=True,
            )
        allowed = values.get("allowed_updates")
        if allowed is not None:
            self._allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        offset = values.get("offset", 0)
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = min(max(values.get("limit", 100), 1), 100)
        timeout = max(values.get("timeout", 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll so that it reports the conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                # Grace period: a poll whose client just hung up (bot restarting) is cancelled
                # by the server meanwhile and is not a real conflict.
                await asyncio.sleep(0.1)
                self.stats.poll_conflicts += 1
                raise ApiError(409, _CONFLICT_POLL)
            if self._queue or loop.time() >= deadline:
                return self._queue[:limit]
            await self._wait_change(deadline - loop.time())

    # ------------------------------------------------------------------ sending

    async def _api_sendMessage(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        return self.message_dict(self._bot_message(chat, values, "text"))

    async def _api_sendPhoto(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("photo", values, chat, f)

    async def _api_sendVoice(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("voice", values, chat, f)

    async def _api_sendDocument(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("document", values, chat, f)

    async def _api_sendAudio(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("audio", values, chat, f)

    async def _api_sendVideo(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("video", values, chat, f)

    async def _api_sendAnimation(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("animation", values, chat, f)

    async def _api_sendSticker(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("sticker", values, chat, f)

    async def _api_sendVideoNote(self, values: JSON, chat: ChatState | None, f: Parts) -> JSON:
        return await self._send_media("video_note", values, chat, f)

    async def _api_sendLocation(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        location = {"latitude": float(values["latitude"]), "longitude": float(values["longitude"])}
        return self.message_dict(
            self._bot_message(chat, values, "location", {"location": location})
        )

    async def _api_sendContact(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        contact = {
            k: values[k]
            for k in ("phone_number", "first_name", "last_name", "vcard")
            if k in values
        }
        return self.message_dict(self._bot_message(chat, values, "contact", {"contact": contact}))

    async def _api_sendDice(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        emoji = values.get("emoji", "🎲")
        dice = {"emoji": emoji, "value": 1 + self._file_counter % 6}
        return self.message_dict(self._bot_message(chat, values, "dice", {"dice": dice}))

    async def _api_sendMediaGroup(
        self, values: JSON, chat: ChatState | None, parts: Parts
    ) -> list[JSON]:
        assert chat is not None
        out = []
        group_id = f"{chat.id}{chat.next_message_id}"
        for item in values["media"]:
            kind = item["type"]
            record = self._input_file(item["media"], kind, parts)
            item_values = {**item, "reply_parameters": values.get("reply_parameters")}
            payload: JSON = (
                {"photo": self._photo_sizes(record)}
                if kind == "photo"
                else {kind: self._file_object(record, kind, item)}
            )
            payload["media_group_id"] = group_id
            msg = self._bot_message(chat, item_values, kind, payload, record.file_id)
            out.append(self.message_dict(msg))
        return out

    async def _api_sendChatAction(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        assert chat is not None
        chat.actions.append(values["action"])
        return True

    # ------------------------------------------------------------------ copy and forward

    def _source_message(self, values: JSON, verb: str) -> StoredMessage:
        source = self._resolve_chat(values["from_chat_id"]).find(values["message_id"])
        if source is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found", violation=True)
        return source

    def _clone(
        self, source: StoredMessage, chat: ChatState, values: JSON, forward: bool
    ) -> StoredMessage:
        caption = values.get("caption", source.caption) if not forward else source.caption
        entities = source.entities
        if not forward and "caption" in values:
            caption, entities = self._formatted(
                values["caption"], values.get("parse_mode"), values.get("caption_entities")
            )
        inline, keyboard = self._apply_markup(chat, values)
        payload = dict(source.payload)
        if forward:
            src_chat = self.chats[source.chat_id]
            if src_chat.type == "channel":
                origin: JSON = {
                    "type": "channel",
                    "chat": src_chat.to_dict(),
                    "message_id": source.message_id,
                    "date": source.date,
                }
            elif source.from_bot:
                origin = {"type": "user", "sender_user": self.bot_user, "date": source.date}
            elif source.from_user_id in self.users:
                origin = {
                    "type": "user",
                    "date": source.date,
                    "sender_user": self.users[source.from_user_id].to_dict(),
                }
            else:
                origin = {"type": "chat", "sender_chat": src_chat.to_dict(), "date": source.date}
            payload["forward_origin"] = origin
        msg = StoredMessage(
            message_id=self._next_id(chat),
            chat_id=chat.id,
            from_bot=True,
            text=source.text,
            caption=caption,
            raw_text=source.raw_text,
            entities=entities,
            reply_markup=inline if not forward else None,
            reply_keyboard=keyboard,
            kind=source.kind,
            file_id=source.file_id,
            date=int(self.now()),
            reply_to_message_id=self._reply_target(chat, values),
            payload=payload,
        )
        return self._store(chat, msg)

    async def _api_copyMessage(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        msg = self._clone(self._source_message(values, "copy"), chat, values, forward=False)
        return {"message_id": msg.message_id}

    async def _api_forwardMessage(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        msg = self._clone(self._source_message(values, "forward"), chat, values, forward=True)
        return self.message_dict(msg)

    # ------------------------------------------------------------------ editing and deleting

    def _editable(self, values: JSON) -> StoredMessage | None:
        """The stored message an edit targets (None for inline messages)."""
        if "inline_message_id" in values:
            return None
        if "chat_id" not in values or "message_id" not in values:
            raise ApiError(400, "Bad Request: message identifier is not specified", violation=True)
        msg = self._resolve_chat(values["chat_id"]).find(values["message_id"])
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found", violation=True)
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited", violation=True)
        return msg

    def _commit_edit(
        self,
        msg: StoredMessage,
        *,
        content: str | None,
        raw: str | None,
        entities: list[JSON],
        markup: JSON | None,
        parse_mode: str | None,
    ) -> JSON:
        if content == msg.content and entities == msg.entities and markup == msg.reply_markup:
            raise ApiError(400, f"Bad Request: {_NOT_MODIFIED}", violation=True)
        msg.edits.append(msg.content)
        if msg.kind == "text":
            msg.text = content
        else:
            msg.caption = content
        msg.raw_text, msg.entities, msg.reply_markup = raw, entities, markup
        msg.parse_mode = parse_mode
        msg.edit_date = int(self.now())
        self._activity.append((msg.chat_id, msg))
        return self.message_dict(msg)

    async def _api_editMessageText(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        if msg.kind != "text":
            raise ApiError(
                400, "Bad Request: there is no text in the message to edit", violation=True
            )
        plain, entities = self._formatted(
            values["text"], values.get("parse_mode"), values.get("entities")
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        return self._commit_edit(
            msg,
            content=plain,
            raw=values["text"],
            entities=entities,
            markup=values.get("reply_markup"),
            parse_mode=values.get("parse_mode"),
        )

    async def _api_editMessageCaption(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        if msg.kind == "text":
            raise ApiError(
                400, "Bad Request: there is no caption in the message to edit", violation=True
            )
        raw = values.get("caption")
        plain: str | None = None
        entities: list[JSON] = []
        if isinstance(raw, str):
            plain, entities = self._formatted(
                raw, values.get("parse_mode"), values.get("caption_entities")
            )
        return self._commit_edit(
            msg,
            content=plain or None,
            raw=raw,
            entities=entities,
            markup=values.get("reply_markup"),
            parse_mode=values.get("parse_mode"),
        )

    async def _api_editMessageReplyMarkup(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> JSON | bool:
        msg = self._editable(values)
        if msg is None:
            return True
        markup = values.get("reply_markup")
        if markup == msg.reply_markup:
            raise ApiError(400, f"Bad Request: {_NOT_MODIFIED}", violation=True)
        msg.reply_markup = markup
        msg.edit_date = int(self.now())
        self._activity.append((msg.chat_id, msg))
        return self.message_dict(msg)

    async def _api_deleteMessage(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        assert chat is not None
        msg = chat.find(values["message_id"])
        if msg is None:
            raise ApiError(400, "Bad Request: message to delete not found", violation=True)
        self._check_deletable(chat, msg)
        msg.deleted = True
        return True

    def _check_deletable(self, chat: ChatState, msg: StoredMessage) -> None:
        # Bot API: only messages younger than 48 hours; others' messages in groups need admin.
        too_old = self.now() - msg.date >= 48 * 3600
        foreign = not msg.from_bot and chat.type != "private"
        if too_old or (foreign and chat.bot_status not in ("administrator", "creator")):
            raise ApiError(
                400, "Bad Request: message can't be deleted for everyone", violation=True
            )

    async def _api_deleteMessages(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        assert chat is not None
        for message_id in values["message_ids"]:
            msg = chat.find(message_id)
            if msg is not None:
                self._check_deletable(chat, msg)
                msg.deleted = True
        return True

    # ----------------------------------------------------- callback queries, commands, bot profile

    async def _api_answerCallbackQuery(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> bool:
        query = self.callbacks.get(values["callback_query_id"])
        if query is None or query.answer is not None:
            raise ApiError(400, f"Bad Request: {_QUERY_INVALID}", violation=True)
        query.answer = dict(values)
        return True

    async def _api_setMyCommands(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        self.commands_by_scope[key] = list(values["commands"])
        return True

    async def _api_getMyCommands(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> list[JSON]:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        return list(self.commands_by_scope.get(key, []))

    async def _api_deleteMyCommands(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        key = (_scope_key(values.get("scope")), values.get("language_code", ""))
        self.commands_by_scope.pop(key, None)
        return True

    async def _api_setChatMenuButton(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        self.menu_buttons[chat.id if chat else None] = values.get(
            "menu_button", {"type": "default"}
        )
        return True

    async def _api_getChatMenuButton(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        key = chat.id if chat else None
        return self.menu_buttons.get(key, self.menu_buttons.get(None, {"type": "commands"}))

    def _set_text(self, kind: str, values: JSON) -> bool:
        self.bot_texts[(kind, values.get("language_code", ""))] = values.get(kind, "")
        return True

    def _get_text(self, kind: str, values: JSON, default: str = "") -> JSON:
        lang = values.get("language_code", "")
        text = self.bot_texts.get((kind, lang), self.bot_texts.get((kind, ""), default))
        return {kind: text}

    async def _api_setMyName(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        return self._set_text("name", values)

    async def _api_getMyName(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        return self._get_text("name", values, self.bot_first_name)

    async def _api_setMyDescription(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        return self._set_text("description", values)

    async def _api_getMyDescription(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        return self._get_text("description", values)

    async def _api_setMyShortDescription(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> bool:
        return self._set_text("short_description", values)

    async def _api_getMyShortDescription(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> JSON:
        return self._get_text("short_description", values)

    # ------------------------------------------------------------------ chats, members and files

    async def _api_getChat(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        info = chat.to_dict()
        gifts = {
            name: True for name, fs in self.spec.types["AcceptedGiftTypes"].items() if fs.required
        }
        info.update({"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts})
        return info

    def _member(self, chat: ChatState, user_id: int) -> JSON:
        if user_id == self.bot_id:
            status, user = chat.bot_status, self.bot_user
        elif user_id in self.users:
            user = self.users[user_id].to_dict()
            if chat.type == "private":
                status = "member" if chat.id == user_id else "left"
            else:
                status = chat.members.get(user_id, "left")
        else:
            raise ApiError(400, "Bad Request: user not found")
        return _member_object(self.spec, status, user)

    async def _api_getChatMember(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        assert chat is not None
        return self._member(chat, values["user_id"])

    async def _api_getChatAdministrators(
        self, values: JSON, chat: ChatState | None, _: Parts
    ) -> list[JSON]:
        assert chat is not None
        ids = [uid for uid, st in chat.members.items() if st in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, uid) for uid in ids]

    async def _api_getChatMemberCount(self, values: JSON, chat: ChatState | None, _: Parts) -> int:
        assert chat is not None
        if chat.type == "private":
            return 2
        active = [s for s in chat.members.values() if s not in ("left", "kicked")]
        return len(active) + (chat.bot_status not in ("left", "kicked"))

    async def _api_leaveChat(self, values: JSON, chat: ChatState | None, _: Parts) -> bool:
        assert chat is not None
        chat.bot_status = "left"
        return True

    async def _api_getFile(self, values: JSON, chat: ChatState | None, _: Parts) -> JSON:
        record = self.files.get(values["file_id"])
        if record is None:
            raise ApiError(400, "Bad Request: invalid file_id", violation=True)
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.content),
            "file_path": record.file_path,
        }
