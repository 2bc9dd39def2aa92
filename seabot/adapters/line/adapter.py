"""The LINE channel: signed webhooks in, one free reply call out (push only when it must).

A reply token is single-use and lives about a minute, and replies are free while push
messages count against the merchant's paid monthly quota. So the whole answer (up to
five message objects) goes into ONE reply call; a push is sent only when the token has
expired or the reply was refused, and every push is counted per bot and month.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from linebot.v3.messaging import (
    ApiResponse,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    PushMessageResponse,
    ReplyMessageRequest,
    ReplyMessageResponse,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.models.events import UnknownEvent  # what the SDK parser yields for an unknown type
from linebot.v3.webhooks import Event

from seabot.adapters.base import BadRequestError, Intake, SignatureError, WebhookRequest, WebhookResponse
from seabot.adapters.delivery import (
    LINE_PUSHES,
    RejectedError,
    RetryPolicy,
    SendFailure,
    http_failure,
    parse_retry_after,
    send_with_retries,
)
from seabot.adapters.line._client import HttpxApiClient
from seabot.adapters.line.parse import CHANNEL, Parsed, parse_event, sdk_event
from seabot.adapters.settings import LineConfig
from seabot.adapters.splitting import Measure, split_text
from seabot.core.messages import Reply
from seabot.core.metrics import Metrics

__all__ = ["LineAdapter", "LineOptions", "Counters", "push_counter_name", "MESSAGE_LIMIT", "MESSAGES_PER_CALL"]

log = logging.getLogger("seabot.adapters.line")
MESSAGE_LIMIT = 5000  # UTF-16 code units per text message object
MESSAGES_PER_CALL = 5
_PUSH_KEY_NAMESPACE = uuid.UUID("5b0b1a2e-3f4d-4c5b-9a6e-7d8c9b0a1f2e")


class Counters(Protocol):
    """The durable memory the LINE adapter needs: push counts, which messages it sent, and
    which answers' reply tokens LINE refused."""

    def bump_counter(self, name: str, amount: float = 1.0) -> float: ...
    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...


def sent_message_key(bot_id: str, message_id: str) -> str:
    return f"line_sent:{bot_id}:{message_id}"


def refused_token_key(bot_id: str, inbound_id: str) -> str:
    return f"line_token_refused:{bot_id}:{inbound_id}"


@dataclass(frozen=True, slots=True)
class LineOptions:
    retry: RetryPolicy = RetryPolicy()
    reply_token_ttl_s: float = 50.0  # LINE keeps a reply token about a minute; leave a margin


def push_counter_name(bot_id: str, when: float | None = None) -> str:
    return f"line_pushes:{bot_id}:{time.strftime('%Y-%m', time.gmtime(when))}"


def _classify(exc: BaseException) -> SendFailure | None:
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        detail = str(exc.body)[:200] if exc.body else ""
        retry_after = parse_retry_after(exc.headers.get("retry-after") if exc.headers else None)
        return http_failure(status, detail, retry_after)
    if isinstance(exc, httpx.TimeoutException):
        return SendFailure("timeout", True)
    if isinstance(exc, httpx.HTTPError):
        return SendFailure("network", True, type(exc).__name__)
    return None


def _used_token(exc: RejectedError) -> bool:
    """LINE's answer to a reply token that was already used (or has expired): 400 "Invalid reply token"."""
    return exc.failure.status == 400 and "invalid reply token" in exc.failure.detail.lower()


#: The SDK's pydantic models raise these for an event they cannot read (ValidationError is a ValueError).
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


def _sdk_event(raw_event: dict[str, object]) -> object:
    """The SDK's model of one event; an event type this SDK version does not know is an
    ``UnknownEvent``, as the SDK's own parser has it."""
    try:
        return Event.from_dict(raw_event)
    except ValueError:
        return UnknownEvent.new_from_json_dict(raw_event)


