"""A python-telegram-bot ``Update`` as a channel-neutral ``InboundMessage`` (or a reason to ignore it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType

from seabot.core.messages import ChatKind, InboundMessage, MessageKind

__all__ = ["BotIdentity", "Parsed", "parse_update", "CHANNEL", "GREETING_COMMANDS"]

CHANNEL = "telegram"
GREETING_COMMANDS = frozenset({"/start", "/help"})


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is, to tell whether a group message addresses it."""

    user_id: int
    username: str | None = None  # without '@'; None until getMe has answered


@dataclass(frozen=True, slots=True)
class Parsed:
    message: InboundMessage | None
    ignored: str = ""  # why there is no message (edited, not addressed, service message …)


def _kind(message: Message) -> MessageKind | None:
    if message.text is not None:
        return MessageKind.TEXT
    if message.sticker is not None:
        return MessageKind.STICKER
    if message.photo:
        return MessageKind.IMAGE
    if message.voice is not None or message.audio is not None:
        return MessageKind.VOICE
    if message.video is not None or message.video_note is not None or message.animation is not None:
        return MessageKind.VIDEO
    if message.document is not None:
        return MessageKind.FILE
    if message.location is not None or message.venue is not None:
        return MessageKind.LOCATION
    if any(getattr(message, name, None) is not None for name in ("dice", "poll", "contact", "game", "story")):
        return MessageKind.OTHER
    return None  # a service message: members joined, chat migrated, pinned …


def _command(message: Message) -> tuple[str, str | None, str]:
    """(command, addressed username or None, arguments) of a leading bot_command entity."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            raw = text[: entity.length]
            command, _, username = raw.partition("@")
            return command.lower(), (username or None), text[entity.length :].strip()
    return "", None, ""


def _mentions_bot(message: Message, me: BotIdentity) -> bool:
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities
    for entity in entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == me.user_id:
            return True
        if entity.type == MessageEntity.MENTION and me.username:
            if text[entity.offset : entity.offset + entity.length].lstrip("@").lower() == me.username.lower():
                return True
    return False


def _strip_mention(text: str, me: BotIdentity) -> str:
    if not me.username:
        return text
    handle = "@" + me.username
    lowered = text.lower()
    at = lowered.find(handle.lower())
    if at < 0:
        return text
    return (text[:at] + text[at + len(handle) :]).strip()


def parse_update(update: Update, *, bot_id: str, me: BotIdentity, received_at: float) -> Parsed:
    if update.edited_message is not None or update.edited_channel_post is not None:
        return Parsed(None, "edited message")
    message = update.message
    if message is None:
        return Parsed(None, "not a message")
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        chat_kind = ChatKind.PRIVATE
    elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        chat_kind = ChatKind.GROUP
    else:
        return Parsed(None, f"chat type {chat.type}")
    kind = _kind(message)
    if kind is None:
        return Parsed(None, "service message")
    command, addressed_to, _args = _command(message)
    if addressed_to is not None and me.username and addressed_to.lower() != me.username.lower():
        return Parsed(None, "command for another bot")
    if chat_kind is ChatKind.GROUP:
        replied = message.reply_to_message
        to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == me.user_id
        if not (command or to_bot or _mentions_bot(message, me)):
            return Parsed(None, "group message not addressed to the bot")
    text = message.text or ""
    if command in GREETING_COMMANDS:
        kind = MessageKind.FOLLOW
    if kind is MessageKind.TEXT:
        if addressed_to:
            text = command + text[len(command) + 1 + len(addressed_to) :]
        text = _strip_mention(text, me)
    user = message.from_user
    return Parsed(
        InboundMessage(
            bot_id=bot_id,
            channel=CHANNEL,
            message_id=str(update.update_id),
            user_id=str(user.id if user is not None else chat.id),
            chat_id=str(chat.id),
            text=text,
            kind=kind,
            chat_kind=chat_kind,
            locale=user.language_code if user is not None else None,
            reply_handle=json.dumps({"message_id": message.message_id}),
            received_at=received_at,
        )
    )
