"""A realistic, correctly signed LINE webhook, and the Messaging API's answers, for ``seabot simulate``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

from seabot.adapters.base import WebhookRequest
from seabot.adapters.settings import LineConfig

__all__ = ["user_id", "webhook", "api_answer", "sent_texts"]


def user_id(user: str) -> str:
    if user.startswith("U") and len(user) == 33:
        return user
    return "U" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]


def webhook(config: LineConfig, user: str, text: str) -> WebhookRequest:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id(user)},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": secrets.token_hex(16),
        "message": {
            "id": str(secrets.randbelow(10**17)),
            "type": "text",
            "text": text,
            "quoteToken": secrets.token_urlsafe(24),
        },
    }
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False).encode("utf-8")
    signature = base64.b64encode(hmac.new(config.channel_secret.encode("utf-8"), body, hashlib.sha256).digest())
    headers = {"content-type": "application/json", "x-line-signature": signature.decode("ascii")}
    return WebhookRequest("POST", {}, headers, body)


def api_answer(path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    if path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        count = len(payload.get("messages", []))
        return {"sentMessages": [{"id": str(i + 1), "quoteToken": "q"} for i in range(count)]}
    return None


def sent_texts(path: str, payload: dict[str, Any]) -> list[str]:
    if path not in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        return []
    return [str(m.get("text", "")) for m in payload.get("messages", []) if m.get("type") == "text"]
