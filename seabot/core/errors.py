"""The core's exception tree.

    CoreError
     ├── StorageError          the conversation store cannot be read or written
     │    └── StorageLockedError   another process holds the database locked
     └── ResponderError        a responder could not produce an answer

Every error carries a message a merchant can act on; lower-level exceptions
are chained with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = ["CoreError", "StorageError", "StorageLockedError", "ResponderError"]


class CoreError(Exception):
    """Base class of every error raised by ``seabot.core``."""


class StorageError(CoreError):
    """The conversation store failed (unreadable file, corrupt database, full disk)."""


class StorageLockedError(StorageError):
    """The database is locked by another process for longer than the busy timeout."""


class ResponderError(CoreError):
    """A responder failed to produce an answer."""
