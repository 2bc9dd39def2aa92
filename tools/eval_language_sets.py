"""Score the detector on our own hand-written check sets (never on test.jsonl).

    .venv/bin/python tools/eval_language_sets.py [--errors ms]

For each set in ``tests/core/data/langid_*.jsonl`` it prints accuracy per language on the
full lines and on every 1- and 2-word window of the id/ms lines (a stand-in for the short
pieces cut from longer sentences that real traffic and test.jsonl's ``#span`` items contain).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seabot.core.language import LanguageDetector  # noqa: E402

SETS = ("langid_chat_cases.jsonl", "langid_chat_holdout.jsonl", "langid_informal_check.jsonl")


def spans(text: str) -> list[str]:
    words = text.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", default="", help="print the misses of this label (id or ms)")
    args = parser.parse_args()
    detector = LanguageDetector()
    for name in SETS:
        rows = [json.loads(x) for x in (ROOT / "tests/core/data" / name).read_text("utf-8").splitlines() if x.strip()]
        full_hit, full_n, span_hit, span_n = Counter(), Counter(), Counter(), Counter()
        for row in rows:
            lang = row["lang"]
            full_n[lang] += 1
            guess = detector.detect(row["text"]).lang
            full_hit[lang] += guess == lang
            if guess != lang and args.errors == lang:
                print(f"  MISS {name[7:17]} {guess} <- {row['text']}")
            if lang in ("id", "ms"):
                for piece in spans(row["text"]):
                    span_n[lang] += 1
                    g = detector.detect(piece).lang
                    span_hit[lang] += g == lang
        full = " ".join(f"{k} {100 * full_hit[k] / full_n[k]:.1f}" for k in sorted(full_n))
        total = 100 * sum(full_hit.values()) / sum(full_n.values())
        sp = " ".join(f"{k} {100 * span_hit[k] / span_n[k]:.1f} (n={span_n[k]})" for k in ("id", "ms"))
        print(f"{name:<30} full {total:.1f} [{full}] | spans {sp}")


if __name__ == "__main__":
    main()
