"""The app's metrics: Prometheus text any scraper parses, one registry per app, and a misuse
that never breaks an answer."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from seabot.core.metrics import Metrics


def test_counters_histograms_and_scrape_time_gauges_render_as_prometheus_text() -> None:
    metrics = Metrics()
    metrics.describe("seabot_answer_seconds", "histogram", "Answer latency", buckets=(0.1, 1.0))
    metrics.inc("seabot_inbound_total", channel="line", outcome="accepted")
    metrics.inc("seabot_inbound_total", 2, channel="line", outcome="accepted")
    metrics.observe("seabot_answer_seconds", 0.5, bot="shop", tier="fast")
    depth = [7.0]
    metrics.gauge_function("seabot_inbox_depth", lambda: depth[0])
    families = {f.name: f for f in text_string_to_metric_families(metrics.render())}
    [inbound] = [s for s in families["seabot_inbound"].samples if s.name == "seabot_inbound_total"]
    assert inbound.labels == {"channel": "line", "outcome": "accepted"} and inbound.value == 3
    buckets = {s.labels["le"]: s.value for s in families["seabot_answer_seconds"].samples if s.name.endswith("_bucket")}
    assert buckets == {"0.1": 0, "1.0": 1, "+Inf": 1}
    assert families["seabot_inbox_depth"].samples[0].value == 7
    depth[0] = 2
    assert "seabot_inbox_depth 2.0" in metrics.render()  # read at scrape time
    assert metrics.value("seabot_inbound_total", channel="line", outcome="accepted") == 3


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.inc("seabot_messages_total", bot="a")
    assert second.value("seabot_messages_total", bot="a") == 0.0
    assert "seabot_messages_total" not in second.render()


def test_a_metric_used_with_other_labels_is_logged_once_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    metrics.inc("seabot_inbound_total", channel="line", outcome="accepted")
    with caplog.at_level(logging.ERROR):
        metrics.inc("seabot_inbound_total", channel="line")
        metrics.inc("seabot_inbound_total", channel="line")
    assert len([r for r in caplog.records if "used with labels" in r.getMessage()]) == 1
    assert metrics.value("seabot_inbound_total", channel="line", outcome="accepted") == 1
