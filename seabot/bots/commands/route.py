"""``seabot route``: the tier (and handoff) each text would be routed to, as JSON lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seabot.bots.config import AppConfig
from seabot.bots.jsonl import answer_each
from seabot.core.language import LanguageDetector
from seabot.core.routing import Router, RoutingRules


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("route", parents=[common], help="show how texts would be routed")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--jsonl", type=Path, metavar="FILE", help='file of {"text": ...} lines')
    p.add_argument("--bot", help="use this bot's routing rules (default: the built-in rules)")
    p.set_defaults(run=run, config_optional=True)


def run(args: argparse.Namespace, config: AppConfig | None) -> int:
    if args.bot and config is None:
        print(
            "seabot route: --bot needs a config file (--config PATH or SEABOT_CONFIG); without it, drop --bot",
            file=sys.stderr,
        )
        return 2
    rules = config.bot(args.bot).routing if args.bot and config is not None else RoutingRules.default()
    router, detector = Router(rules), LanguageDetector()

    def route(text: str) -> dict[str, object]:
        return router.route(text, lang=detector.detect(text).lang).as_json()

    unreadable = {"tier": "fast", "handoff": False, "reasons": []}
    return answer_each("route", args.texts, args.jsonl, route, unreadable)
