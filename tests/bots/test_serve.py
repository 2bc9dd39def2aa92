"""`seabot serve` as a real process: health, metrics, and clear 404s."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(seabot_cmd: list[str], shipped_config: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [*seabot_cmd, "serve", "--config", str(shipped_config), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {proc.communicate()[0]}")
    assert proc.stdout is not None
    yield base, proc
    if proc.poll() is None:
        proc.terminate()
    proc.communicate(timeout=30)  # also closes the pipe


def test_health_metrics_and_404s(server: tuple[str, subprocess.Popen[str]], shipped_config: Path) -> None:
    base, _ = server
    health = httpx.get(f"{base}/healthz").json()
    assert health == {"status": "ok", "bots": ["demo-shop"]}
    # the webhook port faces the internet: no metrics there without a token ...
    assert httpx.get(f"{base}/metrics").status_code == 404
    # ... they are on the console's own listener
    console_port = re.search(r"(?m)^port = (\d+)$", shipped_config.read_text().split("[console]")[1]).group(1)  # type: ignore[union-attr]  # the shipped config has it
    metrics = httpx.get(f"http://127.0.0.1:{console_port}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "# TYPE seabot_inbox_depth gauge" in metrics.text
    assert "seabot_inbox_depth 0" in metrics.text
    long_id = "x" * 60_000
    echoed = httpx.post(f"{base}/webhooks/{long_id}/line", content=b"{}")
    assert echoed.status_code == 404 and len(echoed.text) < 200 and "60000 characters" in echoed.text
    unknown = httpx.post(f"{base}/webhooks/nope/line", content=b"{}")
    assert unknown.status_code == 404 and "unknown bot" in unknown.text
    unconfigured = httpx.post(f"{base}/webhooks/demo-shop/line", content=b"{}")
    assert unconfigured.status_code == 404 and "no line channel" in unconfigured.text


def test_serve_prints_where_it_listens_and_stops_cleanly_on_sigterm(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    base, proc = server
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a graceful stop
    assert "stopped: in-flight answers finished" in out
    assert f"seabot serving 1 bot(s) on {base}" in out
    assert "seabot chat --bot demo-shop" in out
