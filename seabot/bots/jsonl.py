"""Reading ``{"text": …}`` JSONL input line by line, with errors that name the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TextLine", "read_text_lines"]


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
