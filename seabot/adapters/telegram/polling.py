"""Telegram long polling (getUpdates), remembering the offset durably.

Each batch is accepted into the durable inbox first and the offset stored after, so
a restart neither skips an update (the offset only moves past accepted updates) nor
answers one twice (an update fetched again is recognised by its update_id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from seabot.adapters.base import BadRequestError, Intake
from seabot.adapters.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter

__all__ = ["TelegramPoller", "PollingError", "Settings", "offset_key"]

log = logging.getLogger("seabot.adapters.telegram.polling")


class Settings(Protocol):
    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...


class PollingError(Exception):
    """Polling cannot go on (a webhook is set, the token is wrong)."""


def offset_key(bot_id: str) -> str:
    return f"telegram_offset:{bot_id}"


class TelegramPoller:
    def __init__(
        self,
        adapter: TelegramAdapter,
        settings: Settings,
        intake: Intake,
        *,
        timeout_s: int = 30,
        error_delay_s: float = 1.0,
    ) -> None:
        self._adapter = adapter
        self._settings = settings
        self._intake = intake
        self._timeout_s = timeout_s
        self._error_delay_s = error_delay_s
        self._key = offset_key(adapter.bot_id)

    async def offset(self) -> int | None:
        value = await asyncio.to_thread(self._settings.get_setting, self._key)
        return int(value) if value else None

    async def poll_once(self, timeout_s: int | None = None) -> int:
        """Fetch one batch, accept it, store the new offset; returns how many updates came."""
        offset = await self.offset()
        timeout = self._timeout_s if timeout_s is None else timeout_s
        try:
            updates = await self._adapter.bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=timeout + 10,
            )
        except Conflict as exc:
            raise PollingError(
                "Telegram refuses getUpdates while a webhook is set; "
                f"run `seabot telegram delete-webhook --bot {self._adapter.bot_id}` first"
            ) from exc
        except InvalidToken as exc:
            raise PollingError("Telegram rejected the bot token") from exc
        for update in updates:
            try:
                await self._adapter.ingest(update, self._intake)
            except BadRequestError as exc:  # skipped, or it would come back on every poll
                log.warning(
                    "update skipped: %s", exc, extra={"bot": self._adapter.bot_id, "update_id": update.update_id}
                )
        if updates:
            next_offset = max(update.update_id for update in updates) + 1
            await asyncio.to_thread(self._settings.put_setting, self._key, str(next_offset))
        return len(updates)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; network trouble is retried, a conflict ends polling."""
        failures = 0
        while not stop.is_set():
            poll = asyncio.create_task(self.poll_once())
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if poll not in done:
                poll.cancel()
                await asyncio.gather(poll, return_exceptions=True)
                break
            stopped.cancel()
            await asyncio.gather(stopped, return_exceptions=True)
            try:
                poll.result()
                failures = 0
            except (TimedOut, NetworkError, RetryAfter) as exc:
                failures += 1
                delay = min(self._error_delay_s * (2 ** min(failures, 6)), 60.0)
                log.warning("getUpdates failed (%s); retrying in %.0fs", type(exc).__name__, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
