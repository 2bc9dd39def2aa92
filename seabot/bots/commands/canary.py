"""``seabot canary status|promote|rollback|resume``: the merchant's hand on each tier's canary.

``status`` shows each canary, its state (active at its share, rolled back, promoted — by whom,
when, why) and both arms side by side from the stored per model numbers. ``promote`` sends
every conversation of the tier to the canary, ``rollback`` none, ``resume`` back to its share;
a running server picks the decision up within seconds (it is kept in the store, so a restart
keeps it too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from seabot.bots.canaries import canary_decisions, canary_line
from seabot.bots.commands.stats import model_row_json, model_table, read_model_rows
from seabot.bots.config import AppConfig
from seabot.core.budget import DAY_S, day_start
from seabot.core.llm.canary import Canaries, CanaryStatus, SettingsCanaryStore
from seabot.storage import SqliteStore

_ACTIONS = {"promote": CanaryStatus.PROMOTED, "rollback": CanaryStatus.ROLLED_BACK, "resume": CanaryStatus.ACTIVE}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("canary", help="each tier's canary: status, promote, rollback, resume")  # --config after ACTION
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", parents=[common], help="each canary's state and both arms' numbers")
    status.add_argument("--days", type=int, default=7, help="days of numbers, today included (UTC; default 7)")
    status.add_argument("--json", action="store_true", help="one JSON document for scripts")
    for name, help_text in (
        ("promote", "send every conversation of the tier to its canary"),
        ("rollback", "send every conversation of the tier to its own model"),
        ("resume", "back to the canary's configured share"),
    ):
        action = actions.add_parser(name, parents=[common], help=help_text)
        action.add_argument("--tier", required=True, help="fast, balanced or premium")
        action.add_argument("--reason", default="", help="why (shown by status and stats)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    configured = [name for name, tier in config.llm.tiers.items() if tier.canary is not None]
    if args.action == "status":
        return _status(args, config, configured)
    if args.tier not in configured:
        where = ", ".join(configured) or "none is configured ([llm.tiers.<tier>.canary])"
        print(f"seabot canary: tier {args.tier!r} has no canary; tiers with one: {where}")
        return 2
    status = _ACTIONS[args.action]
    reason = args.reason or f"{args.action} by hand"
    store = SqliteStore(config.storage.path)
    try:
        canaries = Canaries(config.llm.settings().tiers, SettingsCanaryStore(store), clock=time.monotonic)
        asyncio.run(canaries.decide(args.tier, status, reason, by="merchant"))
        decisions = asyncio.run(canary_decisions(config, store))
    finally:
        store.close()
    print(canary_line(config, args.tier, None if status is CanaryStatus.ACTIVE else decisions[args.tier]))
    if status is CanaryStatus.PROMOTED:
        canary = config.llm.tiers[args.tier].canary
        assert canary is not None
        print(f"  to make it permanent: set [llm.tiers.{args.tier}] model = {canary.model!r}, provider ="
              f" {canary.provider!r} (and its prices), then remove [llm.tiers.{args.tier}.canary]")  # fmt: skip
    print("  a running seabot follows within a few seconds")
    return 0


def _status(args: argparse.Namespace, config: AppConfig, configured: list[str]) -> int:
    if args.days < 1:
        print("seabot canary status: --days must be at least 1")
        return 2
    if not configured:
        print("no canary is configured (add [llm.tiers.<tier>.canary] with model, provider and share)")
        return 0
    store = SqliteStore(config.storage.path)
    try:
        decisions = asyncio.run(canary_decisions(config, store))
    finally:
        store.close()
    since = day_start(time.time()) - (args.days - 1) * DAY_S
    rows = [row for row in read_model_rows(config, since, by_arm=True) if row.tier in configured]
    if args.json:
        document = {
            "since": time.strftime("%Y-%m-%d", time.gmtime(since)),
            "canaries": [
                {
                    "tier": tier,
                    "line": canary_line(config, tier, decisions[tier]),
                    "status": "active" if (decision := decisions[tier]) is None else str(decision.status),
                    "arms": [model_row_json(row) for row in rows if row.tier == tier],
                }
                for tier in configured
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    for tier in configured:
        spec = config.llm.tiers[tier]
        print(canary_line(config, tier, decisions[tier]))
        print(f"  control: {spec.model}@{spec.provider}")
        arms = [row for row in rows if row.tier == tier]
        print(model_table(arms) if arms else f"  no answers in the last {args.days} day(s)")
        print()
    return 0
