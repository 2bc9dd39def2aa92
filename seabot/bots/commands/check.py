"""``seabot check``: validate the config, list every problem or print a summary."""

from __future__ import annotations

import argparse

from seabot.bots.config import AppConfig


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", parents=[common], help="validate the configuration")
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
    return 0
