"""WeChat Official Account (wechatpy): plain and safe-mode callbacks in, passive or customer-service replies out."""

from seabot.adapters.wechat.adapter import MESSAGE_LIMIT_BYTES, WechatAdapter, WechatOptions
from seabot.adapters.wechat.api import WechatApi, WechatApiError
from seabot.adapters.wechat.parse import CHANNEL, parse_xml
from seabot.adapters.wechat.verify import Decryptor, check_query_signature, safe_xml, sign

__all__ = [
    "CHANNEL", "Decryptor", "MESSAGE_LIMIT_BYTES", "WechatAdapter", "WechatApi", "WechatApiError",
    "WechatOptions", "check_query_signature", "parse_xml", "safe_xml", "sign",
]  # fmt: skip
