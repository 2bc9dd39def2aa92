"""Contract: the channel adapters' typed state (offsets, delivery progress, pushes) on every engine,
and its key formats, which older files keep their rows under."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from seabot.adapters.line.adapter import push_counter_name, refused_token_key, sent_message_key
from seabot.adapters.telegram.adapter import parts_sent_key
from seabot.adapters.telegram.polling import offset_key
from seabot.adapters.wechat import adapter as wechat_adapter
from seabot.core.storage import DeliveryProgress, KeyValueState, PollOffsets, PushCounts, RequestNonces, Storage, keys
from seabot.core.storage.interfaces import MonthlyPushes

pytestmark = pytest.mark.anyio

DEC = float(calendar.timegm((2026, 12, 31, 23, 0, 0)))  # an hour before the new year, UTC
JAN = DEC + 2 * 3600


def test_the_key_formats_are_the_ones_the_adapters_wrote() -> None:
    assert keys.poll_offset_key("b", "telegram") == offset_key("b")
    assert keys.parts_sent_key("b", "telegram", "42") == parts_sent_key("b", "42")
    assert keys.push_counter("b", "line", keys.month_of(DEC)) == push_counter_name("b", DEC)
    assert keys.refused_token_key("b", "line", "m1") == refused_token_key("b", "m1")
    assert keys.sent_message_key("b", "line", "m1") == sent_message_key("b", "m1")
    assert keys.parse_push_counter(push_counter_name("shop:a", DEC)) == ("line", "shop:a", "2026-12")
    assert keys.parse_push_counter(keys.spend_counter("b", DEC)) is None


async def test_poll_offsets(storage: Storage) -> None:
    assert isinstance(storage, PollOffsets)
    assert await storage.poll_offset("b", "telegram") is None
    await storage.set_poll_offset("b", "telegram", 41)
    await storage.set_poll_offset("b", "telegram", 42)
    assert await storage.poll_offset("b", "telegram") == 42
    assert await storage.poll_offset("c", "telegram") is None


async def test_delivery_progress(storage: Storage) -> None:
    assert isinstance(storage, DeliveryProgress)
    assert await storage.parts_sent("b", "telegram", "7") == 0
    await storage.set_parts_sent("b", "telegram", "7", 2)
    assert await storage.parts_sent("b", "telegram", "7") == 2
    assert not await storage.reply_token_refused("b", "line", "m1")
    await storage.mark_reply_token_refused("b", "line", "m1")
    assert await storage.reply_token_refused("b", "line", "m1")
    assert not await storage.was_sent_by_bot("b", "line", "x")
    await storage.mark_sent_by_bot("b", "line", "x")
    assert await storage.was_sent_by_bot("b", "line", "x") and not await storage.was_sent_by_bot("c", "line", "x")


async def test_push_counts_per_bot_channel_and_month(storage: Storage) -> None:
    assert isinstance(storage, PushCounts)
    assert [await storage.count_push("b", "line", DEC) for _ in range(3)] == [1, 2, 3]
    assert await storage.count_push("b", "line", JAN) == 1
    assert await storage.count_push("c", "line", DEC) == 1
    assert await storage.push_counts("b") == [
        MonthlyPushes("b", "line", "2026-12", 3), MonthlyPushes("b", "line", "2027-01", 1),
    ]  # fmt: skip
    assert len(await storage.push_counts()) == 3


async def test_a_nonce_is_refused_for_another_body_within_the_window(storage: Storage) -> None:
    assert isinstance(storage, RequestNonces)
    assert await storage.first_use("b", "wechat", "n1", "body-a", now=100.0, window_s=300)
    assert await storage.first_use("b", "wechat", "n1", "body-a", now=101.0, window_s=300)  # a redelivery
    assert not await storage.first_use("b", "wechat", "n1", "forged", now=102.0, window_s=300)
    assert await storage.first_use("other", "wechat", "n1", "forged", now=102.0, window_s=300)  # per bot
    assert await storage.first_use("b", "wechat", "n1", "forged", now=500.0, window_s=300)  # window over


def test_the_nonce_scope_is_the_one_the_wechat_adapter_builds() -> None:
    source = (Path(wechat_adapter.__file__)).read_text(encoding="utf-8")
    assert 'f"{self.bot_id}/{CHANNEL}"' in source and keys.nonce_scope("b", "wechat") == "b/wechat"


async def test_key_value_state_for_stores_that_own_their_keys(storage: Storage) -> None:
    assert isinstance(storage, KeyValueState)
    assert await storage.get_setting("llm.canary:fast") is None
    await storage.put_setting("llm.canary:fast", '{"status": "rolled_back"}')
    assert await storage.get_setting("llm.canary:fast") == '{"status": "rolled_back"}'
    await storage.bump_counters({"llm.model\x1fa": 1.0, "llm.model\x1fb": 2.5})
    await storage.bump_counters({"llm.model\x1fa": 1.0})
    await storage.bump_counters({})
    assert await storage.counters("llm.model\x1f") == {"llm.model\x1fa": 2.0, "llm.model\x1fb": 2.5}
    assert await storage.counters("nothing:") == {}
