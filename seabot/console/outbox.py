"""The agents' outbox worker: hands each kept reply to its channel adapter's ``deliver``.

An item is leased while it is sent; a failure is tried again with a growing delay, and an
item whose lease ran out (the process died mid-send) is tried again after a restart, flagged
``resent``. Each reply has its own ``in_reply_to`` (``agent:<outbox id>``), so the LINE adapter's
push retry key is the same on every attempt and LINE delivers it once; Telegram's and
WeChat's APIs have no such key, so there a crash between the platform's acceptance and our
``mark_sent`` may repeat one message (the only window in which anything is sent twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from seabot.adapters.base import ChannelAdapter, DeliveryError
from seabot.adapters.delivery import RejectedError
from seabot.core.console_store import Outbox, OutboxItem
from seabot.core.messages import Reply

__all__ = ["OutboxWorker", "OutboxPolicy", "agent_reply"]

log = logging.getLogger("seabot.console.outbox")


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    attempts: int = 8  # attempts of the worker (each is an adapter's own few retries)
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0
    lease_s: float = 120.0  # longer than an adapter's retries of one send
    idle_poll_s: float = 1.0  # due retries are looked for this often when nothing wakes the worker

    def delay(self, attempts: int) -> float:
        return min(self.base_delay_s * 2.0 ** max(attempts - 1, 0), self.max_delay_s)


def agent_reply(item: OutboxItem, lang: str = "") -> Reply:
    """The channel-neutral reply an adapter sends for an outbox item: never a reply token (an
    agent answers later than a token lives), a push where the platform has them."""
    return Reply(
        bot_id=item.bot_id, channel=item.channel, chat_id=item.chat_id, user_id=item.user_id, text=item.text,
        lang=lang, in_reply_to=f"agent:{item.id}", reply_handle=None, received_at=item.created_at,
        resent=item.attempts > 1, confirm_refusal=True,
    )  # fmt: skip


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        adapter_for: Callable[[str, str], ChannelAdapter | None],
        policy: OutboxPolicy = OutboxPolicy(),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._adapter_for = adapter_for
        self._policy = policy
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                items = await self._outbox.claim_due(now=self._clock(), lease_s=self._policy.lease_s, limit=20)
            except Exception as exc:  # noqa: BLE001 - the store is busy or gone: try again shortly, lose nothing
                log.error("outbox not read: %s", exc)
                items = []
            for item in items:
                await self.send(item)
            if not items:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._policy.idle_poll_s)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def send(self, item: OutboxItem) -> None:
        adapter = self._adapter_for(item.bot_id, item.channel)
        if adapter is None:
            await self._outbox.mark_failed(
                item.id, f"bot {item.bot_id} has no {item.channel} channel configured", now=self._clock()
            )
            return
        try:
            await adapter.deliver(agent_reply(item))
        except RejectedError as exc:
            log.warning("agent reply refused by the platform: %s", exc, extra={"bot": item.bot_id})
            await self._outbox.mark_failed(item.id, f"refused by the platform: {exc}", now=self._clock())
        except (DeliveryError, Exception) as exc:  # noqa: BLE001 - a send that failed is retried, never lost
            reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, DeliveryError) else str(exc)
            if item.attempts >= self._policy.attempts:
                log.error(
                    "agent reply given up after %d attempts: %s", item.attempts, reason, extra={"bot": item.bot_id}
                )
                await self._outbox.mark_failed(item.id, reason, now=self._clock())
            else:
                at = self._clock() + self._policy.delay(item.attempts)
                log.info("agent reply not sent (attempt %d), tried again: %s", item.attempts, reason,
                         extra={"bot": item.bot_id})  # fmt: skip
                await self._outbox.mark_retry(item.id, reason, at=at)
        else:
            await self._outbox.mark_sent(item.id, now=self._clock())
