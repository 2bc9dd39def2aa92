"""The async storage seam served by PostgreSQL: several ``seabot serve`` replicas on one database.

Connections come from a ``psycopg_pool.AsyncConnectionPool`` (autocommit; multi-statement work in
explicit transactions). One more connection of its own LISTENs on ``seabot_inbox``: every
accepted message and every conversation whose next message became claimable is NOTIFY'd at
commit, so idle workers of every replica wake at once instead of polling. A lock wait is
bounded by ``lock_timeout`` (then ``StoreBusy``); a server that goes away raises
``StoreUnavailable`` and the pool reconnects by itself when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
import psycopg_pool

from seabot.core.storage.errors import redact_url
from seabot.core.storage.interfaces import SchemaInfo
from seabot.storage._wake import WorkSignal
from seabot.storage.postgres._base import NOTIFY_CHANNEL, nul_safe, translate
from seabot.storage.postgres.channels import ChannelsSql
from seabot.storage.postgres.handoffs import HandoffsSql
from seabot.storage.postgres.history import HistorySql
from seabot.storage.postgres.inbox import InboxSql
from seabot.storage.postgres.limits import LimitsSql
from seabot.storage.postgres.reports import ReportsSql
from seabot.storage.postgres.schema import migrate

__all__ = ["PostgresStorage", "connect"]

log = logging.getLogger("seabot.storage")

CONNECT_TIMEOUT_S = 5
LOCK_TIMEOUT = "2s"  # the longest a statement waits for a row lock before StoreBusy


async def connect(url: str, *, autocommit: bool = True) -> psycopg.AsyncConnection:
    """One connection, with a clear, password-free error when it cannot be made."""
    try:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as exc:  # ValueError/ProgrammingError: a URL psycopg cannot parse
        raise translate(exc, redact_url(url)) from exc
    nul_safe(conn)
    return conn


async def _configure(conn: psycopg.AsyncConnection) -> None:
    nul_safe(conn)
    await conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")


class PostgresStorage(HistorySql, InboxSql, LimitsSql, HandoffsSql, ChannelsSql, ReportsSql):
    """Open with ``await PostgresStorage.open(url)``; close with ``await storage.close()``."""

    def __init__(self, url: str, pool: psycopg_pool.AsyncConnectionPool, schema: SchemaInfo) -> None:
        self._url = url
        self._where = redact_url(url)
        self._pool = pool
        self._schema = schema
        self._signal = WorkSignal()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @classmethod
    async def open(cls, url: str, *, migrate_schema: bool = True, max_connections: int = 10) -> PostgresStorage:
        """Check the server answers, migrate under the advisory lock (``migrate_schema=False``:
        refuse an older schema), open the pool and start listening for new work."""
        where = redact_url(url)
        conn = await connect(url)
        try:
            schema = await migrate(conn, where, apply=migrate_schema)
        except psycopg.Error as exc:
            raise translate(exc, where) from exc
        finally:
            await conn.close()
        pool = psycopg_pool.AsyncConnectionPool(
            url, min_size=1, max_size=max_connections, open=False, configure=_configure,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S}, timeout=CONNECT_TIMEOUT_S,
            name="seabot",
        )  # fmt: skip
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            await pool.close()
            raise translate(exc, where) from exc
        storage = cls(url, pool, schema)
        storage._listener = asyncio.create_task(storage._listen(), name="seabot-pg-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(storage._listening.wait(), CONNECT_TIMEOUT_S)
        return storage

    @property
    def schema(self) -> SchemaInfo:
        return self._schema

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._pool.close()

    # -- waking on new work -----------------------------------------------------------------

    async def wait_for_work(self, timeout_s: float) -> bool:
        return await self._signal.wait(timeout_s)

    def _wake(self) -> None:
        self._signal.wake()

    async def _listen(self) -> None:
        """LISTEN on a connection of its own; reconnect (and wake everyone: a notice may have been
        missed) whenever it drops."""
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
            except psycopg.Error as exc:
                log.warning("cannot listen for new inbox work, retrying: %s", translate(exc, self._where))
                await asyncio.sleep(1.0)
                continue
            try:
                await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self._listening.set()
                self._wake()
                async for _notice in conn.notifies():
                    self._wake()
            except psycopg.Error as exc:
                log.warning("listening for new inbox work stopped, reconnecting: %s", translate(exc, self._where))
                await asyncio.sleep(0.2)
            finally:
                with contextlib.suppress(psycopg.Error):
                    await conn.close()
