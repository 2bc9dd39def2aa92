"""The WeChat Official Account channel: passive replies when fast, customer-service messages otherwise.

WeChat waits 5 seconds for the HTTP answer and then redelivers the same message (about
three deliveries in all). A new message is accepted into the inbox and the webhook waits
up to ``passive_window_s`` (4 s from the first delivery) for its answer: if it comes in
time it goes back as the passive reply (at most 2048 bytes; the rest follows as
customer-service messages); otherwise the webhook answers ``success`` and the inbox
worker sends the answer through ``message/custom/send``. Redeliveries get ``success``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace

import httpx

from seabot.adapters.base import DeliveryError, Intake, ReplayGuard, SignatureError, WebhookRequest, WebhookResponse
from seabot.adapters.delivery import WECHAT_CS_SENDS, RejectedError, RetryPolicy, send_with_retries
from seabot.adapters.settings import WechatConfig
from seabot.adapters.splitting import Measure, split_text
from seabot.adapters.wechat.api import WechatApi, classify
from seabot.adapters.wechat.parse import CHANNEL, parse_xml
from seabot.adapters.wechat.reply_xml import text_reply
from seabot.adapters.wechat.verify import Decryptor, check_query_signature, safe_xml
from seabot.core.messages import Reply
from seabot.core.metrics import Metrics

__all__ = ["WechatAdapter", "WechatOptions", "MESSAGE_LIMIT_BYTES"]

log = logging.getLogger("seabot.adapters.wechat")
MESSAGE_LIMIT_BYTES = 2048  # passive reply and customer-service text, UTF-8 bytes
_SUCCESS = WebhookResponse(200, b"success")


@dataclass(frozen=True, slots=True)
class WechatOptions:
    retry: RetryPolicy = RetryPolicy()
    passive_window_s: float = 4.0  # WeChat gives up at 5 s
    # A callback's timestamp must be this close to our clock; its nonce is remembered as long.
    replay_window_s: float = 300.0
    clock: Callable[[], float] = field(default=time.time)


class WechatAdapter:
    channel = CHANNEL

    def __init__(
        self,
        bot_id: str,
        config: WechatConfig,
        client: httpx.AsyncClient,
        metrics: Metrics,
        options: WechatOptions = WechatOptions(),
        on_close: Callable[[], Awaitable[None]] | None = None,
        replay_guard: ReplayGuard | None = None,
    ) -> None:
        self.bot_id = bot_id
        self._replay_guard = replay_guard
        self.config = config
        self.metrics = metrics
        self.options = options
        self._on_close = on_close
        self.api = WechatApi(client, config.api_base, config.app_id, config.app_secret)
        self._crypto = (
            Decryptor(config.token, config.encoding_aes_key, config.app_id) if config.encoding_aes_key else None
        )

    # -- inbound ---------------------------------------------------------------------------------

    async def handle_webhook(self, request: WebhookRequest, intake: Intake) -> WebhookResponse:
        started = time.monotonic()
        query = request.query
        aes = query.get("encrypt_type", "raw").lower() == "aes"
        if request.method == "GET":  # URL verification from the WeChat console
            check_query_signature(self.config.token, query)
            self._check_fresh(query)
            return WebhookResponse(200, query.get("echostr", "").encode("utf-8"))
        if request.method != "POST":
            return WebhookResponse(405, b"GET or POST only")
        if aes:
            if self._crypto is None:
                return WebhookResponse(400, b"safe mode message but no encoding_aes_key configured")
            if "signature" in query:
                check_query_signature(self.config.token, query)
            xml = self._crypto.decrypt(request.body, query)
        elif self._crypto is not None:
            # Safe mode: the plain `signature` covers only token, timestamp and nonce, never the
            # body, so one logged callback URL would let anyone post any message. Only encrypted
            # messages, whose msg_signature covers the ciphertext, are taken.
            raise SignatureError("safe mode is configured (encoding_aes_key): a plaintext message is refused")
        else:
            check_query_signature(self.config.token, query)
            xml = request.body
        self._check_fresh(query)
        self._check_nonce(query, xml)
        safe_xml(xml)
        parsed = parse_xml(xml, bot_id=self.bot_id, received_at=time.time())
        if parsed.message is None:
            log.debug("message ignored: %s", parsed.ignored, extra={"bot": self.bot_id})
            return _SUCCESS
        enqueued = await intake.accept(parsed.message)
        reply = None
        if enqueued.duplicate:
            # WeChat redelivers when it got no response in time: if our response carried the
            # answer (a passive reply) and was lost, say it again. If the answer went out through
            # the customer-service API, only acknowledge; if it is not ready, wait as on a first try.
            log.info("redelivered message answered once", extra={"bot": self.bot_id})
            delivery = await intake.delivery(enqueued.inbox_id)
            if delivery.done and delivery.reply_in_response is None:
                return _SUCCESS
            reply = delivery.reply_in_response
        remaining = self.options.passive_window_s - (time.monotonic() - started)
        if reply is None and remaining > 0:
            reply = await intake.wait_for_reply(enqueued.inbox_id, remaining)
        if reply is None:
            return _SUCCESS  # the worker sends the answer as a customer-service message
        parts = split_text(reply.text, MESSAGE_LIMIT_BYTES, Measure.UTF8)
        if not parts:
            return _SUCCESS
        xml_reply = text_reply(str(parsed.source.source), str(parsed.source.target), parts[0])
        if aes and self._crypto is not None:
            xml_reply = self._crypto.encrypt(xml_reply, query.get("nonce", ""), query.get("timestamp", ""))
        rest = " ".join(parts[1:])
        background: Callable[[], Awaitable[None]] | None = None
        if rest:
            later = replace(reply, text=rest)

            async def send_rest() -> None:
                try:
                    await self.deliver(later)
                except DeliveryError as exc:
                    log.error("rest of a long answer not delivered: %s", exc, extra={"bot": self.bot_id})

            background = send_rest

        return WebhookResponse(
            200, xml_reply.encode("utf-8"), content_type="application/xml; charset=utf-8", background=background
        )

    def _check_fresh(self, query: Mapping[str, str]) -> None:
        """A signed callback is only good for a few minutes: an old URL from a log is refused."""
        raw = query.get("timestamp", "")
        if not (raw.isascii() and raw.isdigit()):
            raise SignatureError("timestamp is not whole seconds")
        stamp = float(raw)
        skew = abs(self.options.clock() - stamp)
        if not skew <= self.options.replay_window_s:  # also refuses nan
            raise SignatureError(
                f"timestamp is {skew:.0f} s away from our clock (at most {self.options.replay_window_s:.0f})"
            )

    def _check_nonce(self, query: Mapping[str, str], message: bytes) -> None:
        """A nonce already seen within the window with another message is a replayed signature.
        ``message`` is the XML the signature vouches for (decrypted in safe mode), so a
        compatible-mode copy of an encrypted message counts as the same one."""
        if self._replay_guard is None:
            return
        digest = hashlib.sha256(message).hexdigest()
        fresh = self._replay_guard.first_use(
            f"{self.bot_id}/{CHANNEL}", query.get("nonce", ""), digest,
            now=self.options.clock(), window_s=self.options.replay_window_s,
        )  # fmt: skip
        if not fresh:
            raise SignatureError("nonce already used within the replay window for another message")

    # -- outbound --------------------------------------------------------------------------------

    async def deliver(self, reply: Reply) -> None:
        if not self.api.can_send:
            raise DeliveryError("no app_secret configured, so answers slower than 4 s cannot be sent")
        for part in split_text(reply.text, MESSAGE_LIMIT_BYTES, Measure.UTF8):
            try:
                await send_with_retries(
                    functools.partial(self.api.send_text, reply.chat_id, part),
                    classify,
                    channel=CHANNEL,
                    what="custom/send",
                    metrics=self.metrics,
                    policy=self.options.retry,
                )
            except RejectedError:
                # outside the 48-hour window, quota used up, user gone: the answer stays in the history
                if reply.confirm_refusal:
                    raise
                log.error("customer-service message refused; answer kept in history", extra={"bot": self.bot_id})
                return
            self.metrics.inc(WECHAT_CS_SENDS, bot=self.bot_id)

    async def aclose(self) -> None:
        if self._on_close is not None:
            await self._on_close()
