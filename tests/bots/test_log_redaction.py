"""What ``seabot serve`` writes to its stdout/stderr at INFO holds no secret and no customer
text, through good and badly signed webhooks, LLM calls and retries, platform failures and a
slow answer sent through the WeChat API (whose token request carries the app secret)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.bots.conftest import (
    SECRETS,
    TELEGRAM_TOKEN,
    WECHAT_AES_KEY,
    ServeProcess,
    line_sign,
    line_user,
    line_webhook,
    post,
    telegram_webhook,
    wait_until,
    wechat_query,
    wechat_webhook,
    write_config,
)
from tests.harness import PlatformStandIn
from tests.llm_server import FakeLLM, serve_fake_llm, stall, status

CUSTOMER_TEXT = "Which colours does the QUOKKA-7731 lamp come in, and is the glass version in stock?"
SLOW_TEXT = "Could the QUOKKA-7731 lamp be gift wrapped for my sister?"  # not in the answer cache
MODELS = ("fast-model", "balanced-model", "premium-model")


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


def test_no_secret_and_no_customer_text_in_the_server_output(
    tmp_path: Path, platform: PlatformStandIn, llm: FakeLLM, serve: Callable[..., ServeProcess]
) -> None:
    config = write_config(tmp_path, platform.url, llm_base_url=llm.base_url)
    server = serve(config, {"SEABOT_LOG_LEVEL": "INFO"})
    for model in MODELS:  # the first LLM call fails and is retried
        llm.script(model, status(500))
    platform.fail(r"/sendMessage$", 500)  # the first send is retried
    platform.fail(r"/v2/bot/message/reply$", 400)  # the reply token is refused: pushed instead

    assert post(server.url, "telegram", telegram_webhook(31, 9001, CUSTOMER_TEXT)).status_code == 200
    assert post(server.url, "line", line_webhook(line_user(5), CUSTOMER_TEXT, "E-REDACT")).status_code == 200
    wait_until(lambda: platform.calls(r"/sendMessage$") and platform.calls(r"/push$"), "Telegram and LINE answers")

    # badly signed and malformed requests are logged, without what they carried
    body, headers, _ = line_webhook(line_user(6), CUSTOMER_TEXT, "E-BAD")
    assert post(server.url, "line", (body, {**headers, "x-line-signature": line_sign(body, "not-the-secret")}, {})
                ).status_code == 401  # fmt: skip
    body, headers, query = telegram_webhook(32, 9002, CUSTOMER_TEXT)
    assert post(server.url, "telegram", (body, {**headers, "x-telegram-bot-api-secret-token": "wrong"}, query)
                ).status_code == 401  # fmt: skip
    bad_query = {**wechat_query(), "signature": "0" * 40}
    assert post(server.url, "wechat", (wechat_webhook("o-x", CUSTOMER_TEXT, 1)[0], {}, bad_query)).status_code == 401
    malformed = f'{{"events": [{{"type": "message", "message": "{CUSTOMER_TEXT}"}}]}}'.encode()
    # an event LINE would never send is refused on its own (the batch is acknowledged), unlogged
    assert post(server.url, "line", (malformed, {"x-line-signature": line_sign(malformed)}, {})).status_code == 200

    # a slow answer on WeChat goes through the API; its first token request fails
    for model in MODELS:
        llm.script(model, stall(5.0))
    platform.fail(r"/cgi-bin/token$", 500)
    assert post(server.url, "wechat", wechat_webhook("o-redact", SLOW_TEXT, 4242)).status_code == 200
    wait_until(lambda: platform.calls(r"/custom/send$"), "the WeChat customer-service message", timeout=90)
    wait_until(lambda: server.inbox_depth() == 0, "the inbox to drain")
    assert server.stop() in (0, -signal.SIGTERM)

    assert any(seen.authorization == f"Bearer {SECRETS[-1]}" for seen in llm.calls())  # the key was used
    output = server.output()
    assert "rejected webhook" in output and "level=warning" in output  # the log did have things to say
    leaked = [secret for secret in SECRETS if secret in output]
    assert leaked == [], f"secrets in the server output: {leaked}"
    assert CUSTOMER_TEXT not in output and SLOW_TEXT not in output and "QUOKKA-7731" not in output


def test_a_provider_error_that_echoes_a_secret_is_logged_masked(
    tmp_path: Path, platform: PlatformStandIn, llm: FakeLLM, serve: Callable[..., ServeProcess]
) -> None:
    config = write_config(tmp_path, platform.url, llm_base_url=llm.base_url)
    server = serve(config, {"SEABOT_LOG_LEVEL": "INFO"})
    echo = '{"error": {"message": "Incorrect API key provided: %s. Also token %s and %s."}}' % (
        SECRETS[-1], TELEGRAM_TOKEN, WECHAT_AES_KEY,
    )  # fmt: skip
    for model in MODELS:
        llm.always(model, status(401, body=echo))
    assert post(server.url, "telegram", telegram_webhook(41, 9101, "how do I pay")).status_code == 200
    wait_until(lambda: platform.calls(r"/sendMessage$"), "the offline answer")
    wait_until(lambda: server.inbox_depth() == 0, "the inbox to drain")
    assert server.stop() in (0, -signal.SIGTERM)
    output = server.output()
    assert "[secret]" in output  # the error was logged, masked
    leaked = [secret for secret in SECRETS if secret in output]
    assert leaked == [], f"secrets in the server output: {leaked}"
