"""The core's storage seam: async Protocols by concern, their records, errors and key formats.

Implementations live in ``seabot.storage`` (SQLite, PostgreSQL); ``seabot.storage.open`` picks
one from the configuration. The older synchronous ``seabot.core.store.ConversationStore`` is
still what the callers use until they are switched over.
"""

from seabot.core.storage.errors import (
    SchemaError,
    SchemaOutdated,
    SchemaTooNew,
    StoreBusy,
    StoreUnavailable,
    TargetNotEmpty,
    redact_url,
)
from seabot.core.storage.interfaces import (
    CachedAnswers,
    DeliveryProgress,
    Eraser,
    Handoffs,
    History,
    Inbox,
    KeyValueState,
    MonthlyPushes,
    PollOffsets,
    PushCounts,
    RateLimits,
    RequestNonces,
    SchemaInfo,
    Spend,
    Stats,
    Storage,
)

__all__ = [
    "History",
    "Inbox",
    "Spend",
    "RateLimits",
    "CachedAnswers",
    "Handoffs",
    "PollOffsets",
    "DeliveryProgress",
    "PushCounts",
    "RequestNonces",
    "KeyValueState",
    "Stats",
    "Eraser",
    "Storage",
    "MonthlyPushes",
    "SchemaInfo",
    "StoreBusy",
    "StoreUnavailable",
    "SchemaError",
    "SchemaTooNew",
    "SchemaOutdated",
    "TargetNotEmpty",
    "redact_url",
]
