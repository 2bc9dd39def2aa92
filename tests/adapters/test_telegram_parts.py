"""Telegram pieces without a server: fixture updates to InboundMessages, and the send-rate limiter."""

from __future__ import annotations

import json

import pytest
from telegram import Update

from seabot.adapters.telegram import BotIdentity, SendRateLimiter, SendRates, parse_update
from seabot.core.messages import ChatKind, MessageKind
from tests.adapters.conftest import FIXTURES

TG = FIXTURES / "telegram"
# Read at collection to parametrize; without ../shared there is nothing to parametrize and the
# shared-marked test below skips (or fails on CI).
EXPECTED = json.loads((TG / "expected.json").read_text(encoding="utf-8"))["files"] if TG.exists() else {}
ME = BotIdentity(user_id=777000111, username="SeabotTestBot")
PARSEABLE = sorted(name for name, e in EXPECTED.items() if e["ptb_parses"])


@pytest.mark.shared
def test_the_telegram_fixtures_are_there() -> None:
    assert PARSEABLE, f"no parseable fixture in {TG}"


@pytest.mark.shared
@pytest.mark.parametrize("name", PARSEABLE)
def test_fixture_updates_map_as_expected(name: str) -> None:
    expected = EXPECTED[name]
    update = Update.de_json(json.loads((TG / name).read_text(encoding="utf-8")), None)
    parsed = parse_update(update, bot_id="shop", me=ME, received_at=0.0)
    answered_kinds = {"text", "photo", "sticker", "voice", "audio", "document", "location", "dice"}
    private = expected["chat_type"] == "private"
    # PTB's test update has chat type "" (no real chat): not answered
    addressed = private or (expected["command"] is not None and expected["chat_type"] in ("group", "supergroup"))
    if expected["update_type"] != "message" or expected["message_type"] not in answered_kinds or not addressed:
        assert parsed.message is None, parsed
        return
    message = parsed.message
    assert message is not None
    assert message.message_id == str(expected["update_id"])
    assert message.user_id == str(expected["platform_user_id"])
    assert message.chat_id == str(expected["chat_id"])
    assert message.chat_kind is (ChatKind.PRIVATE if private else ChatKind.GROUP)
    if expected["command"] in ("/start", "/help"):
        assert message.kind is MessageKind.FOLLOW
    elif expected["message_type"] == "text":
        assert message.kind is MessageKind.TEXT and message.text == expected["text"].replace("@SeabotTestBot", "")
    else:
        assert message.kind is not MessageKind.TEXT


def test_rate_limiter_spaces_messages_per_chat_and_per_group() -> None:
    now = [0.0]
    limiter = SendRateLimiter(SendRates(per_chat_interval_s=1.0, group_per_minute=20, global_per_second=30),
                              clock=lambda: now[0])  # fmt: skip
    private = [limiter.reserve("1", group=False) for _ in range(3)]
    assert private == [0.0, 1.0, 2.0]
    assert limiter.reserve("2", group=False) == 0.0  # another chat is not held back
    group = [limiter.reserve("-5", group=True) for _ in range(21)]
    assert group[:20] == [float(i) for i in range(20)]
    assert group[20] == 60.0  # the 21st message in a minute waits for the window
    busy = SendRateLimiter(SendRates(global_per_second=30), clock=lambda: now[0])
    slots = [busy.reserve(str(chat), group=False) for chat in range(31)]
    assert slots[:30] == [0.0] * 30 and slots[30] == 1.0
