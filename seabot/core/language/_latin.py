"""Naive-Bayes word model for the Latin-script languages (en, id, ms, tl, vi).

Each known word contributes its log-frequency in each language (from the shipped table built
by ``tools/build_language_data.py``); a word the table does not know contributes the
character-trigram likelihood of its spelling, damped. Per-word evidence is clipped so one odd
word cannot outvote a sentence.
"""

from __future__ import annotations

import gzip
import json
import re
from importlib import resources

LATIN_LANGS: tuple[str, ...] = ("en", "id", "ms", "tl", "vi")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: Longer "words" are keyboard mashing or glued text; they carry no language.
_MAX_WORD = 30
#: Log-frequency of a word in a language whose list does not have it.
_FLOOR = -17.5
#: The most one word can count against a language, in nats.
_CLIP = 9.0
_TRIGRAM_UNSEEN = -12.0
_TRIGRAM_WEIGHT = 0.3
#: Nats by which an unlisted word that the id/ms corpus table knows is taken away from en/tl/vi.
_CHAT_SPELLING = 2.0

Vector = tuple[float, ...]
_EN, _ID, _MS = (LATIN_LANGS.index(x) for x in ("en", "id", "ms"))


class LatinModel:
    """Scores tokens; immutable after construction."""

    def __init__(self) -> None:
        raw = resources.files(__package__).joinpath("data/latin_model.json.gz").read_bytes()
        table = json.loads(gzip.decompress(raw))
        if tuple(table["langs"]) != LATIN_LANGS:
            raise RuntimeError("latin_model.json.gz was built for other languages")
        self._words: dict[str, Vector] = {
            w: self._clipped([_FLOOR if x is None else x for x in row]) for w, row in table["words"].items()
        }
        self._trigrams: dict[str, Vector] = {
            g: tuple(_TRIGRAM_UNSEEN if x is None else x for x in row) for g, row in table["trigrams"].items()
        }
        self._unseen: Vector = (_TRIGRAM_UNSEEN,) * len(LATIN_LANGS)
        raw_idms = resources.files(__package__).joinpath("data/idms_words.json.gz").read_bytes()
        idms = json.loads(gzip.decompress(raw_idms))
        self._idms: dict[str, float] = idms["id_minus_ms"]
        self._idms_pairs: dict[str, float] = idms["pairs"]

    @staticmethod
    def _clipped(values: list[float]) -> Vector:
        top = max(values)
        return tuple(max(v - top, -_CLIP) for v in values)

    @staticmethod
    def tokens(cleaned: str) -> list[str]:
        return [w for w in _WORD.findall(cleaned) if len(w) <= _MAX_WORD]

    def malay_word(self, word: str) -> bool:
        """Whether ``word`` is in the Malay list and likelier Malay/Indonesian than English."""
        known = self._words.get(word)
        return known is not None and known[_MS] > -_CLIP and max(known[_ID], known[_MS]) > known[_EN]

    def id_ms_lean(self, word: str) -> float | None:
        """Nats by which ``word`` is likelier Indonesian than Malay in real informal text
        (negative: Malay), or ``None`` when the corpus table has not seen it often enough."""
        return self._idms.get(word)

    def id_ms_pair_lean(self, first: str, second: str) -> float:
        """How much more Indonesian (negative: Malay) ``second`` is right after ``first`` than
        alone, for pairs of words both languages use; ``0.0`` for any other pair."""
        return self._idms_pairs.get(f"{first} {second}", 0.0)

    def word_vector(self, word: str) -> Vector:
        known = self._words.get(word)
        if known is not None:
            return known
        padded = f" {word} "
        sums = [0.0] * len(LATIN_LANGS)
        for k in range(len(padded) - 2):
            vec = self._trigrams.get(padded[k : k + 3], self._unseen)
            for i, v in enumerate(vec):
                sums[i] += v
        vec = self._clipped([s * _TRIGRAM_WEIGHT for s in sums])
        if word in self._idms:
            # No word list has it, but real Malaysian/Indonesian chat does (*mmg*, *keje*,
            # *gabisa*): a chat spelling of those languages, whatever its letters look like.
            vec = tuple(0.0 if i in (_ID, _MS) else v - _CHAT_SPELLING for i, v in enumerate(vec))
        return vec
