"""Opening the configured engine: PostgreSQL when a URL is set, else the SQLite file."""

from __future__ import annotations

from pathlib import Path

from seabot.core.storage.errors import StoreUnavailable, redact_url
from seabot.core.storage.interfaces import Storage

__all__ = ["open_storage", "is_postgres_url"]

_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    return url.strip().lower().startswith(_SCHEMES)


async def open_storage(*, path: str | Path, url: str = "", migrate_schema: bool = True) -> Storage:
    """The storage seam over ``url`` (``postgresql://…``) or, with no URL, the SQLite file at ``path``."""
    if url:
        if not is_postgres_url(url):
            raise StoreUnavailable(f"storage url {redact_url(url)!r} is not a postgresql:// URL")
        from seabot.storage.postgres import PostgresStorage  # psycopg is imported only when used

        return await PostgresStorage.open(url, migrate_schema=migrate_schema)
    from seabot.storage.sqlite_async import SqliteStorage

    return await SqliteStorage.open(path, migrate_schema=migrate_schema)
