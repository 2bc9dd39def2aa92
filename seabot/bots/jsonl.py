"""Reading ``{"text": …}`` JSONL input line by line, with errors that name the line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TextLine", "read_text_lines", "answer_each"]


@dataclass(frozen=True, slots=True)
class TextLine:
    number: int
    text: str | None
    error: str | None = None


def read_text_lines(path: Path) -> Iterator[TextLine]:
    """Every non-blank line of ``path``: its ``text``, or an error saying what is wrong."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield TextLine(number, None, f"line {number}: not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                yield TextLine(number, None, f"line {number}: not JSON ({exc.msg})")
                continue
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                yield TextLine(number, None, f'line {number}: no "text" string')
                continue
            yield TextLine(number, data["text"])


def answer_each(
    command: str,
    texts: list[str],
    jsonl: Path | None,
    answer: Callable[[str], dict[str, Any]],
    unreadable: dict[str, Any],
) -> int:
    """Print ``{"text": …, **answer(text)}`` for every argument and every JSONL line, in order.

    A bad JSONL line is named on stderr and answered with ``unreadable`` plus an ``error``, so
    output lines stay aligned with input lines; the exit code is then 1.
    """
    if not texts and jsonl is None:
        print(f"seabot {command}: give TEXT arguments or --jsonl FILE", file=sys.stderr)
        return 2
    lines: list[TextLine] = [TextLine(0, text) for text in texts]
    if jsonl is not None:
        try:
            lines += list(read_text_lines(jsonl))
        except OSError as exc:
            print(f"seabot {command}: cannot read {jsonl}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    failed = 0
    out = sys.stdout
    for line in lines:
        if line.text is None:
            failed += 1
            print(f"seabot {command}: {jsonl}: {line.error}", file=sys.stderr)
            record = {"text": None, **unreadable, "error": line.error}
        else:
            record = {"text": line.text, **answer(line.text)}
        # Lone surrogates (invalid text) are written as U+FFFD rather than crashing the run.
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8") + "\n")
    out.flush()
    return 1 if failed else 0
