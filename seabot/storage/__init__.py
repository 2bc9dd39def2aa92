"""Storage implementations of ``seabot.core.store.ConversationStore``."""

from seabot.storage.lock import answering_lock
from seabot.storage.sqlite import SqliteStore

__all__ = ["SqliteStore", "answering_lock"]
