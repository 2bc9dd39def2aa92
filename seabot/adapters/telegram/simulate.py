"""A realistic, correctly signed Telegram webhook, and the Bot API's answers, for ``seabot simulate``."""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from seabot.adapters.base import WebhookRequest
from seabot.adapters.settings import TelegramConfig

__all__ = ["chat_id_for", "webhook", "api_answer", "sent_texts"]


def _numeric(user: str) -> int:
    return int(user) if user.isdigit() else 100_000_000 + zlib.crc32(user.encode("utf-8")) % 900_000_000


def chat_id_for(user: str) -> str:
    """The Telegram chat id a simulated ``--user`` writes from (a name becomes a stable number)."""
    return str(_numeric(user))


def webhook(config: TelegramConfig, user: str, text: str, *, language: str | None = None) -> WebhookRequest:
    update_id = int(time.time() * 1000) % 2_000_000_000
    user_id = _numeric(user)
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": user}
    if language:
        sender["language_code"] = language
    message: dict[str, Any] = {
        "message_id": update_id % 1_000_000,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": user},
        "from": sender,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    body = json.dumps({"update_id": update_id, "message": message}, ensure_ascii=False).encode("utf-8")
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": config.secret_token}
    return WebhookRequest("POST", {}, headers, body)


def api_answer(path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The Bot API's JSON answer to ``path`` (``/bot<token>/<method>``), or None if not Telegram."""
    if not path.startswith("/bot") or "/" not in path[4:]:
        return None
    method = path.rsplit("/", 1)[1]
    if method == "getMe":
        return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "seabot", "username": "seabot_sim_bot"}}
    if method == "sendMessage":
        chat_id = int(payload.get("chat_id", 0))
        result = {"message_id": 1, "date": int(time.time()), "text": payload.get("text", ""),
                  "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}  # fmt: skip
        return {"ok": True, "result": result}
    return {"ok": True, "result": True}


def sent_texts(path: str, payload: dict[str, Any]) -> list[str]:
    return [str(payload.get("text", ""))] if path.endswith("/sendMessage") else []
