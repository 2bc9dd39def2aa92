"""Answers to repeated FAQ-like questions, served from the store at zero cost until they expire.

A cached answer is served to other customers, so only an answer that depends on nothing but
the question and the bot's own knowledge is cached or served: the request must be
context-free (the customer has said nothing earlier in the conversation, and no customer
data such as an order rides along — an answer written from one customer's history must never
reach another). Beyond that a question is FAQ-like when the router sent it to the ``fast``
tier (simple, no complaint) and it is short: between ``min_tokens`` and ``max_tokens``
estimated tokens once normalized (so "ok" or "yes" are never cached). The key is (bot, answer
language, normalized text).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from seabot.core.llm.prompt import estimate_tokens
from seabot.core.responder import Answer, ResponderRequest
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

    def key(self, request: ResponderRequest) -> str | None:
        """The cache key of a context-free FAQ-like question, or None when it must not be
        cached (nor answered from the cache)."""
        if not self.enabled or request.tier != "fast" or not request.context_free:
            return None
        normalized = normalize(request.text)
        if not self._min_tokens <= estimate_tokens(normalized) <= self._max_tokens:
            return None
        return normalized

    async def get(self, bot_id: str, lang: str, key: str) -> CachedAnswer | None:
        return self._store.cached_answer(bot_id, lang, key, self._clock())

    async def put(self, bot_id: str, lang: str, key: str, answer: Answer) -> None:
        now = self._clock()
        entry = CachedAnswer(bot_id, lang, key, answer.text, answer.model, answer.tier, now, now + self._ttl_s)
        self._store.cache_answer(entry)
