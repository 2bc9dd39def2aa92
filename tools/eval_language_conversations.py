"""Score the detector on our own conversation and regional-English check sets (never test.jsonl).

    .venv/bin/python tools/eval_language_conversations.py [--errors]

``tests/core/data/langid_conversations.jsonl`` holds whole customer conversations, one per line
(``{"id", "locale", "messages": [{"text", "lang"}, ...]}``); each message is labelled with the
language the customer is writing in at that point. Messages are replayed in order, the way the
pipeline calls the detector, and per-message accuracy is reported three ways:

- ``alone``: each message on its own (only the platform locale);
- ``lang``: with the conversation's current language (the last decided one), as today's pipeline
  passes it;
- ``context``: with the conversation's language and its earlier customer messages
  (``recent_customer_texts``), if the detector accepts them.

``tests/core/data/langid_region_english.jsonl`` holds single messages: English as written in
Singapore and Malaysia (particles, interjections), and lines with real Malay, Indonesian, Thai
or Chinese content for contrast.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "seabot" not in sys.modules:  # else a wrapper already imported another checkout's detector
    sys.path.insert(0, str(ROOT))

from seabot.core.language import LanguageDetector  # noqa: E402

DATA = ROOT / "tests/core/data"
#: Earlier customer messages handed to the detector in the ``context`` mode.
CONTEXT_MESSAGES = 4


def _rows(name: str) -> list[dict]:
    return [json.loads(x) for x in (DATA / name).read_text("utf-8").splitlines() if x.strip()]


def replay(detector: LanguageDetector, conversation: dict, mode: str) -> list[tuple[str, str, str]]:
    """(text, expected, detected) for each message of one conversation."""
    takes_context = "recent_customer_texts" in inspect.signature(detector.detect).parameters
    current: str | None = None
    earlier: list[str] = []
    out = []
    for message in conversation["messages"]:
        kwargs: dict = {"locale": conversation.get("locale")}
        if mode in ("lang", "context"):
            kwargs["conversation_lang"] = current
        if mode == "context" and takes_context:
            kwargs["recent_customer_texts"] = tuple(earlier[-CONTEXT_MESSAGES:])
        got = detector.detect(message["text"], **kwargs).lang
        if got != "und":
            current = got
        earlier.append(message["text"])
        out.append((message["text"], message["lang"], got))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()
    detector = LanguageDetector()
    conversations = _rows("langid_conversations.jsonl")
    for mode in ("alone", "lang", "context"):
        hit: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for conv in conversations:
            for text, want, got in replay(detector, conv, mode):
                seen[want] += 1
                hit[want] += got == want
                if args.errors and got != want:
                    print(f"  MISS [{mode}] {conv['id']}: {want} -> {got}: {text}")
        per = " ".join(f"{k} {100 * hit[k] / seen[k]:.1f}" for k in sorted(seen))
        print(f"conversations {mode:<8} {100 * sum(hit.values()) / sum(seen.values()):.1f} [{per}]")
    hit = Counter()
    seen = Counter()
    for row in _rows("langid_region_english.jsonl"):
        got = detector.detect(row["text"]).lang
        seen[row["lang"]] += 1
        hit[row["lang"]] += got == row["lang"]
        if args.errors and got != row["lang"]:
            print(f"  MISS [region] {row['lang']} -> {got}: {row['text']}")
    per = " ".join(f"{k} {100 * hit[k] / seen[k]:.1f}" for k in sorted(seen))
    print(f"region english         {100 * sum(hit.values()) / sum(seen.values()):.1f} [{per}]")


if __name__ == "__main__":
    main()
