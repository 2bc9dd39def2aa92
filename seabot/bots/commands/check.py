"""``seabot check``: validate the config, list every problem or print a summary.

``--online`` also calls every model of every provider (each tier's and its canary's) once
with a tiny request, so a wrong key (401/403), an unknown model or an unreachable gateway
shows up before customers do.
"""

from __future__ import annotations

import argparse
import asyncio

from seabot.bots.config import AppConfig
from seabot.bots.runtime import llm_settings, open_llm_pool
from seabot.core.llm import LLMAuthError
from seabot.core.llm.pools import LLMPools
from seabot.core.llm.probe import probe_models
from seabot.core.llm.settings import DEFAULT_PROVIDER


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[common], help="validate the configuration")
    p.add_argument("--online", action="store_true", help="also call the LLM API once per tier (tiny request)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    print(f"{config.source}: OK")
    llm = config.llm
    if llm.enabled:
        settings = llm_settings(llm)
        for name in settings.provider_names():
            print(f"  llm provider {name}: {settings.provider(name).base_url}")
        for name, spec in settings.tiers.items():
            canary = f", canary {spec.canary.model} at {spec.canary.share:.0%}" if spec.canary is not None else ""
            print(f"  llm tier {name}: {spec.provider}: {spec.model}{canary}")
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
    """One tiny request to every model of every provider (tiers and canaries)."""
    settings = llm_settings(config.llm)
    pools = LLMPools(settings, open_llm_pool(settings))
    try:
        results = await probe_models(settings, pools.clients)
    finally:
        await pools.aclose()
    for r in results:
        label = f"  online {r.tier}{' canary' if r.arm == 'canary' else ''} ({r.provider}: {r.model}):"
        if r.ok:
            print(f"{label} OK")
        elif r.skipped:
            print(f"{label} skipped: provider {r.provider!r} rejected the API key")
        elif isinstance(r.error, LLMAuthError):
            where = "[llm].api_key (usually via SEABOT_LLM_API_KEY)" if r.provider == DEFAULT_PROVIDER else (
                f"[llm.providers.{r.provider}].api_key")  # fmt: skip
            print(f"{label} FAILED: the API key was rejected (HTTP {r.error.status}) by "
                  f"{settings.provider(r.provider).base_url}. Set a valid key in {where}.")  # fmt: skip
        else:
            print(f"{label} FAILED: {r.error}")
    return 0 if all(r.ok for r in results) else 1
