"""``seabot check``: validate the config, list every problem or print a summary.

``--online`` also calls the LLM API once per tier with a tiny request, so a wrong key
(401/403), an unknown model or an unreachable gateway shows up before customers do.
"""

from __future__ import annotations

import argparse
import asyncio

from seabot.bots.config import AppConfig
from seabot.bots.runtime import llm_settings, open_http_client
from seabot.core.llm import ChatClient, ChatMessage, ChatRequest, LLMAuthError, LLMError, LLMSettings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", parents=[common], help="validate the configuration")
    p.add_argument("--online", action="store_true", help="also call the LLM API once per tier (tiny request)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    print(f"{config.source}: OK")
    llm = config.llm
    if llm.enabled:
        tiers = ", ".join(f"{name}={tier.model}" for name, tier in llm.tiers.items())
        print(f"  llm: {llm.base_url} ({tiers})")
    else:
        print("  llm: no api_key: the built-in offline responder answers from each bot's FAQ")
    print(f"  storage: {config.storage.path}")
    for bot_id, bot in config.bots.items():
        profile = bot.profile
        channels = ", ".join(bot.channels) or "none (console only)"
        budget = f"${profile.daily_budget_usd:g}/day" if profile.daily_budget_usd is not None else "no daily budget"
        print(
            f"  bot {bot_id} ({profile.display_name}): languages {' '.join(profile.languages)}, "
            f"default {profile.default_language}, {len(profile.faq)} FAQ topics, {budget}, channels: {channels}"
        )
        if bot.telegram is not None and not bot.telegram.secret_token:
            print(
                f"  warning: bots.{bot_id}.telegram.secret_token is empty: Telegram webhooks are refused "
                f"(only `seabot poll --bot {bot_id}` works); set it and run `seabot telegram set-webhook`"
            )
    if not getattr(args, "online", False):
        return 0
    if not llm.enabled:
        print("  online: FAILED: no [llm].api_key is set (SEABOT_LLM_API_KEY), so there is no LLM to check")
        return 1
    return asyncio.run(_check_online(config))


async def _check_online(config: AppConfig) -> int:
    settings = llm_settings(config.llm)
    http = open_http_client(config.llm)
    failed = 0
    try:
        client = ChatClient(http, settings.base_url, settings.api_key)
        key_rejected = False
        for name, tier in settings.tiers.items():
            label = f"  online {name} ({tier.model}):"
            if key_rejected:
                print(f"{label} skipped: the API key was rejected")
                failed += 1
                continue
            problem = await _probe(client, settings, name)
            if problem is None:
                print(f"{label} OK")
                continue
            failed += 1
            if isinstance(problem, LLMAuthError):
                key_rejected = True
                print(
                    f"{label} FAILED: the API key was rejected (HTTP {problem.status}) by {settings.base_url}. "
                    "Set a valid key in [llm].api_key (usually via SEABOT_LLM_API_KEY)."
                )
            else:
                print(f"{label} FAILED: {problem}")
    finally:
        await http.aclose()
    return 1 if failed else 0


async def _probe(client: ChatClient, settings: LLMSettings, tier: str) -> LLMError | None:
    spec = settings.tiers[tier]
    request = ChatRequest(model=spec.model, messages=(ChatMessage("user", "Reply with: ok"),), max_tokens=16)
    try:
        await client.complete(request, timeout_s=settings.timeout_for(tier))
    except LLMError as exc:
        return exc
    return None
