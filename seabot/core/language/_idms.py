"""The Indonesian/Malay decision, from the words that separate the two languages.

Both languages share most of their vocabulary, so a statistical model alone often flips a
coin. Here every marker word (``data/idms_markers.toml``: formal words such as *tidak/tak*,
*bisa/boleh*, *mobil/kereta* and chat spellings such as *gak*, *xde*, *bgt*, *sbb*) adds its
weight to its side; the caller adds this to the word-model score.

Chat spellings are looked up in three forms: as written, without a clitic (``bolehlah`` ->
``boleh``), and with stretched letters squeezed (``bangettt`` -> ``banget``, ``sihh`` ->
``sih``). Malaysian chat writes *tak* as a prefix ``x`` (``xtau``, ``xnak``, ``xpernah``): such
a token counts for Malay when the rest of it is a Malay word (``malay_word`` tells).

Words in the ``[shared]`` list (*aku*, *tp*) are used alike in informal writing of both
languages; the caller drops the word model's id/ms lean for them. Malay's question particle
*ke* is recognised from the punctuated text (``particles``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from importlib import resources

_CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
#: Three or more of a letter anywhere, or a doubled last letter (``nn`` inside ``lawannya``
#: is a morpheme boundary, not a stretch).
_STRETCH = re.compile(r"([a-z])\1{2,}|([a-z])\2$")
#: Weight of a Malaysian ``x``-negated word (``xsuka``) that is not itself in the lexicon.
_X_NEGATION = 3.0
_X_MIN_STEM = 3
#: Malay's question particle *ke* ("penat ke?", "kahwin ke belum", "betul ke apa"): Indonesian
#: *ke* is a preposition, so it is never followed by a pause or by a negation/question word.
_KE_PARTICLE = re.compile(r"\bke(?=\s*[?,.!]|\s+(?:tak|tk|x|tidak|belum|blm|ape|apa)\b)")
_KE_WEIGHT = 2.5


def _strip_clitic(token: str) -> str:
    """``karenanya`` -> ``karena``, ``bolehlah`` -> ``boleh``: markers keep their clitics."""
    for clitic in _CLITICS:
        if token.endswith(clitic) and len(token) - len(clitic) >= 3:
            return token[: -len(clitic)]
    return token


def _squeezed(token: str) -> str:
    """``bangettt`` -> ``banget``, ``kann`` -> ``kan``: chat stretches letters for emphasis."""
    return _STRETCH.sub(lambda m: m.group(1) or m.group(2), token)


class IdMsMarkers:
    """Weights of the id/ms marker words; immutable after construction."""

    def __init__(self) -> None:
        raw = resources.files(__package__).joinpath("data/idms_markers.toml").read_text("utf-8")
        table = tomllib.loads(raw)
        weights: dict[str, tuple[float, float]] = {}
        for word, weight in table["id"].items():
            weights[word] = (float(weight), 0.0)
        for word, weight in table["ms"].items():
            id_weight = weights.get(word, (0.0, 0.0))[0]
            weights[word] = (id_weight, float(weight))
        self._weights = weights
        self._shared = frozenset(table.get("shared", {}).get("words", ()))

    def _lookup(self, token: str) -> tuple[float, float] | None:
        weights = self._weights
        pair = weights.get(token)
        if pair is None:
            pair = weights.get(_strip_clitic(token))
        if pair is None:
            squeezed = _squeezed(token)
            if squeezed != token:
                pair = weights.get(squeezed) or weights.get(_strip_clitic(squeezed))
        return pair

    def shared(self, token: str) -> bool:
        """Whether both languages use ``token`` alike, so the word model's id/ms lean is noise."""
        return token in self._shared

    @staticmethod
    def particles(cleaned: str) -> float:
        """Malay weight of the question particle *ke* in the cleaned (punctuated) text."""
        return _KE_WEIGHT * len(_KE_PARTICLE.findall(cleaned)) if "ke" in cleaned else 0.0

    def weights(self, token: str, malay_word: Callable[[str], bool] | None = None) -> tuple[float, float]:
        """Return ``(indonesian, malay)`` marker weight of one token (``(0, 0)`` if none)."""
        pair = self._lookup(token)
        if pair is not None:
            return pair
        if malay_word is not None and token.startswith("x") and len(token) > _X_MIN_STEM and malay_word(token[1:]):
            return (0.0, _X_NEGATION)
        return (0.0, 0.0)
