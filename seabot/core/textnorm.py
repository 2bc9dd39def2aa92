"""Text normalization and character n-gram features shared by matchers."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

__all__ = ["normalize", "features", "is_blank", "storable"]

_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Scripts written without spaces between words: Thai and CJK.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


# A code point in the surrogate range is never a character on its own: JSON lets a sender
# escape one ("\ud800") that UTF-8 cannot encode, and no database can store it as text.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str, *, identifier: bool = False) -> tuple[str, bool]:
    """``text`` as it can be stored and sent, and whether it had to be repaired. Lone
    surrogates become U+FFFD in text; in an ``identifier`` they are spelled out (``\\ud800``)
    so two ids that differ only there stay two ids. Everything else is kept exactly."""
    if _LONE_SURROGATE.search(text) is None:
        return text, False
    if identifier:
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\\", "\\\\")), True
    return _LONE_SURROGATE.sub("\ufffd", text), True


def is_blank(text: str) -> bool:
    """True when the text has nothing a person could read (only spaces or controls)."""
    return not any(ch.isprintable() and not ch.isspace() for ch in text)


def normalize(text: str) -> str:
    """Casefold, drop punctuation, and fold Latin diacritics (``bao lâu`` == ``bao lau``).

    Thai vowel and tone marks are kept: they are letters, not decoration.
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _LATIN_MARKS.sub("", text).replace("đ", "d")
    text = unicodedata.normalize("NFC", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def features(normalized: str) -> Counter[str]:
    """Bag of features: words (counted thrice) and boundary-marked character trigrams for
    spaced scripts; character bigrams and trigrams for Thai and Chinese."""
    bag: Counter[str] = Counter()
    for token in normalized.split():
        if _UNSPACED.search(token):
            for n in (2, 3):
                for i in range(len(token) - n + 1):
                    bag["c" + token[i : i + n]] += 1
            if len(token) == 1:
                bag["c" + token] += 1
        else:
            bag["w" + token] += 3
            padded = f"#{token}#"
            for i in range(len(padded) - 2):
                bag["t" + padded[i : i + 3]] += 1
    return bag