class LineAdapter:
    channel = CHANNEL

    def __init__(
        self,
        bot_id: str,
        config: LineConfig,
        client: httpx.AsyncClient,
        metrics: Metrics,
        counters: Counters,
        options: LineOptions = LineOptions(),
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.config = config
        self.metrics = metrics
        self.options = options
        self._counters = counters
        self._on_close = on_close
        self._secret = config.channel_secret.encode("utf-8")
        configuration = Configuration(host=config.api_base, access_token=config.access_token)
        self.api = AsyncMessagingApi(HttpxApiClient(configuration, client))

    # -- inbound ---------------------------------------------------------------------------------

    async def handle_webhook(self, request: WebhookRequest, intake: Intake) -> WebhookResponse:
        if request.method != "POST":
            return WebhookResponse(405, b"POST only")
        signature = request.headers.get("x-line-signature")
        if not signature:
            raise SignatureError("missing X-Line-Signature")
        # The HMAC covers the raw bytes: checked before anything reads them.
        expected = base64.b64encode(hmac.new(self._secret, request.body, hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            raise SignatureError("wrong X-Line-Signature")
        try:
            raw = json.loads(request.body)
        except UnicodeDecodeError as exc:
            raise BadRequestError("body is not UTF-8") from exc
        except (ValueError, RecursionError) as exc:
            raise BadRequestError("body is not JSON (or nested too deep)") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
            raise BadRequestError("body has no events list")
        received_at = time.time()
        # Each event is accepted or refused on its own: one LINE cannot read must not cost the
        # others of its batch (LINE does not redeliver by default).
        for index, raw_event in enumerate(raw["events"]):
            parsed = self._parse_one(raw_event, index, received_at)
            if parsed is None or parsed.message is None:
                continue
            if parsed.quoted_message_id and not await self._sent_by_bot(parsed.quoted_message_id):
                log.debug("group message quotes someone else; ignored", extra={"bot": self.bot_id})
                continue
            enqueued = await intake.accept(parsed.message)
            if enqueued.duplicate:
                log.info(
                    "redelivered event answered once",
                    extra={"bot": self.bot_id, "redelivery": parsed.redelivery},
                )
        return WebhookResponse()

    def _parse_one(self, raw_event: object, index: int, received_at: float) -> Parsed | None:
        """One event of a batch as the SDK reads it, then channel-neutral; None (logged) when it
        is not an event LINE would send."""
        if not isinstance(raw_event, dict):
            log.warning("event %d of the batch is not an object; refused", index, extra={"bot": self.bot_id})
            return None
        try:
            event = _sdk_event(raw_event)
        except _UNREADABLE as exc:  # what the SDK's models raise for shapes LINE never sends
            log.warning("event %d of the batch refused: %s", index, type(exc).__name__, extra={"bot": self.bot_id})
            return None
        parsed = parse_event(sdk_event(event, raw_event), bot_id=self.bot_id, received_at=received_at)
        if parsed.message is None:
            log.debug("event ignored: %s", parsed.ignored, extra={"bot": self.bot_id})
        return parsed

    # -- outbound --------------------------------------------------------------------------------

    async def deliver(self, reply: Reply) -> None:
        texts = split_text(reply.text, MESSAGE_LIMIT, Measure.UTF16)
        if not texts:
            return
        batches = [texts[i : i + MESSAGES_PER_CALL] for i in range(0, len(texts), MESSAGES_PER_CALL)]
        handle = json.loads(reply.reply_handle) if reply.reply_handle else {}
        token = handle.get("reply_token")
        fresh = token and (time.time() - (reply.received_at or 0.0)) < self.options.reply_token_ttl_s
        first = 0
        if fresh and token:
            first = 1 if await self._reply_first(reply, token, batches[0]) else 0
        elif token:
            log.info("reply token expired; pushing instead", extra={"bot": self.bot_id, "channel": CHANNEL})
        for number, batch in enumerate(batches[first:], start=first):
            try:
                await self._push(reply, number, batch)
            except RejectedError:
                if reply.confirm_refusal:
                    raise
                log.error("push refused; answer kept in history", extra={"bot": self.bot_id, "channel": CHANNEL})
                return

    async def _reply_first(self, reply: Reply, token: str, batch: list[str]) -> bool:
        """Send the first batch with the free reply token; True when the customer has it."""
        try:
            await self._reply(reply, token, batch)
            return True
        except RejectedError as exc:
            refused_key = refused_token_key(self.bot_id, reply.in_reply_to)
            if reply.resent and _used_token(exc) and self._counters.get_setting(refused_key) is None:
                # A reply token works once, and LINE took it on an earlier attempt of ours (no
                # attempt saw it refused): the customer has this answer; pushing it would say it
                # twice (and cost a push).
                log.info("reply token used by an earlier attempt; not pushing", extra={"bot": self.bot_id})
                return True
            # remembered, so that a retry after a failed push pushes again (idempotent)
            self._counters.put_setting(refused_key, "1")
            log.info(
                "reply token refused (status %s); pushing instead",
                exc.failure.status,
                extra={"bot": self.bot_id, "channel": CHANNEL},
            )
            return False

    async def _sent_by_bot(self, message_id: str) -> bool:
        key = sent_message_key(self.bot_id, message_id)
        return self._counters.get_setting(key) is not None

    async def _remember_sent(self, reply: Reply, response: object) -> None:
        """Remember the ids LINE gave our messages in a group, so a customer there quoting one is
        talking to us (in a one-to-one chat every message is, so nothing needs remembering)."""
        if reply.chat_id == reply.user_id:
            return
        for sent in getattr(response, "sent_messages", None) or ():
            self._counters.put_setting(sent_message_key(self.bot_id, sent.id), "1")

    def _read_sent(self, raw: ApiResponse, model: type[ReplyMessageResponse] | type[PushMessageResponse]) -> object:
        """What LINE said it sent. A 2xx means delivered whatever its body: a body we cannot read
        is logged and taken as delivery (parsing it as the SDK does would raise, and the retry
        would send the customer the same answer again)."""
        try:
            return model.from_json(raw.raw_data.decode("utf-8") if isinstance(raw.raw_data, bytes) else raw.raw_data)
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            log.warning(
                "LINE answered %s with a body we cannot read (%s); delivered, not sent again",
                raw.status_code, type(exc).__name__, extra={"bot": self.bot_id, "channel": CHANNEL},
            )  # fmt: skip
            return None

    async def _reply(self, reply: Reply, token: str, texts: list[str]) -> None:
        request = ReplyMessageRequest(replyToken=token, messages=[TextMessage(text=t) for t in texts])

        async def send() -> object:
            raw = await self.api.reply_message_with_http_info(request, _preload_content=False)
            return self._read_sent(raw, ReplyMessageResponse)

        response = await send_with_retries(
            send,
            _classify,
            channel=CHANNEL,
            what="reply",
            metrics=self.metrics,
            policy=self.options.retry,
        )
        await self._remember_sent(reply, response)

    async def _push(self, reply: Reply, number: int, texts: list[str]) -> None:
        request = PushMessageRequest(to=reply.chat_id, messages=[TextMessage(text=t) for t in texts])
        # The same retry key for every attempt at this batch: LINE sends it at most once.
        retry_key = str(uuid.uuid5(_PUSH_KEY_NAMESPACE, f"{self.bot_id}/{reply.in_reply_to}/{number}"))

        async def push() -> None:
            try:
                raw = await self.api.push_message_with_http_info(
                    request, x_line_retry_key=retry_key, _preload_content=False
                )
                await self._remember_sent(reply, self._read_sent(raw, PushMessageResponse))
            except ApiException as exc:
                if exc.status != 409:  # 409: this retry key was accepted before, so LINE sent it
                    raise

        await send_with_retries(
            push,
            _classify,
            channel=CHANNEL,
            what="push",
            metrics=self.metrics,
            policy=self.options.retry,
        )
        self.metrics.inc(LINE_PUSHES, bot=self.bot_id)
        self._counters.bump_counter(push_counter_name(self.bot_id))

    async def aclose(self) -> None:
        if self._on_close is not None:
            await self._on_close()
