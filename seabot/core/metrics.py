"""A small Prometheus-text metrics registry, owned by the app (no module-level state)."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

__all__ = ["Metrics", "DEFAULT_BUCKETS"]

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
Labels = tuple[tuple[str, str], ...]


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _render_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """Counters, gauges and histograms with labels, rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._help: dict[str, tuple[str, str]] = {}
        self._values: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self._buckets: dict[str, Sequence[float]] = {}
        self._gauge_functions: dict[str, Callable[[], float]] = {}

    def describe(self, name: str, kind: str, help_text: str, buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        self._help[name] = (kind, help_text)
        if kind == "histogram":
            self._buckets[name] = tuple(buckets)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = _labels(labels)
        with self._lock:
            series = self._values[name]
            series[key] = series.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values[name][_labels(labels)] = value

    def gauge_function(self, name: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (inbox depth …)."""
        self._gauge_functions[name] = read

    def observe(self, name: str, value: float, **labels: str) -> None:
        buckets = self._buckets.get(name, DEFAULT_BUCKETS)
        key = _labels(labels)
        with self._lock:
            state = self._histograms[name].get(key)
            if state is None:
                state = self._histograms[name][key] = [0.0] * (len(buckets) + 2)  # buckets.., +Inf, sum
            state[bisect.bisect_left(buckets, value)] += 1
            state[-1] += value

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._values.get(name, {}).get(_labels(labels), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        gauges = {name: read() for name, read in self._gauge_functions.items()}
        with self._lock:
            names = sorted(set(self._help) | set(self._values) | set(self._histograms) | set(gauges))
            for name in names:
                kind, help_text = self._help.get(name, ("gauge" if name in gauges else "counter", name))
                lines.append(f"# HELP {name} {help_text}")
                lines.append(f"# TYPE {name} {kind}")
                if name in gauges:
                    lines.append(f"{name} {gauges[name]:g}")
                for labels, value in sorted(self._values.get(name, {}).items()):
                    lines.append(f"{name}{_render_labels(labels)} {value:g}")
                buckets = self._buckets.get(name, DEFAULT_BUCKETS)
                for labels, state in sorted(self._histograms.get(name, {}).items()):
                    cumulative = 0.0
                    for bound, count in zip([*map(str, buckets), "+Inf"], state[:-1]):
                        cumulative += count
                        lines.append(f"{name}_bucket{_render_labels(labels, (('le', bound),))} {cumulative:g}")
                    lines.append(f"{name}_sum{_render_labels(labels)} {state[-1]:g}")
                    lines.append(f"{name}_count{_render_labels(labels)} {cumulative:g}")
        return "\n".join(lines) + "\n"
