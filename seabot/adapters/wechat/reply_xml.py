"""The XML seabot answers WeChat with, built so no text can break out of its element.

wechatpy's reply templates put text into ``<![CDATA[…]]>`` as is, so an answer containing
``]]>`` (a model echoing the customer) ends the section early and whatever follows becomes
markup. ``cdata`` splits the section at every ``]]>`` instead (``]]]]><![CDATA[>``), the
standard way to carry any text in CDATA; every value in every reply goes through it.
"""

from __future__ import annotations

import time

from wechatpy.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner

__all__ = ["cdata", "text_reply", "encrypted_reply"]

_CDATA_END = "]]>"


def cdata(text: str) -> str:
    """``text`` as one or more adjacent CDATA sections that parse back to exactly ``text``."""
    return "<![CDATA[" + text.replace(_CDATA_END, "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, created_at: float | None = None) -> str:
    """A passive text reply: to the customer (``to_user``) from the official account."""
    stamp = int(time.time() if created_at is None else created_at)
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{stamp}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(token: str, key: bytes, app_id: str, xml: str, nonce: str, timestamp: str) -> str:
    """A safe-mode reply: ``xml`` encrypted with the AES key, signed with ``msg_signature``
    (``timestamp`` is the callback's, whole seconds)."""
    encrypt = _encrypt(key, app_id, xml)
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, encrypt)
    signature = str(signer.signature)
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{int(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )


def _encrypt(key: bytes, app_id: str, xml: str) -> str:
    encrypted = PrpCrypto(key).encrypt(xml, app_id)
    return encrypted.decode("ascii") if isinstance(encrypted, bytes) else str(encrypted)
