"""register(): every handler, in order. Order matters: the first matching handler wins."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callback_data as cb
from handlers import announce, calendar_admin, fallback, onboarding, router, sessions
from handlers.errors import on_error

# Only new messages in private chats: edited messages, groups and channels are ignored
# unless a capability asks for them explicitly.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add all handlers in priority order."""
    # 1. Commands (French aliases beside the English names).
    app.add_handler(CommandHandler("start", onboarding.start, filters=PRIVATE))
    app.add_handler(CommandHandler(["help", "aide"], onboarding.help_, filters=PRIVATE))
    app.add_handler(CommandHandler("menu", onboarding.menu, filters=PRIVATE))
    app.add_handler(CommandHandler(["language", "langue"], onboarding.language, filters=PRIVATE))
    app.add_handler(CommandHandler(["invite", "inviter"], onboarding.invite, filters=PRIVATE))
    app.add_handler(CommandHandler(["annuler", "cancel"], router.cancel, filters=PRIVATE))

    # 2. Buttons of onboarding.
    app.add_handler(CallbackQueryHandler(onboarding.choose_language, pattern=cb.pattern("lang")))
    app.add_handler(CallbackQueryHandler(onboarding.consent, pattern=cb.pattern("consent")))

    # 3. Capabilities (their commands and buttons).
    announce.register(app)
    sessions.register(app)
    calendar_admin.register(app)

    # 4. Typed text and files: menu buttons, answers a conversation waits for, replies.
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, router.on_text))
    app.add_handler(MessageHandler(PRIVATE & ~filters.TEXT, router.on_media))

    # 5. Fallbacks, last: anything nobody else took gets a kind answer.
    app.add_handler(CallbackQueryHandler(fallback.stale_button))
    app.add_handler(
        ChatMemberHandler(fallback.private_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    app.add_error_handler(on_error)


ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
