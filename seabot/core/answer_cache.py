"""Answers to repeated FAQ-like questions, served from the store at zero cost until they expire.

A question is FAQ-like when the router sent it to the ``fast`` tier (simple, no complaint)
and it is a short question that stands on its own: between ``min_tokens`` and ``max_tokens``
estimated tokens once normalized (so "ok" or "yes", whose meaning depends on the
conversation, are never cached). The key is (bot, answer language, normalized text).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from seabot.core.llm.prompt import estimate_tokens
from seabot.core.responder import Answer
from seabot.core.store import CachedAnswer, ConversationStore
from seabot.core.textnorm import normalize

__all__ = ["AnswerCache"]


class AnswerCache:
    def __init__(
        self,
        store: ConversationStore,
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.time,
        min_tokens: int = 3,
        max_tokens: int = 64,
    ) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._clock = clock
        self._min_tokens = min_tokens
        self._max_tokens = max_tokens

    @property
    def enabled(self) -> bool:
        return self._ttl_s > 0

    def key(self, text: str, tier: str) -> str | None:
        """The cache key of a FAQ-like question, or None when it must not be cached."""
        if not self.enabled or tier != "fast":
            return None
        normalized = normalize(text)
        if not self._min_tokens <= estimate_tokens(normalized) <= self._max_tokens:
            return None
        return normalized

    async def get(self, bot_id: str, lang: str, key: str) -> CachedAnswer | None:
        return self._store.cached_answer(bot_id, lang, key, self._clock())

    async def put(self, bot_id: str, lang: str, key: str, answer: Answer) -> None:
        now = self._clock()
        entry = CachedAnswer(bot_id, lang, key, answer.text, answer.model, answer.tier, now, now + self._ttl_s)
        self._store.cache_answer(entry)
