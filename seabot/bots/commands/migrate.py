"""``seabot migrate``: bring the configured store's schema up to date; ``--to postgresql://…``
copies the configured SQLite file into an empty PostgreSQL database."""

from __future__ import annotations

import argparse
import asyncio

from seabot.bots.config import AppConfig
from seabot.core.storage.errors import StoreUnavailable, redact_url
from seabot.storage.opening import is_postgres_url, open_storage


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("migrate", parents=[common], help="upgrade the store's schema, or copy it to PostgreSQL")
    p.add_argument("--to", metavar="URL", help="copy the SQLite file into this empty PostgreSQL database")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if args.to is None:
        return asyncio.run(_upgrade(config))
    return asyncio.run(_copy(config, args.to))


async def _upgrade(config: AppConfig) -> int:
    where = redact_url(config.storage.url) if config.storage.url else str(config.storage.path)
    storage = await open_storage(path=config.storage.path, url=config.storage.url)
    try:
        schema = storage.schema
    finally:
        await storage.close()
    if schema.applied:
        print(f"{where}: schema upgraded to version {schema.version} ({'; '.join(schema.applied)})")
    else:
        print(f"{where}: schema is up to date (version {schema.version})")
    return 0


async def _copy(config: AppConfig, url: str) -> int:
    if config.storage.url:
        print(f"seabot migrate: the configured store is already PostgreSQL ({redact_url(config.storage.url)}); "
              "--to copies from a SQLite file")  # fmt: skip
        return 2
    if not is_postgres_url(url):
        raise StoreUnavailable(f"--to must be a postgresql:// URL, got {redact_url(url)!r}")
    from seabot.storage.copy import copy_sqlite_to_postgres  # psycopg only when copying

    report = await copy_sqlite_to_postgres(config.storage.path, url)
    width = max(len(table) for table in report.rows)
    print(f"copied {report.source} into {report.target}:")
    for table, count in report.rows.items():
        print(f"  {table.ljust(width)}  {count}")
    print(f"  {'total'.ljust(width)}  {report.total}")
    print(f'set [storage] url = "{report.target}" (with the real password) to serve from it')
    return 0
