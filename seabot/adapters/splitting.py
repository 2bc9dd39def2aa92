"""Splitting an answer into platform-sized messages, on sentence boundaries.

Platforms measure their limits differently: Telegram and LINE count UTF-16 code
units (an emoji is two), WeChat counts UTF-8 bytes (a Thai or Chinese character is
three). ``split_text`` packs whole sentences greedily into as few parts as fit;
a sentence longer than the limit is cut at a space, and a run without spaces (Thai,
Chinese) between characters, never inside a combining sequence (Thai vowel and tone
marks, emoji modifiers, joiners) or a surrogate pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum

__all__ = ["Measure", "measure", "split_text"]


class Measure(StrEnum):
    CHARS = "chars"  # code points
    UTF16 = "utf16"  # UTF-16 code units (Telegram, LINE)
    UTF8 = "utf8"  # UTF-8 bytes (WeChat)


def _utf16(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


_MEASURES: dict[Measure, Callable[[str], int]] = {
    Measure.CHARS: len,
    Measure.UTF16: _utf16,
    Measure.UTF8: lambda text: len(text.encode("utf-8")),
}

# A sentence ends after terminal punctuation followed by space, after CJK/Thai-style
# terminal punctuation (no space needed), or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?…;:])\s+|(?<=[。！？；…])|\n+|(?<=[\u0E2F\u0E46])\s+")
_SPACE = re.compile(r"\s+")
_JOINERS = {"\u200d", "\u2060", "\ufe0f", "\ufe0e"}


def measure(text: str, unit: Measure) -> int:
    return _MEASURES[unit](text)


def _sentences(text: str) -> list[str]:
    """``text`` cut after each sentence; the cuts keep the separating whitespace."""
    parts: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end > start:
            parts.append(text[start:end])
            start = end
    if start < len(text):
        parts.append(text[start:])
    return parts


def _is_attached(ch: str) -> bool:
    """True if ``ch`` belongs to the character before it (so no cut may fall before it)."""
    if ch in _JOINERS or unicodedata.combining(ch):
        return True
    if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
        return True
    return 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin-tone modifiers


def _hard_cut(text: str, limit: int, size: Callable[[str], int]) -> tuple[str, str]:
    """The longest prefix of ``text`` within ``limit`` that ends between characters."""
    lo, hi = 1, len(text)
    while lo < hi:  # largest n with size(text[:n]) <= limit
        mid = (lo + hi + 1) // 2
        if size(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    cut = lo
    while 1 < cut < len(text) and (_is_attached(text[cut]) or text[cut - 1] in _JOINERS):
        cut -= 1
    if cut <= 1 and size(text[:1]) > limit:
        raise ValueError(f"limit {limit} is smaller than one character")
    return text[:cut], text[cut:]


def _fit(piece: str, limit: int, size: Callable[[str], int]) -> list[str]:
    """``piece`` (one sentence) cut into parts within ``limit``: at spaces, else between characters."""
    out: list[str] = []
    rest = piece.strip()
    while rest and size(rest) > limit:
        head, _ = _hard_cut(rest, limit, size)
        space = max((m.start() for m in _SPACE.finditer(head)), default=-1)
        if space > 0 and size(rest[:space].rstrip()) > 0 and len(head) < len(rest):
            out.append(rest[:space].rstrip())
            rest = rest[space:].lstrip()
        else:
            out.append(head.strip() or head)
            rest = rest[len(head) :].lstrip()
    if rest:
        out.append(rest)
    return out


def split_text(text: str, limit: int, unit: Measure = Measure.CHARS) -> list[str]:
    """``text`` in as few parts as fit within ``limit`` (measured in ``unit``), cut at
    sentence boundaries where possible. Empty or blank text gives no parts."""
    if limit < 1:
        raise ValueError("limit must be positive")
    size = _MEASURES[unit]
    if not text.strip():
        return []
    if size(text.strip()) <= limit:
        return [text.strip()]
    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        candidate = current + sentence
        if size(candidate.strip()) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        current = ""
        if size(sentence.strip()) <= limit:
            current = sentence
            continue
        pieces = _fit(sentence, limit, size)
        parts.extend(pieces[:-1])
        current = pieces[-1] + " " if pieces else ""
    if current.strip():
        parts.append(current.strip())
    return parts
