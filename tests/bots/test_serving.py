"""What ``run_server`` does before serving: the startup heap is frozen out of the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from seabot.bots.serving import freeze_startup_objects
from seabot.core.language import LanguageDetector


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # give the test process its collector back


def test_objects_built_at_startup_are_frozen_and_later_ones_are_not(unfrozen: None) -> None:
    detector = LanguageDetector()  # the largest thing a server builds at startup
    tracked_before = len(gc.get_objects())
    freeze_startup_objects()
    assert gc.get_freeze_count() >= tracked_before // 2  # cycles collected, the rest frozen
    assert not any(obj is detector for obj in gc.get_objects())  # no longer walked by collections
    later = [[n] for n in range(100)]
    assert any(obj is later for obj in gc.get_objects())  # what the server allocates later still is
    assert detector.detect("terima kasih banyak").lang in {"id", "ms"}
