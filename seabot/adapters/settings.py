"""Each channel's settings, as the adapters take them (filled from config by ``seabot.bots``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TelegramConfig", "LineConfig", "WechatConfig"]


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str
    secret_token: str = ""
    api_base: str = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class LineConfig:
    channel_secret: str
    access_token: str
    api_base: str = "https://api.line.me"


@dataclass(frozen=True, slots=True)
class WechatConfig:
    token: str
    app_id: str
    app_secret: str = ""
    encoding_aes_key: str = ""
    api_base: str = "https://api.weixin.qq.com"
