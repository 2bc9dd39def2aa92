"""`seabot poll`'s library: getUpdates against the loopback Bot API, offset kept in SQLite across restarts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from seabot.adapters.telegram import TelegramAdapter, TelegramPoller, offset_key
from seabot.bots.channels import build_adapters
from seabot.bots.commands.telegram import webhook_url
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.core.inbox import InboxWorker
from tests.adapters.conftest import PlatformStandIn, bot_config


def update(update_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1700000000, "text": text,
        "chat": {"id": 4242, "type": "private"}, "from": {"id": 4242, "is_bot": False, "first_name": "P"}}}  # fmt: skip


async def session(config_path: Path, *, until_sent: int, platform: PlatformStandIn) -> list[int | None]:
    """One run of the poller (as after a process start): poll until ``until_sent`` answers went out."""
    runtime = Runtime.open(load_config(config_path, environ={}))
    adapters = build_adapters(runtime)
    adapter = adapters[("shop", "telegram")]
    assert isinstance(adapter, TelegramAdapter)
    worker = InboxWorker(runtime.store, runtime.pipelines, lambda b, c: adapters.get((b, c)), runtime.metrics)
    task = asyncio.create_task(worker.run())
    poller = TelegramPoller(adapter, runtime.store, worker, timeout_s=0)
    offsets = []
    try:
        for _ in range(400):
            offsets.append(await poller.offset())
            await poller.poll_once(timeout_s=0)
            if len(platform.calls(r"/sendMessage$")) >= until_sent and runtime.store.inbox_depth() == 0:
                break
            await asyncio.sleep(0.05)
        offsets.append(await poller.offset())
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for each in adapters.values():
            await each.aclose()
        await runtime.aclose()
    return offsets


@pytest.mark.anyio
async def test_polling_restart_neither_repeats_nor_skips(tmp_path: Path, platform: PlatformStandIn) -> None:
    channels = f'[bots.shop.telegram]\ntoken = "777:T"\napi_base = "{platform.url}"\n'
    path = tmp_path / "config.toml"
    path.write_text(bot_config(tmp_path, channels), encoding="utf-8")
    platform.updates.extend([update(100, "how long is shipping"), update(101, "hello")])
    first = await session(path, until_sent=2, platform=platform)
    assert first[0] is None and first[-1] == 102
    # Telegram still holds 101 (as if the offset confirmation was lost) and has a new one
    platform.updates.append(update(102, "how long is shipping"))
    second = await session(path, until_sent=3, platform=platform)
    assert second[0] == 102 and second[-1] == 103
    texts = [r.form_or_json["text"] for r in platform.calls(r"/sendMessage$")]
    assert len(texts) == 3 and texts[0] == texts[2] == "Shipping takes 2-3 days."
    offsets = [r.form_or_json.get("offset") for r in platform.calls(r"/getUpdates$")]
    assert offsets[0] in (None, "") and {str(o) for o in offsets[1:]} <= {"102", "103"}
    runtime = Runtime.open(load_config(path, environ={}))
    assert runtime.store.get_setting(offset_key("shop")) == "103"
    await runtime.aclose()


@pytest.mark.anyio
async def test_an_update_fetched_twice_is_answered_once(tmp_path: Path, platform: PlatformStandIn) -> None:
    channels = f'[bots.shop.telegram]\ntoken = "777:T"\napi_base = "{platform.url}"\n'
    path = tmp_path / "config.toml"
    path.write_text(bot_config(tmp_path, channels), encoding="utf-8")
    platform.updates.append(update(200, "how long is shipping"))
    await session(path, until_sent=1, platform=platform)
    runtime = Runtime.open(load_config(path, environ={}))
    runtime.store.put_setting(offset_key("shop"), "200")  # the offset write was lost in a crash
    await runtime.aclose()
    await session(path, until_sent=1, platform=platform)
    assert len(platform.calls(r"/sendMessage$")) == 1


def test_set_webhook_sends_secret_and_allowed_updates(tmp_path: Path, platform: PlatformStandIn) -> None:
    import subprocess
    import sys

    channels = f'[bots.shop.telegram]\ntoken = "777:T"\nsecret_token = "Sec_ret-1"\napi_base = "{platform.url}"\n'
    path = tmp_path / "config.toml"
    path.write_text(bot_config(tmp_path, channels), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seabot.bots.cli",
            "telegram",
            "set-webhook",
            "--config",
            str(path),
            "--bot",
            "shop",
            "--url",
            "https://shop.example",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    call = platform.wait_for(r"/setWebhook$")[0].form_or_json
    assert call["url"] == "https://shop.example/webhooks/shop/telegram"
    assert call["secret_token"] == "Sec_ret-1"
    allowed = call["allowed_updates"]
    assert (json.loads(allowed) if isinstance(allowed, str) else allowed) == ["message"]
    assert webhook_url("https://x.example/custom/path", "shop") == "https://x.example/custom/path"
