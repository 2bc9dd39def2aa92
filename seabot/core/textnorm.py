"""Text normalization and character n-gram features shared by matchers."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

__all__ = ["normalize", "features", "is_blank"]

_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Scripts written without spaces between words: Thai and CJK.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
