"""Channel-neutral messages: what adapters hand to the core and get back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import StrEnum

from seabot.core.textnorm import storable

__all__ = ["ChatKind", "MessageKind", "InboundMessage", "Reply", "Role"]


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class MessageKind(StrEnum):
    """What the customer sent. Only TEXT goes to a responder; the rest get a short note."""

    TEXT = "text"
    STICKER = "sticker"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    FILE = "file"
    LOCATION = "location"
    FOLLOW = "follow"  # the customer added the bot / subscribed / pressed /start
    POSTBACK = "postback"  # a button the merchant made was pressed; ``text`` is its data, not words
    OTHER = "other"


class Role(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"
    AGENT = "agent"  # a person of the merchant's, writing from the console


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, normalized by an adapter.

    ``message_id`` is the platform's own id for this delivery (update id, webhook
    event id, MsgId …); together with bot and channel it recognises redeliveries.
    ``conversation_id`` is the user in a private chat, the group or room otherwise.
    ``reply_handle`` is opaque adapter data needed to answer (a LINE reply token …).
    """

    bot_id: str
    channel: str
    message_id: str
    user_id: str
    chat_id: str
    text: str = ""
    kind: MessageKind = MessageKind.TEXT
    chat_kind: ChatKind = ChatKind.PRIVATE
    locale: str | None = None
    reply_handle: str | None = None
    received_at: float = field(default_factory=time.time)
    repaired: bool = False  # some of its text could not be stored as sent and was repaired

    @property
    def conversation_id(self) -> str:
        return self.chat_id

    def storable(self) -> InboundMessage:
        """This message with every text field as it can be stored (lone surrogates replaced),
        flagged ``repaired`` when anything changed: a message is never refused for its text."""
        message_id, user_id, chat_id = (
            storable(v, identifier=True) for v in (self.message_id, self.user_id, self.chat_id)
        )
        text = storable(self.text)
        locale, handle = (storable(v) if v is not None else (None, False) for v in (self.locale, self.reply_handle))
        if not any(changed for _, changed in (message_id, user_id, chat_id, text, locale, handle)):
            return self
        return replace(
            self, message_id=message_id[0], user_id=user_id[0], chat_id=chat_id[0], text=text[0],
            locale=locale[0], reply_handle=handle[0], repaired=True,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reply:
    """The bot's answer to one inbound message, to be sent on the same channel."""

    bot_id: str
    channel: str
    chat_id: str
    user_id: str
    text: str
    lang: str
    in_reply_to: str
    reply_handle: str | None = None
    received_at: float = 0.0
    # An earlier attempt to deliver this very reply may have reached the platform (the process
    # died, or the send failed, after the answer was stored): a sender that can tell whether it
    # did (a one-time reply token already used) must not send it a second way.
    resent: bool = False
    # A person of the shop's sent it and waits to see it delivered: a platform's refusal (blocked,
    # window closed, quota spent) is raised to the sender, not only kept in the history.
    confirm_refusal: bool = False
