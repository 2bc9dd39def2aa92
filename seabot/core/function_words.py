"""Words that carry no topic, removed before FAQ matching.

Without this, "what is your name" matched "what's your email" and "คุณชื่ออะไร" (what is your
name?) matched "ไอดีไลน์อะไร" (what is your LINE id?) on the question words alone, and the
offline responder answered a question nobody asked. Greetings and thanks are NOT here: they
are topics of their own.

Spaced scripts lose whole words; Thai and Chinese, written without spaces, lose particles at
the end of a run (ไหม, คะ, 吗, 呢 …), question words anywhere they are unambiguous (อะไร, 什么)
and polite openers at the start (请问).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["content_only"]

# Split on what is neither a word character nor Thai (Thai vowel and tone marks are not \w).
_SEPARATORS = re.compile(r"[^\w\u0E00-\u0E7F]+")

_LATIN = frozenset(
    # en
    "what whats how is are am was were be the a an your you yours u ur do does did i me my it its "
    "to of for in on at and or can could would will pls plz please there this that we us our "
    # id / ms
    "apa ya yg yang kak kakak dong sih deh kah ini itu saya aku kamu anda awak nya "
    # vi (with and without tones)
    "gi bạn ban là la của cua và va ạ a ơi oi nhé nhe vậy vay thế the nào nao "
    # tl
    "po ba ang ng ko mo nyo niyo kayo ano sa na ay yung lang naman".split()
)
_THAI_TRAILING = ("อะไร", "ไหม", "มั้ย", "ค่ะ", "คะ", "ครับ", "นะ", "หน่อย", "ยังไง", "บ้าง", "เหรอ", "จ้า")
_THAI_LEADING = ("คุณ",)
_HAN_TRAILING = ("吗", "呢", "吧", "啊", "呀", "哦", "嘛")
_HAN_ANYWHERE = ("什么",)
_HAN_LEADING = ("请问",)


def content_only(text: str) -> str:
    """``text``'s words without its function words, lower-cased, separated by single spaces."""
    kept = []
    folded = unicodedata.normalize("NFC", text).lower().replace("'", "").replace("\u2019", "")
    for token in _SEPARATORS.split(folded):
        if token in _LATIN:
            continue
        token = _strip_unspaced(token) if token else token
        if token:
            kept.append(token)
    return " ".join(kept)


def _strip_unspaced(token: str) -> str:
    for word in _HAN_ANYWHERE:
        token = token.replace(word, "")
    changed = True
    while changed and token:
        changed = False
        for suffix in _THAI_TRAILING + _HAN_TRAILING:
            if token.endswith(suffix) and len(token) > len(suffix):
                token, changed = token[: -len(suffix)], True
        for prefix in _THAI_LEADING + _HAN_LEADING:
            if token.startswith(prefix) and len(token) > len(prefix):
                token, changed = token[len(prefix) :], True
    return token
