"""The app's metrics on ``prometheus_client``, in a registry each app owns (no module-level state).

Code counts with ``inc``/``set``/``observe`` by name and labels; the first use of a name creates
its Prometheus metric with that use's label names (a counter unless ``describe`` said
otherwise; names ending in ``_total`` are counters). A later use with other label names is our
bug: it is logged once and dropped, never raised into the customer's answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["Metrics", "DEFAULT_BUCKETS"]

log = logging.getLogger("seabot.metrics")
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_Family = Counter | Gauge | Histogram


class _ReadAtScrape(Collector):
    """Gauges whose value is read when Prometheus scrapes (the inbox depth …)."""

    def __init__(self) -> None:
        self.reads: dict[str, tuple[str, Callable[[], float]]] = {}

    def collect(self) -> Iterator[Metric]:
        for name, (help_text, read) in sorted(self.reads.items()):
            yield GaugeMetricFamily(name, help_text, value=read())


class Metrics:
    """Counters, gauges and histograms with labels, rendered as Prometheus text."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._lock = threading.Lock()
        self._described: dict[str, tuple[str, str, tuple[float, ...]]] = {}
        self._families: dict[str, tuple[_Family, tuple[str, ...]]] = {}
        self._misused: set[str] = set()
        self._scraped = _ReadAtScrape()
        self.registry.register(self._scraped)

    def describe(self, name: str, kind: str, help_text: str, buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        self._described[name] = (kind, help_text, tuple(buckets))

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        series = self._series(name, "counter", labels)
        if isinstance(series, (Counter, Gauge)):
            series.inc(amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        series = self._series(name, "gauge", labels)
        if isinstance(series, Gauge):
            series.set(value)

    def observe(self, name: str, value: float, **labels: str) -> None:
        series = self._series(name, "histogram", labels)
        if isinstance(series, Histogram):
            series.observe(value)

    def gauge_function(self, name: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (inbox depth …)."""
        help_text = self._described.get(name, ("gauge", name, ()))[1]
        self._scraped.reads[name] = (help_text, read)

    def value(self, name: str, **labels: str) -> float:
        """A counter's or gauge's current value (0 when never counted)."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def render(self) -> str:
        return generate_latest(self.registry).decode("utf-8")

    def _series(self, name: str, used_as: str, labels: dict[str, str]) -> _Family | None:
        names = tuple(sorted(labels))
        with self._lock:
            found = self._families.get(name)
            if found is None:
                found = self._families[name] = (self._create(name, used_as, names), names)
        family, label_names = found
        if label_names != names:
            if name not in self._misused:
                self._misused.add(name)
                log.error("metric %s used with labels %s, created with %s; dropped", name, names, label_names)
            return None
        return family.labels(**labels) if names else family

    def _create(self, name: str, used_as: str, label_names: tuple[str, ...]) -> _Family:
        kind, help_text, buckets = self._described.get(name, (used_as, name, DEFAULT_BUCKETS))
        if kind == "histogram":
            return Histogram(name, help_text, label_names, registry=self.registry, buckets=buckets or DEFAULT_BUCKETS)
        if kind == "gauge":
            return Gauge(name, help_text, label_names, registry=self.registry)
        return Counter(name, help_text, label_names, registry=self.registry)
