"""Telling the merchant that a conversation was handed to a person: a JSON notice to their URL.

The notice is best effort: a failure is logged and never holds up the customer's reply
beyond ``timeout_s``. The HTTP client is the process's shared, injected one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import httpx

from seabot.core.store import Handoff

__all__ = ["HandoffNotice", "HandoffNotifier"]

log = logging.getLogger("seabot.handoff")


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """The JSON body POSTed to a bot's ``handoff_webhook``."""

    event: str
    bot_id: str
    channel: str
    chat_id: str
    user_id: str
    lang: str | None
    reasons: list[str]
    text: str  # the customer's message that asked for a person
    at: str  # ISO 8601, UTC
    release_command: str

    @classmethod
    def of(cls, handoff: Handoff, text: str) -> HandoffNotice:
        return cls(
            event="handoff",
            bot_id=handoff.bot_id,
            channel=handoff.channel,
            chat_id=handoff.chat_id,
            user_id=handoff.user_id,
            lang=handoff.lang,
            reasons=list(handoff.reasons),
            text=text,
            at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(handoff.created_at)),
            release_command=f"seabot release --bot {handoff.bot_id} --user {handoff.chat_id}",
        )


class HandoffNotifier:
    def __init__(self, http: httpx.AsyncClient, *, timeout_s: float = 5.0) -> None:
        self._http = http
        self._timeout_s = timeout_s

    async def notify(self, url: str, notice: HandoffNotice) -> bool:
        """POST the notice; True when the merchant's endpoint answered 2xx."""
        host = urlsplit(url).netloc
        try:
            response = await self._http.post(url, json=asdict(notice), timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            log.warning(
                "handoff webhook unreachable", extra={"bot": notice.bot_id, "host": host, "error": type(exc).__name__}
            )
            return False
        if not response.is_success:
            log.warning(
                "handoff webhook refused the notice",
                extra={"bot": notice.bot_id, "host": host, "status": response.status_code},
            )
            return False
        return True
