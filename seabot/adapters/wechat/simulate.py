"""A realistic, correctly signed WeChat callback (plain or safe mode), the WeChat API's answers,
and the passive reply read back, for ``seabot simulate``."""

from __future__ import annotations

import secrets
import time
from typing import Any
from xml.sax.saxutils import escape

from seabot.adapters.base import WebhookRequest
from seabot.adapters.settings import WechatConfig
from seabot.adapters.wechat.verify import Decryptor, safe_xml, sign

__all__ = ["webhook", "api_answer", "sent_texts", "passive_text"]


def webhook(config: WechatConfig, user: str, text: str) -> WebhookRequest:
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    xml = (f"<xml><ToUserName><![CDATA[gh_simulator]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
           f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content>{escape(text)}</Content><MsgId>{secrets.randbelow(10**18)}</MsgId></xml>")  # fmt: skip
    query = {"signature": sign(config.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": user}  # fmt: skip
    if not config.encoding_aes_key:
        return WebhookRequest("POST", query, {"content-type": "text/xml"}, xml.encode("utf-8"))
    crypto = Decryptor(config.token, config.encoding_aes_key, config.app_id)
    encrypt = safe_xml(crypto.encrypt(xml, nonce, timestamp)).findtext("Encrypt") or ""
    body = f"<xml><ToUserName><![CDATA[gh_simulator]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    query.update(encrypt_type="aes", msg_signature=sign(config.token, timestamp, nonce, encrypt))
    return WebhookRequest("POST", query, {"content-type": "text/xml"}, body.encode("utf-8"))


def passive_text(config: WechatConfig, body: bytes) -> str | None:
    """The text of a passive reply (decrypted in safe mode); None for ``success``."""
    if not body.strip().startswith(b"<"):
        return None
    root = safe_xml(body)
    if root.findtext("Encrypt") and config.encoding_aes_key:
        crypto = Decryptor(config.token, config.encoding_aes_key, config.app_id)
        query = {"msg_signature": root.findtext("MsgSignature") or "", "timestamp": root.findtext("TimeStamp") or "",
                 "nonce": root.findtext("Nonce") or ""}  # fmt: skip
        root = safe_xml(crypto.decrypt(body, query))
    return root.findtext("Content")


def api_answer(path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    if path == "/cgi-bin/token":
        return {"access_token": "simulated-access-token", "expires_in": 7200}
    if path == "/cgi-bin/message/custom/send":
        return {"errcode": 0, "errmsg": "ok"}
    return None


def sent_texts(path: str, payload: dict[str, Any]) -> list[str]:
    if path == "/cgi-bin/message/custom/send" and payload.get("msgtype") == "text":
        return [str(payload.get("text", {}).get("content", ""))]
    return []
