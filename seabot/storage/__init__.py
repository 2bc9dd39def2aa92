"""Storage implementations of ``seabot.core.store.ConversationStore``."""

from seabot.storage.sqlite import SqliteStore

__all__ = ["SqliteStore"]
