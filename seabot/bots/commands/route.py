"""``seabot route``: the tier (and handoff) each text would be routed to, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from seabot.bots.config import AppConfig
from seabot.bots.jsonl import read_text_lines
from seabot.core.language import LanguageDetector
from seabot.core.routing import Router, RoutingRules


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("route", parents=[common], help="show how texts would be routed")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--jsonl", type=Path, metavar="FILE", help='file of {"text": ...} lines')
    p.add_argument("--bot", help="use this bot's routing rules (default: the built-in rules)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if not args.texts and args.jsonl is None:
        print("seabot route: give TEXT arguments or --jsonl FILE", file=sys.stderr)
        return 2
    rules = config.bot(args.bot).routing if args.bot else RoutingRules.default()
    router, detector = Router(rules), LanguageDetector()
    failed = 0
    for text in args.texts:
        _emit(text, router, detector)
    if args.jsonl is not None:
        try:
            lines = list(read_text_lines(args.jsonl))
        except OSError as exc:
            print(f"seabot route: cannot read {args.jsonl}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        for line in lines:
            if line.text is None:
                failed += 1
                print(f"seabot route: {args.jsonl}: {line.error}", file=sys.stderr)
                print(json.dumps({"text": None, "tier": "fast", "handoff": False, "reasons": [], "error": line.error}))
                continue
            _emit(line.text, router, detector)
    sys.stdout.flush()
    return 1 if failed else 0


def _emit(text: str, router: Router, detector: LanguageDetector) -> None:
    lang = detector.detect(text).lang
    record = {"text": text, **router.route(text, lang=lang).as_json()}
    sys.stdout.write(json.dumps(record, ensure_ascii=False).encode("utf-8", "replace").decode() + "\n")
