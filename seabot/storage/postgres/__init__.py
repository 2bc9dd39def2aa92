"""PostgreSQL implementation of the async storage seam (psycopg 3, psycopg_pool)."""

from seabot.storage.postgres.engine import PostgresStorage, connect
from seabot.storage.postgres.schema import DATA_TABLES, MIGRATIONS, migrate

__all__ = ["PostgresStorage", "connect", "migrate", "MIGRATIONS", "DATA_TABLES"]
