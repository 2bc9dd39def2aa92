"""LanguageDetector: script first, then a word model for Latin script, then context."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._context import LEANING_TOKENS, UNIVERSAL_TOKENS, conversation_language, locale_language
from ._idms import IdMsMarkers
from ._latin import LATIN_LANGS, LatinModel
from ._script import ScriptProfile, profile, script_language
from ._text import clean

UNDETERMINED = "und"

_EN, _ID, _MS, _TL, _VI = (LATIN_LANGS.index(x) for x in ("en", "id", "ms", "tl", "vi"))
#: Nats added per word spelled with letters only Vietnamese uses.
_VI_LETTER_BONUS = 8.0
#: Base-rate lean towards Indonesian on exact ties. Kept at zero: dev.jsonl's "ms" items are
#: largely Indonesian, so dev cannot estimate it, and a lean costs informal Malay dearly.
_INDONESIAN_BASE = 0.0
#: Nats a platform locale adds to its language.
_LOCALE_PRIOR = 1.5
#: Nats the conversation's language gets on a short (1-2 word) message.
_STICKY_PRIOR = 4.0
_SHORT = 2
#: A token "clearly" belongs to a non-English language when it beats English by this much.
_NATIVE_MARGIN = 3.0
#: ... and English text containing at least this share of such tokens is code-mixed.
_NATIVE_SHARE = 0.25
#: Softmax temperature turning score gaps into a confidence.
_TEMPERATURE = 2.0
#: A marker at least this strong overrules the word model's id/ms lean when the two disagree
#: (*sbb*, *bdk* are Malaysian chat spellings missing from wordfreq's small Malay list).
_STRONG_MARKER = 2.0


@dataclass(frozen=True, slots=True)
class Detection:
    """A detected language (one of LANGUAGES or ``"und"``) with a confidence in 0..1."""

    lang: str
    confidence: float


class LanguageDetector:
    """Detects the language of one customer message; safe to share between threads."""

    def __init__(self) -> None:
        self._latin = LatinModel()
        self._markers = IdMsMarkers()

    def detect(
        self,
        text: str,
        *,
        locale: str | None = None,
        conversation_lang: str | None = None,
    ) -> Detection:
        try:
            return self._detect(text, locale_language(locale), conversation_language(conversation_lang))
        except Exception:  # noqa: BLE001 - detection must never take a message down
            return Detection(UNDETERMINED, 0.0)

    def _detect(self, text: str, prior: str | None, current: str | None) -> Detection:
        cleaned = clean(text)
        script = profile(cleaned)
        settled = script_language(script)
        if settled is not None:
            return Detection(*settled)
        tokens = self._latin.tokens(cleaned) if script.latin else []
        if not tokens:
            return self._nothing_to_go_on(current)
        if all(t in UNIVERSAL_TOKENS for t in tokens):
            context = current is not None or prior is not None
            if context or not any(t in LEANING_TOKENS for t in tokens):
                return self._universal_only(prior, current)
        return self._latin_decision(cleaned, tokens, script, prior, current)

    @staticmethod
    def _nothing_to_go_on(current: str | None) -> Detection:
        if current is not None:
            return Detection(current, 0.5)
        return Detection(UNDETERMINED, 0.0)

    @staticmethod
    def _universal_only(prior: str | None, current: str | None) -> Detection:
        """"ok", "thanks", "hi": keep the conversation's language, else the locale's, else English."""
        if current is not None:
            return Detection(current, 0.6)
        if prior is not None:
            return Detection(prior, 0.5)
        return Detection("en", 0.5)

    def _latin_decision(
        self, cleaned: str, tokens: list[str], script: ScriptProfile, prior: str | None, current: str | None
    ) -> Detection:
        scores = [0.0] * len(LATIN_LANGS)
        native = [0] * len(LATIN_LANGS)
        malay_word = self._latin.malay_word
        for token in tokens:
            vec = list(self._latin.word_vector(token))
            id_marker, ms_marker = self._markers.weights(token, malay_word)
            if self._neutral_id_ms(token, vec, id_marker - ms_marker):
                vec[_ID] = vec[_MS] = max(vec[_ID], vec[_MS])
            vec[_ID] += id_marker
            vec[_MS] += ms_marker
            for i, v in enumerate(vec):
                scores[i] += v
            best = max(range(len(vec)), key=vec.__getitem__)
            if best != _EN and vec[best] - vec[_EN] >= _NATIVE_MARGIN:
                native[best] += 1
        scores[_VI] += _VI_LETTER_BONUS * script.vi_words
        scores[_MS] += self._markers.particles(cleaned)
        scores[_ID] += _INDONESIAN_BASE
        if prior in LATIN_LANGS:
            scores[LATIN_LANGS.index(prior)] += _LOCALE_PRIOR
        short = len(tokens) <= _SHORT
        if short and current in LATIN_LANGS:
            scores[LATIN_LANGS.index(current)] += _STICKY_PRIOR
        best = max(range(len(scores)), key=scores.__getitem__)
        if best == _EN:
            best = self._code_mixed(scores, native, len(tokens))
        confidence = _softmax_top(scores, best)
        if short and current is not None and current not in LATIN_LANGS and confidence < 0.9:
            return Detection(current, 0.5)
        return Detection(LATIN_LANGS[best], confidence)

    def _neutral_id_ms(self, token: str, vec: list[float], marker_gap: float) -> bool:
        """Whether the word model's id/ms lean for ``token`` says nothing: the lexicon lists the
        word as used alike in both (*aku*, *tp*), or a strong marker points the other way."""
        if self._markers.shared(token):
            return True
        return abs(marker_gap) >= _STRONG_MARKER and marker_gap * (vec[_ID] - vec[_MS]) < 0

    @staticmethod
    def _code_mixed(scores: list[float], native: list[int], n_tokens: int) -> int:
        """English words around native ones (Taglish, Manglish) count as the native language."""
        lang = max(range(len(native)), key=lambda i: (native[i], scores[i]))
        if native[lang] and native[lang] >= _NATIVE_SHARE * n_tokens:
            return lang
        return _EN


def _softmax_top(scores: list[float], best: int) -> float:
    top = scores[best]
    total = sum(math.exp((s - top) / _TEMPERATURE) for s in scores)
    return round(min(0.99, 1.0 / total), 3)
