"""``seabot detect``: the language of each text, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from seabot.bots.config import AppConfig
from seabot.bots.jsonl import read_text_lines
from seabot.core.language import LanguageDetector


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("detect", parents=[common], help="detect the language of texts")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--jsonl", type=Path, metavar="FILE", help='file of {"text": ...} lines')
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if not args.texts and args.jsonl is None:
        print("seabot detect: give TEXT arguments or --jsonl FILE", file=sys.stderr)
        return 2
    detector = LanguageDetector()
    failed = 0
    for text in args.texts:
        _emit(text, detector)
    if args.jsonl is not None:
        try:
            lines = list(read_text_lines(args.jsonl))
        except OSError as exc:
            print(f"seabot detect: cannot read {args.jsonl}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        for line in lines:
            if line.text is None:
                failed += 1
                print(f"seabot detect: {args.jsonl}: {line.error}", file=sys.stderr)
                print(json.dumps({"text": None, "lang": "und", "confidence": 0.0, "error": line.error}))
                continue
            _emit(line.text, detector)
    sys.stdout.flush()
    return 1 if failed else 0


def _emit(text: str, detector: LanguageDetector) -> None:
    detection = detector.detect(text)
    record = {"text": text, "lang": detection.lang, "confidence": round(detection.confidence, 4)}
    sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "replace").decode() + "\n")
