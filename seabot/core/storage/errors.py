"""The storage seam's errors, under the core's ``StorageError``.

    StorageError                    (seabot.core.errors)
     ├── StorageLockedError         another process holds the database
     │    └── StoreBusy             a lock was not free within the call's bounded wait
     ├── StoreUnavailable           the database cannot be reached or refused us (bad URL, password, down)
     ├── SchemaError                the database's schema is not the one this seabot works with
     │    ├── SchemaTooNew          written by a newer seabot
     │    └── SchemaOutdated        older, and this opening may not migrate it (run ``seabot migrate``)
     └── TargetNotEmpty             ``seabot migrate --to`` was pointed at a database that holds data

Every message names the database with its password masked (``redact_url``).
"""

from __future__ import annotations

import re

from seabot.core.errors import StorageError, StorageLockedError

__all__ = [
    "StoreBusy", "StoreUnavailable", "SchemaError", "SchemaTooNew", "SchemaOutdated", "TargetNotEmpty",
    "redact_url",
]  # fmt: skip


class StoreBusy(StorageLockedError):
    """A lock stayed taken for longer than the call may wait; nothing was written. Try again later."""


class StoreUnavailable(StorageError):
    """The database server cannot be reached, or refused the connection."""


class SchemaError(StorageError):
    """The database's schema version does not match this seabot's."""


class SchemaTooNew(SchemaError):
    pass


class SchemaOutdated(SchemaError):
    pass


class TargetNotEmpty(StorageError):
    pass


_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/:@?#\s]*):(?P<password>[^@/?#\s]*)@", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<password>'[^']*'|[^\s&]+)", re.IGNORECASE)


def redact_url(text: str) -> str:
    """``text`` with every password in a URL (``user:secret@``) or a ``password=`` parameter masked."""
    text = _PASSWORD_IN_URL.sub(lambda m: f"{m['head']}:***@" if m["password"] else m[0], text)
    return _PASSWORD_PARAM.sub(lambda m: f"{m['head']}***", text)
