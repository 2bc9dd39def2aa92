"""Per model numbers from the merchant's own traffic: what ``seabot stats --models`` shows.

For each UTC day, tier, arm (control or canary), provider and model: answers, errors,
fallbacks (messages this model was chosen for but another answered), conversations (first
answers), tokens, cost, and histograms of latency and time to first token. They are added up
in memory and written every few seconds (and on close) behind ``ModelStatsStore``, whose one
implementation keeps them as the store's durable counters; counters add, so several replicas
sharing a database add up too.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from seabot.core.llm.settings import TierSpec

__all__ = [
    "Series",
    "Tally",
    "ModelStatsStore",
    "Counters",
    "CounterModelStats",
    "ModelLedger",
    "ModelRow",
    "summarize",
    "bucket_edge",
]

log = logging.getLogger("seabot.llm")

_FIRST_EDGE_S = 0.001
_GROWTH = 1.15  # each bucket 15 % wider than the last: percentiles within 15 %
_BUCKETS = 90  # 1 ms … about 5 minutes


def _bucket(seconds: float) -> int:
    if seconds <= _FIRST_EDGE_S:
        return 0
    return min(_BUCKETS - 1, math.ceil(math.log(seconds / _FIRST_EDGE_S, _GROWTH) - 1e-9))


def bucket_edge(index: int) -> float:
    """The upper edge of a histogram bucket, in seconds."""
    return _FIRST_EDGE_S * _GROWTH**index


@dataclass(frozen=True, slots=True, order=True)
class Series:
    day: str  # YYYY-MM-DD, UTC
    tier: str
    arm: str  # control | canary
    provider: str
    model: str


@dataclass(slots=True)
class Tally:
    answers: int = 0
    errors: int = 0
    fallbacks: int = 0
    conversations: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency: dict[int, int] = field(default_factory=dict)  # bucket → answers
    ttft: dict[int, int] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        for name in ("answers", "errors", "fallbacks", "conversations", "tokens_in", "tokens_out", "cost_usd"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.latency, other.latency), (self.ttft, other.ttft)):
            for bucket, n in theirs.items():
                mine[bucket] = mine.get(bucket, 0) + n

    def percentile(self, which: str, q: float) -> float | None:
        """The ``q`` quantile (0..1) of ``latency`` or ``ttft``, in seconds (a bucket's upper edge)."""
        histogram: dict[int, int] = getattr(self, which)
        total = sum(histogram.values())
        if total == 0:
            return None
        rank = max(1, math.ceil(q * total))
        seen = 0
        for bucket in sorted(histogram):
            seen += histogram[bucket]
            if seen >= rank:
                return bucket_edge(bucket)
        return bucket_edge(max(histogram))  # pragma: no cover

    def fields(self) -> dict[str, float]:
        found: dict[str, float] = {
            name: float(getattr(self, name))
            for name in ("answers", "errors", "fallbacks", "conversations", "tokens_in", "tokens_out", "cost_usd")
            if getattr(self, name)
        }
        found.update({f"latency.{b}": float(n) for b, n in self.latency.items()})
        found.update({f"ttft.{b}": float(n) for b, n in self.ttft.items()})
        return found

    def add_field(self, name: str, value: float) -> None:
        kind, _, bucket = name.partition(".")
        if kind in ("latency", "ttft") and bucket.isdigit():
            histogram = getattr(self, kind)
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + int(value)
        elif name == "cost_usd":
            self.cost_usd += value
        elif name in ("answers", "errors", "fallbacks", "conversations", "tokens_in", "tokens_out"):
            setattr(self, name, getattr(self, name) + int(value))


class ModelStatsStore(Protocol):
    """Where the per model tallies are added up, durably."""

    async def add(self, tallies: Mapping[Series, Tally]) -> None: ...
    async def read(self, since_day: str) -> dict[Series, Tally]: ...


class Counters(Protocol):
    """The store's durable counters."""

    def bump_counter(self, name: str, amount: float = 1.0) -> float: ...
    def counters(self, prefix: str) -> dict[str, float]: ...


class CounterModelStats:
    """``ModelStatsStore`` over durable counters: one counter per series and field, named here only."""

    _PREFIX = "llm.model\x1f"
    _SEP = "\x1f"  # model names may hold ':' or '/', never a unit separator

    def __init__(self, counters: Counters) -> None:
        self._counters = counters

    def _name(self, series: Series, field_name: str) -> str:
        parts = (series.day, series.tier, series.arm, series.provider, series.model, field_name)
        return self._PREFIX + self._SEP.join(parts)

    def _parse(self, name: str) -> tuple[Series, str] | None:
        parts = name[len(self._PREFIX) :].split(self._SEP)
        if len(parts) != 6:
            return None
        day, tier, arm, provider, model, field_name = parts
        return Series(day, tier, arm, provider, model), field_name

    async def add(self, tallies: Mapping[Series, Tally]) -> None:
        def write() -> None:
            for series, tally in tallies.items():
                for field_name, value in tally.fields().items():
                    self._counters.bump_counter(self._name(series, field_name), value)

        await asyncio.to_thread(write)

    async def read(self, since_day: str) -> dict[Series, Tally]:
        found: dict[Series, Tally] = {}
        for name, value in self._counters.counters(self._PREFIX).items():
            parsed = self._parse(name)
            if parsed is None or parsed[0].day < since_day:
                continue
            series, field_name = parsed
            found.setdefault(series, Tally()).add_field(field_name, value)
        return found


class ModelLedger:
    """Tallies in memory, written to the store at most every ``flush_s`` seconds and on close."""

    def __init__(
        self,
        store: ModelStatsStore | None,
        *,
        clock: Callable[[], float],
        wall: Callable[[], float] = time.time,
        flush_s: float = 10.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._wall = wall
        self._flush_s = flush_s
        self._pending: dict[Series, Tally] = {}
        self._flushed_at = clock()
        self._task: asyncio.Task[None] | None = None

    def record(
        self,
        spec: TierSpec,
        *,
        ok: bool,
        latency_s: float | None = None,
        ttft_s: float | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        first_answer: bool = False,
    ) -> None:
        tally = self._pending_tally(spec)
        if ok:
            tally.answers += 1
            tally.conversations += int(first_answer)
            tally.tokens_in += tokens_in
            tally.tokens_out += tokens_out
            tally.cost_usd += cost_usd
            if latency_s is not None:
                tally.latency[_bucket(latency_s)] = tally.latency.get(_bucket(latency_s), 0) + 1
            if ttft_s is not None:
                tally.ttft[_bucket(ttft_s)] = tally.ttft.get(_bucket(ttft_s), 0) + 1
        else:
            tally.errors += 1

    def record_fallback(self, spec: TierSpec) -> None:
        """``spec`` was chosen for a message that another model (or the offline responder) answered."""
        self._pending_tally(spec).fallbacks += 1

    def _pending_tally(self, spec: TierSpec) -> Tally:
        day = time.strftime("%Y-%m-%d", time.gmtime(self._wall()))
        return self._pending.setdefault(Series(day, spec.name, spec.arm, spec.provider, spec.model), Tally())

    def flush_soon(self) -> None:
        """Write in the background when the last write is ``flush_s`` old (and none is running)."""
        if self._store is None or not self._pending or self._clock() - self._flushed_at < self._flush_s:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        self._flushed_at = self._clock()
        if self._store is None or not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            await self._store.add(pending)
        except Exception:  # the stats are not worth an answer: keep them for the next write
            log.warning("could not write the per model stats; kept for the next try", exc_info=True)
            for series, tally in pending.items():
                self._pending.setdefault(series, Tally()).merge(tally)

    async def aclose(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One provider and model (optionally one tier and arm) over some days: the numbers to choose by."""

    provider: str
    model: str
    tier: str | None
    arm: str | None
    answers: int
    errors: int
    fallbacks: int
    conversations: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    p50_ms: float | None
    p95_ms: float | None
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None
    cost_per_1k_conversations_usd: float | None

    @property
    def error_rate(self) -> float | None:
        calls = self.answers + self.errors
        return None if calls == 0 else self.errors / calls

    @property
    def cost_per_answer_usd(self) -> float | None:
        return None if self.answers == 0 else self.cost_usd / self.answers


def summarize(tallies: Mapping[Series, Tally], *, by_arm: bool = False) -> list[ModelRow]:
    """Rows per provider and model (and per tier and arm with ``by_arm``), most answers first.

    Cost per 1 000 conversations is the row's cost per answer times the answers a conversation
    takes in this traffic (all models together), so a model that mostly stood in for another
    mid-conversation is priced like one that started its own conversations.
    """
    groups: dict[tuple[str, str, str | None, str | None], Tally] = {}
    for series, tally in tallies.items():
        key = (series.provider, series.model, series.tier if by_arm else None, series.arm if by_arm else None)
        groups.setdefault(key, Tally()).merge(tally)
    answers = sum(t.answers for t in tallies.values())
    conversations = sum(t.conversations for t in tallies.values())
    per_conversation = answers / conversations if conversations else None

    def ms(value: float | None) -> float | None:
        return None if value is None else value * 1000.0

    rows = []
    for (provider, model, tier, arm), t in groups.items():
        per_1k = None
        if per_conversation is not None and t.answers:
            per_1k = t.cost_usd / t.answers * per_conversation * 1000.0
        rows.append(ModelRow(
            provider=provider, model=model, tier=tier, arm=arm, answers=t.answers, errors=t.errors,
            fallbacks=t.fallbacks, conversations=t.conversations, tokens_in=t.tokens_in, tokens_out=t.tokens_out,
            cost_usd=t.cost_usd, p50_ms=ms(t.percentile("latency", 0.5)), p95_ms=ms(t.percentile("latency", 0.95)),
            ttft_p50_ms=ms(t.percentile("ttft", 0.5)), ttft_p95_ms=ms(t.percentile("ttft", 0.95)),
            cost_per_1k_conversations_usd=per_1k,
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (-r.answers, r.provider, r.model, r.tier or "", r.arm or ""))
