"""WeChat callback verification: signatures (constant-time), safe XML, safe-mode decryption.

Plain mode signs only the query (``signature`` = SHA1 of the sorted token, timestamp
and nonce); safe mode adds ``msg_signature`` over the ``Encrypt`` element as well.
Both are checked with ``hmac.compare_digest`` before the message itself is parsed
(wechatpy's own checks use ``!=``). Every XML document, the outer body and the
decrypted one, is first read with defusedxml, which refuses DTDs and entity
declarations, before wechatpy's parser sees it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from seabot.adapters.base import BadRequestError, SignatureError
from seabot.adapters.wechat.reply_xml import encrypted_reply

__all__ = ["sign", "check_query_signature", "check_msg_signature", "safe_xml", "Decryptor"]


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_query_signature(token: str, query: Mapping[str, str]) -> None:
    signature, timestamp, nonce = query.get("signature"), query.get("timestamp"), query.get("nonce")
    if not signature or not timestamp or not nonce:
        raise SignatureError("missing signature, timestamp or nonce")
    if not _equal(signature, sign(token, timestamp, nonce)):
        raise SignatureError("wrong signature")


def check_msg_signature(token: str, query: Mapping[str, str], encrypt: str) -> None:
    signature, timestamp, nonce = query.get("msg_signature"), query.get("timestamp"), query.get("nonce")
    if not signature or not timestamp or not nonce:
        raise SignatureError("missing msg_signature, timestamp or nonce")
    if not _equal(signature, sign(token, timestamp, nonce, encrypt)):
        raise SignatureError("wrong msg_signature")


def safe_xml(data: bytes | str) -> Element:
    """The parsed document; DTDs, entity declarations and malformed XML are refused."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadRequestError(f"XML with {type(exc).__name__} refused") from exc
    except (ParseError, ValueError) as exc:
        raise BadRequestError("body is not well-formed XML") from exc
    if root.tag != "xml":
        raise BadRequestError("body is not a WeChat <xml> message")
    return root


class Decryptor:
    """Safe mode (encrypt_type=aes): AES-256-CBC with the EncodingAESKey, via wechatpy."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.app_id = app_id
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, body: bytes, query: Mapping[str, str]) -> bytes:
        root = safe_xml(body)
        encrypt = (root.findtext("Encrypt") or "").strip()
        if not encrypt:
            raise BadRequestError("safe-mode body without <Encrypt>")
        check_msg_signature(self.token, query, encrypt)
        try:
            plain = self.crypto.decrypt_message(
                {"Encrypt": encrypt}, query["msg_signature"], query["timestamp"], query["nonce"]
            )
        except InvalidSignatureException as exc:  # pragma: no cover - checked above
            raise SignatureError("wrong msg_signature") from exc
        except InvalidAppIdException as exc:
            raise SignatureError("message was encrypted for another AppID") from exc
        except Exception as exc:  # bad base64, padding, length …
            raise BadRequestError(f"cannot decrypt the message: {type(exc).__name__}") from exc
        return plain if isinstance(plain, bytes) else str(plain).encode("utf-8")

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return encrypted_reply(self.token, self.crypto.key, self.app_id, xml, nonce, timestamp)
