"""Cue matching: one precompiled regex per cue kind, robust to any input string.

Spaced scripts (Latin, Vietnamese) match whole words; Thai and Chinese cues, and cues with no
letters (emoji, "!!!"), match anywhere in the text with its spaces removed. Vietnamese cues of
two or more syllables also match text typed without diacritics ("nguoi that").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_CHARS = 4000
_JUNK = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\ufeff]")
_UNSPACED_SCRIPT = re.compile(r"[\u0e00-\u0e7f\u3400-\u9fff\uf900-\ufaff]")
_WORDY = re.compile(r"\w")
_SPACE = re.compile(r"\s+")


def normalize(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = _JUNK.sub(" ", text[:MAX_CHARS])
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return _SPACE.sub(" ", text).strip()


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class CueMatcher:
    """Finds which of a list of cues occur in a normalized text."""

    def __init__(self, cues: Iterable[str]) -> None:
        spaced: set[str] = set()
        unspaced: set[str] = set()
        plain: set[str] = set()
        for raw in cues:
            cue = normalize(raw)
            prefix = cue.endswith("*")
            cue = cue.rstrip("*").strip()
            if not cue:
                continue
            if _UNSPACED_SCRIPT.search(cue) or not _WORDY.search(cue):
                unspaced.add(re.escape(cue.replace(" ", "")))
                continue
            spaced.add(_spaced_pattern(cue, prefix))
            bare = strip_marks(cue)
            if bare != cue and " " in cue:
                plain.add(_spaced_pattern(bare, prefix))
        self._spaced = _compile(spaced, bounded=True)
        self._plain = _compile(plain, bounded=True)
        self._unspaced = _compile(unspaced, bounded=False)

    def find(self, text: str, squeezed: str, bare: str | None) -> list[str]:
        """Matched cue texts, in order of appearance, without repeats.

        ``text`` is normalized, ``squeezed`` is it without spaces, and ``bare`` is ``text``
        again when it has no diacritics at all (then unaccented Vietnamese cues are tried
        too), else ``None``.
        """
        found: dict[str, None] = {}
        for pattern, target in ((self._spaced, text), (self._unspaced, squeezed), (self._plain, bare)):
            if pattern is not None and target:
                for match in pattern.finditer(target):
                    found[match.group(0)] = None
        return list(found)


def _spaced_pattern(cue: str, prefix: bool) -> str:
    body = r"[\s\-]+".join(re.escape(part) for part in cue.split(" "))
    return body + (r"\w*" if prefix else "")


def _compile(patterns: set[str], *, bounded: bool) -> re.Pattern[str] | None:
    if not patterns:
        return None
    ordered = sorted(patterns, key=lambda p: (-len(p), p))
    body = "|".join(ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if bounded else f"(?:{body})")
