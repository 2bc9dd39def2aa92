"""The public webhook port: metrics only with the bearer token, slow bodies timed out, a client
that goes away is one INFO line (issue 11, items 10 and 11). Real server on loopback."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.bots.conftest import METRICS_AUTH, METRICS_TOKEN, InProcessServer, write_config
from tests.harness import PlatformStandIn

Start = Callable[..., InProcessServer]


def _with(path: Path, server_lines: str) -> Path:
    text = path.read_text(encoding="utf-8").replace("[server]\n", f"[server]\n{server_lines}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_metrics_on_the_webhook_port_need_the_bearer_token(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start
) -> None:
    server = serve_in_process(write_config(tmp_path, platform.url))
    assert httpx.get(f"{server.url}/metrics").status_code == 404
    assert httpx.get(f"{server.url}/metrics", headers={"authorization": "Bearer wrong"}).status_code == 404
    assert httpx.get(f"{server.url}/metrics", headers={"authorization": METRICS_TOKEN}).status_code == 404
    ok = httpx.get(f"{server.url}/metrics", headers=METRICS_AUTH)
    assert ok.status_code == 200 and "seabot_inbox_depth" in ok.text


def test_without_a_token_the_webhook_port_never_serves_metrics(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start
) -> None:
    config = write_config(tmp_path, platform.url)
    config.write_text(config.read_text().replace(f'metrics_token = "{METRICS_TOKEN}"\n', ""), encoding="utf-8")
    server = serve_in_process(config)
    assert httpx.get(f"{server.url}/metrics", headers={"authorization": "Bearer x"}).status_code == 404
    assert httpx.get(f"{server.url}/metrics").status_code == 404


def test_a_body_that_trickles_in_is_cut_off_with_408(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start
) -> None:
    server = serve_in_process(_with(write_config(tmp_path, platform.url), "body_timeout_s = 0.5"))
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /webhooks/shop/line HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                     b"Content-Type: application/json\r\n\r\n{")  # fmt: skip
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            sock.sendall(b" ")  # a byte now and then, never the whole body
            time.sleep(0.1)
            sock.settimeout(0.05)
            with contextlib.suppress(TimeoutError):
                answer += sock.recv(4096)
            sock.settimeout(10)
            assert time.monotonic() - started < 60, "the slow body was never cut off"  # a hang guard, not a timing
    assert answer.startswith(b"HTTP/1.1 408")
    assert server.runtime.store.inbox_depth() == 0


def test_a_client_that_goes_away_mid_body_is_one_info_line(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve_in_process(write_config(tmp_path, platform.url))
    host, port = server.url.removeprefix("http://").split(":")
    with caplog.at_level(logging.INFO):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b'POST /webhooks/shop/telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"upd')
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while "client went away" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "client went away" in caplog.text
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
