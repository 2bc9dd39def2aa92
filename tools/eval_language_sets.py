"""Score the detector on our own hand-written check sets (never on test.jsonl).

    .venv/bin/python tools/eval_language_sets.py [--errors ms [--show 3-6]] [--only confession] [--holdout]
                                                 [--lines /tmp/idms_holdout.jsonl]

For each set in ``tests/core/data/langid_*.jsonl`` it prints accuracy per language on the
full lines and, for the id/ms lines, on every contiguous window of 1–2 words and of 3–6 words
(a stand-in for the pieces cut from longer sentences that real traffic and test.jsonl's
``#span`` items contain). Lines marked ``"holdout": true`` are kept aside for a final check:
they are skipped unless ``--holdout`` is given, and are then scored as a set of their own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "seabot" not in sys.modules:  # else a wrapper already imported another checkout's detector
    sys.path.insert(0, str(ROOT))

from seabot.core.language import LanguageDetector  # noqa: E402

SETS = (
    "langid_chat_cases.jsonl",
    "langid_chat_holdout.jsonl",
    "langid_informal_check.jsonl",
    "langid_confession_check.jsonl",
)
SIZES = {"1-2": (1, 2), "3-6": (3, 4, 5, 6)}


def windows(text: str, sizes: tuple[int, ...]) -> list[str]:
    """Every run of ``n`` consecutive words, for each ``n`` in ``sizes``."""
    words = text.split()
    return [" ".join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)]


def load(name: str, holdout: bool) -> list[dict]:
    lines = (ROOT / "tests/core/data" / name).read_text("utf-8").splitlines()
    rows = [json.loads(x) for x in lines if x.strip()]
    return [r for r in rows if bool(r.get("holdout")) == holdout]


def score(detector: LanguageDetector, label: str, rows: list[dict], errors: str, show: str) -> None:
    hit: dict[str, Counter] = {k: Counter() for k in ("full", *SIZES)}
    n: dict[str, Counter] = {k: Counter() for k in ("full", *SIZES)}
    for row in rows:
        lang = row["lang"]
        pieces = {"full": [row["text"]]}
        if lang in ("id", "ms"):
            pieces.update({k: windows(row["text"], sizes) for k, sizes in SIZES.items()})
        for kind, texts in pieces.items():
            for text in texts:
                guess = detector.detect(text).lang
                n[kind][lang] += 1
                hit[kind][lang] += guess == lang
                if guess != lang and errors == lang and show == kind:
                    print(f"  MISS {label[7:17]} {guess} <- {text}")
    full = " ".join(f"{k} {100 * hit['full'][k] / n['full'][k]:.1f}" for k in sorted(n["full"]))
    total = 100 * sum(hit["full"].values()) / sum(n["full"].values())
    parts = [f"{label:<36} full {total:.1f} [{full}]"]
    for kind in SIZES:
        pct = " ".join(f"{k} {100 * hit[kind][k] / n[kind][k]:.1f}" for k in ("id", "ms") if n[kind][k])
        parts.append(f"{kind} {pct}")
    print(" | ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", default="", help="print the misses of this label (id or ms)")
    parser.add_argument("--show", default="full", choices=("full", *SIZES), help="which misses to print")
    parser.add_argument("--only", default="", help="only the sets whose file name contains this")
    parser.add_argument("--holdout", action="store_true", help="also score the hold-out lines")
    parser.add_argument(
        "--lines",
        type=Path,
        help="also score this JSONL file of {text, lang, source} per source, "
        "e.g. /tmp/idms_holdout.jsonl from tools/build_language_idms.py --holdout",
    )
    args = parser.parse_args()
    detector = LanguageDetector()
    if args.lines:
        by_source: dict[str, list[dict]] = {}
        for line in args.lines.read_text("utf-8").splitlines():
            row = json.loads(line)
            by_source.setdefault(row["source"], []).append(row)
        for source, rows in sorted(by_source.items()):
            score(detector, f"train hold-out {source}", rows, args.errors, args.show)
    for name in SETS:
        if args.only not in name:
            continue
        score(detector, name, load(name, holdout=False), args.errors, args.show)
        if args.holdout:
            rows = load(name, holdout=True)
            if rows:
                score(detector, name + " [hold-out]", rows, args.errors, args.show)


if __name__ == "__main__":
    main()
