"""The Telegram channel: verified webhooks (or polled updates) in, Bot API messages out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from telegram import Bot, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from seabot.adapters.base import BadRequestError, Intake, SignatureError, WebhookRequest, WebhookResponse
from seabot.adapters.delivery import RejectedError, RetryPolicy, SendFailure, send_with_retries
from seabot.adapters.settings import TelegramConfig
from seabot.adapters.splitting import Measure, split_text
from seabot.adapters.telegram._request import SharedClientRequest
from seabot.adapters.telegram.parse import CHANNEL, BotIdentity, parse_update
from seabot.adapters.telegram.ratelimit import SendRateLimiter, SendRates
from seabot.core.messages import Reply
from seabot.core.metrics import Metrics

__all__ = ["TelegramAdapter", "TelegramOptions", "MESSAGE_LIMIT", "ALLOWED_UPDATES"]

log = logging.getLogger("seabot.adapters.telegram")
MESSAGE_LIMIT = 4096  # UTF-16 code units per message
ALLOWED_UPDATES = ("message",)  # all the bot acts on; edits and the rest are not even sent


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    retry: RetryPolicy = RetryPolicy()
    rates: SendRates = SendRates()
    typing_delay_s: float = 0.5  # an answer ready sooner goes out without a "typing…" action
    typing_interval_s: float = 4.5  # a chat action shows for about 5 seconds
    typing_max_s: float = 60.0


def _classify(exc: BaseException) -> SendFailure | None:
    if isinstance(exc, RetryAfter):
        seconds = exc.retry_after if isinstance(exc.retry_after, int) else exc.retry_after.total_seconds()
        return SendFailure("rate_limited", True, "", float(seconds), 429)
    if isinstance(exc, TimedOut):
        return SendFailure("timeout", True)
    if isinstance(exc, (BadRequest, Forbidden, InvalidToken, ChatMigrated)):
        return SendFailure("rejected", False, type(exc).__name__)
    if isinstance(exc, NetworkError):
        return SendFailure("server_error", True, str(exc)[:120])
    if isinstance(exc, TelegramError):
        return SendFailure("api_error", False, type(exc).__name__)
    return None


class Progress(Protocol):
    """Durable memory of how far a multi-part answer got (the store's settings)."""

    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...


def parts_sent_key(bot_id: str, inbound_id: str) -> str:
    """The inbound id is the update id, unique per bot: no customer id in a row ``forget`` keeps."""
    return f"telegram_parts_sent:{bot_id}:{inbound_id}"


class TelegramAdapter:
    channel = CHANNEL

    def __init__(
        self,
        bot_id: str,
        config: TelegramConfig,
        client: httpx.AsyncClient,
        metrics: Metrics,
        options: TelegramOptions = TelegramOptions(),
        on_close: Callable[[], Awaitable[None]] | None = None,
        *,
        progress: Progress | None = None,
    ) -> None:
        self._on_close = on_close
        self._progress = progress
        self.bot_id = bot_id
        self.config = config
        self.metrics = metrics
        self.options = options
        self.bot = Bot(config.token, base_url=f"{config.api_base}/bot", request=SharedClientRequest(client),
                       get_updates_request=SharedClientRequest(client, read_timeout=40.0))  # fmt: skip
        self._limiter = SendRateLimiter(options.rates)
        self._me = BotIdentity(
            user_id=int(config.token.split(":", 1)[0]) if config.token.split(":", 1)[0].isdigit() else 0
        )
        self._me_known = False
        self._typing: dict[str, asyncio.Task[None]] = {}

    # -- inbound ---------------------------------------------------------------------------------

    async def handle_webhook(self, request: WebhookRequest, intake: Intake) -> WebhookResponse:
        if request.method != "POST":
            return WebhookResponse(405, b"POST only")
        self._verify(request)
        try:
            data = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequestError("body is not JSON") from exc
        except RecursionError as exc:  # JSON nested thousands deep: no Update is
            raise BadRequestError("body is JSON nested too deep to be an Update") from exc
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadRequestError("body is not a Telegram Update (no integer update_id)")
        try:
            update = Update.de_json(data, self.bot)
        except Exception as exc:  # PTB raises TypeError/KeyError/ValueError on shapes it cannot read
            raise BadRequestError(f"not a valid Update: {type(exc).__name__}") from exc
        await self.ingest(update, intake)
        return WebhookResponse()

    def _verify(self, request: WebhookRequest) -> None:
        expected = self.config.secret_token
        if not expected:
            raise SignatureError("no secret_token configured for this bot, so webhooks cannot be verified")
        given = request.headers.get("x-telegram-bot-api-secret-token")
        if given is None:
            raise SignatureError("missing X-Telegram-Bot-Api-Secret-Token")
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise SignatureError("wrong X-Telegram-Bot-Api-Secret-Token")

    async def ingest(self, update: Update, intake: Intake) -> bool:
        """Accept one update (webhook or polling); True if it was new and is being answered.
        BadRequestError if it is not the shape Telegram sends (PTB's ``de_json`` leaves missing
        fields None rather than refusing them)."""
        try:
            me = await self._identity(update)
            parsed = parse_update(update, bot_id=self.bot_id, me=me, received_at=time.time())
        except Exception as exc:
            raise BadRequestError(f"not a valid Update: {type(exc).__name__}") from exc
        if parsed.message is None:
            log.debug("update ignored: %s", parsed.ignored, extra={"bot": self.bot_id, "update_id": update.update_id})
            return False
        enqueued = await intake.accept(parsed.message)
        if enqueued.duplicate:
            log.info("redelivered update answered once", extra={"bot": self.bot_id, "update_id": update.update_id})
            return False
        self._start_typing(parsed.message.chat_id)
        return True

    async def _identity(self, update: Update) -> BotIdentity:
        """The bot's username is needed only to read '@mentions' and '/cmd@name' in groups."""
        message = update.message
        needs_name = message is not None and message.chat.type != "private"
        if needs_name and not self._me_known:
            try:
                me = await self.bot.get_me()
                self._me = BotIdentity(user_id=me.id, username=me.username)
                self._me_known = True
            except TelegramError as exc:
                log.warning("getMe failed; group mentions are recognised by id only: %s", type(exc).__name__)
        return self._me

    # -- typing ----------------------------------------------------------------------------------

    def _start_typing(self, chat_id: str) -> None:
        if chat_id in self._typing:
            return
        self._typing[chat_id] = asyncio.create_task(self._keep_typing(chat_id), name=f"telegram-typing-{chat_id}")

    async def _keep_typing(self, chat_id: str) -> None:
        """Show "typing…" while the answer is being made: from ``typing_delay_s`` on (a quick
        answer needs no indicator, and each action counts against the bot's send rate), every
        ``typing_interval_s``, until the answer is delivered or ``typing_max_s`` has passed."""
        deadline = time.monotonic() + self.options.typing_max_s
        try:
            await asyncio.sleep(self.options.typing_delay_s)
            while time.monotonic() < deadline:
                try:
                    await self.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
                except TelegramError as exc:
                    log.debug("typing action failed: %s", type(exc).__name__)
                await asyncio.sleep(self.options.typing_interval_s)
        finally:
            if self._typing.get(chat_id) is asyncio.current_task():
                del self._typing[chat_id]

    async def _stop_typing(self, chat_id: str) -> None:
        task = self._typing.pop(chat_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- outbound --------------------------------------------------------------------------------

    async def deliver(self, reply: Reply) -> None:
        await self._stop_typing(reply.chat_id)
        parts = split_text(reply.text, MESSAGE_LIMIT, Measure.UTF16)
        handle = json.loads(reply.reply_handle) if reply.reply_handle else {}
        group = reply.chat_id.startswith("-")
        done = self._parts_sent(reply, len(parts))
        try:
            for index in range(done, len(parts)):
                reply_to = handle.get("message_id") if index == 0 and group else None
                await self._limiter.acquire(reply.chat_id, group=group)
                await send_with_retries(
                    functools.partial(self._send, reply.chat_id, parts[index], reply_to),
                    _classify,
                    channel=CHANNEL,
                    what="sendMessage",
                    metrics=self.metrics,
                    policy=self.options.retry,
                )
                self._note_parts_sent(reply, len(parts), index + 1)
        except RejectedError:
            # blocked by the user, chat gone …: retrying cannot help; the answer stays in the history
            if reply.confirm_refusal:
                raise
            log.error("answer not delivered; kept in history", extra={"bot": self.bot_id, "channel": CHANNEL})

    def _parts_sent(self, reply: Reply, parts: int) -> int:
        """Parts of a long answer an earlier attempt delivered (a retry, even after a crash,
        does not repeat them). A one-part answer has nothing to resume."""
        if parts < 2 or self._progress is None:
            return 0
        stored = self._progress.get_setting(parts_sent_key(self.bot_id, reply.in_reply_to))
        return int(stored) if stored and stored.isdigit() else 0

    def _note_parts_sent(self, reply: Reply, parts: int, sent: int) -> None:
        if parts >= 2 and self._progress is not None:
            self._progress.put_setting(parts_sent_key(self.bot_id, reply.in_reply_to), str(sent))

    async def _send(self, chat_id: str, text: str, reply_to: int | None) -> None:
        parameters = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
        await self.bot.send_message(chat_id=chat_id, text=text, reply_parameters=parameters)

    async def aclose(self) -> None:
        for chat_id in list(self._typing):
            await self._stop_typing(chat_id)
        if self._on_close is not None:
            await self._on_close()
