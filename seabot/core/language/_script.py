"""Which writing systems a message uses: settles Thai, Chinese and accented Vietnamese."""

from __future__ import annotations

import re
from dataclasses import dataclass

_THAI = re.compile(r"[\u0e01-\u0e5b]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f\u1e00-\u1eff]")
#: Letters only Vietnamese uses among our languages: ă đ ơ ư, and vowels with a dot below,
#: a hook above, or a tone mark stacked on a circumflex/breve.
_VI_LETTERS = "ăđơưạặậẹệịọộợụựỵảẳẩẻểỉỏổởủửỷẽễĩũữỹấầẫắằẵếềốồỗớờỡứừ"
_VI_WORD = re.compile(rf"\w*[{_VI_LETTERS}]\w*")
_OTHER_LETTER = re.compile(
    r"[^\W\d_a-z\u00c0-\u024f\u1e00-\u1eff\u0e01-\u0e5b\u3040-\u30ff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]"
)


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """Letter counts per script in a cleaned (lower-cased) message."""

    thai: int
    han: int
    kana: int
    latin: int
    other: int
    vi_words: int


def profile(cleaned: str) -> ScriptProfile:
    return ScriptProfile(
        thai=len(_THAI.findall(cleaned)),
        han=len(_HAN.findall(cleaned)),
        kana=len(_KANA.findall(cleaned)),
        latin=len(_LATIN.findall(cleaned)),
        other=len(_OTHER_LETTER.findall(cleaned)),
        vi_words=len(_VI_WORD.findall(cleaned)),
    )


def script_language(p: ScriptProfile) -> tuple[str, float] | None:
    """Decide Thai or Chinese from script alone, or ``None`` to let the Latin model decide.

    Code-mixed text (Thai or Chinese with English words) goes to the non-English language:
    a Thai or Han word or two is enough. Kana marks Japanese, which we do not serve.
    """
    if p.thai >= 2 and p.thai >= p.han:
        return "th", _mixed_confidence(p.thai, p.latin)
    if p.han >= 1 and p.kana * 3 < p.han + p.kana and (p.han >= 2 or p.latin <= 8):
        return "zh", _mixed_confidence(p.han * 2, p.latin)
    return None


def _mixed_confidence(native: int, latin: int) -> float:
    share = native / (native + latin)
    return round(0.8 + 0.19 * share, 3)
