"""``seabot detect``: the language of each text, as JSON lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from seabot.bots.config import AppConfig
from seabot.bots.jsonl import answer_each
from seabot.core.language import LanguageDetector


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("detect", parents=[common], help="detect the language of texts")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--jsonl", type=Path, metavar="FILE", help='file of {"text": ...} lines')
    p.set_defaults(run=run, config_optional=True)


def run(args: argparse.Namespace, config: AppConfig | None) -> int:
    detector = LanguageDetector()

    def detect(text: str) -> dict[str, object]:
        detection = detector.detect(text)
        return {"lang": detection.lang, "confidence": round(detection.confidence, 4)}

    return answer_each("detect", args.texts, args.jsonl, detect, {"lang": "und", "confidence": 0.0})
