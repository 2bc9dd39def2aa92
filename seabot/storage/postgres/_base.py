"""The PostgreSQL engine's plumbing: the pool, transactions, and the translation of driver errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors
from psycopg.types.string import StrDumperUnknown

from seabot.core.errors import StorageError
from seabot.core.storage.errors import StoreBusy, StoreUnavailable, redact_url

__all__ = ["PostgresBase", "translate", "NOTIFY_CHANNEL", "nul_safe"]

NOTIFY_CHANNEL = "seabot_inbox"  # NOTIFY'd when work appears: a message accepted, a lease given back


class _NulSafeStrDumper(StrDumperUnknown):
    """PostgreSQL's text cannot hold NUL (SQLite's can, and a platform may send one): it is
    stored as U+FFFD, as the core stores a lone surrogate, so a message is never refused for its text."""

    def dump(self, obj: str) -> bytes:
        return obj.replace("\x00", "\ufffd").encode(self._encoding)


def nul_safe(conn: psycopg.AsyncConnection) -> None:
    conn.adapters.register_dumper(str, _NulSafeStrDumper)


def translate(exc: BaseException, where: str) -> StorageError:
    """One clear, password-free error for whatever the driver raised."""
    text = redact_url(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        return StoreBusy(f"database {where} is busy: {text}")
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return StoreUnavailable(f"database {where}: no connection free or reachable in time ({text})")
    if isinstance(exc, pg_errors.InvalidPassword | pg_errors.InvalidAuthorizationSpecification):
        return StoreUnavailable(f"database {where} refused the login: {text}")
    if isinstance(exc, pg_errors.InvalidCatalogName):
        return StoreUnavailable(f"database {where} does not exist: {text}")
    if isinstance(exc, psycopg.OperationalError):
        return StoreUnavailable(f"database {where} cannot be reached: {text}")
    return StorageError(f"database {where} cannot be used: {text}")


class PostgresBase:
    """What every concern's SQL needs: a pooled connection, in a transaction when asked."""

    _pool: psycopg_pool.AsyncConnectionPool
    _where: str  # the URL with its password masked

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection in autocommit mode: each statement is its own transaction."""
        try:
            async with self._pool.connection() as conn:
                yield conn
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise translate(exc, self._where) from exc

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection inside one transaction (committed on leaving, rolled back on error)."""
        try:
            async with self._pool.connection() as conn, conn.transaction():
                yield conn
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise translate(exc, self._where) from exc
