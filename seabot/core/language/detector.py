"""LanguageDetector: script first, then a word model for Latin script, then context."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import _conversation
from ._context import (
    ENGLISH_ABBREVIATIONS,
    LEANING_TOKENS,
    NEUTRAL_TOKENS,
    SINGLISH_PARTICLES,
    conversation_language,
    locale_language,
)
from ._idms import IdMsMarkers
from ._latin import LATIN_LANGS, LatinModel
from ._script import ScriptProfile, profile, script_language
from ._text import clean

UNDETERMINED = "und"

_EN, _ID, _MS, _TL, _VI = (LATIN_LANGS.index(x) for x in ("en", "id", "ms", "tl", "vi"))
#: Nats added per word spelled with letters only Vietnamese uses.
_VI_LETTER_BONUS = 8.0
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
#: What a neutral chat token (ok, lah, hehe) counts for in a message with other words: nothing
#: for English, a hair less for Indonesian/Malay (so it never tips English text into Malay),
#: and less for Tagalog/Vietnamese (laughter and particles are not evidence of Tagalog).
_NEUTRAL_VECTOR = (0.0, -0.25, -0.25, -2.0, -2.0)
#: English loanwords (*transfer*, *tracking*, *admin*) lean to whichever side's corpus talks
#: about shops more; their corpus id/ms lean counts this much.
_LOANWORD_LEAN = 0.3
#: Earlier messages remembered for their evidence, and how much of each is read.
_EVIDENCE_CACHE = 4096
_EVIDENCE_CHARS = 300
#: Indonesian laughter, however long: wkwk, wkwkwk, wkwkwkwkk, awokwok.
_WKWK = re.compile(r"a?(?:wk){2,}[wk]*|aw(?:ok)+w(?:ok)*")
#: Laughter of every language: hahaha, hehehe, hihi, huhu, lolol.
_LAUGH = re.compile(r"(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}h?|(?:hu){2,}h?|lo(?:lo)+l?")
#: What an English abbreviation counts for: an English word that no other language has.
_ENGLISH_VECTOR = (0.0, -9.0, -9.0, -9.0, -9.0)
#: Thai laughter (5 is "ha" in Thai): 555, 55555, written as a number.
_THAI_LAUGH = re.compile(r"(?<![\d.,])5{3,}(?![\d.,])")


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
        # Each earlier message is asked about again for the next few messages of its
        # conversation; a bounded cache (thread-safe) keeps that to one scoring per message.
        self._evidence = functools.lru_cache(maxsize=_EVIDENCE_CACHE)(self._message_evidence)

    def detect(
        self,
        text: str,
        *,
        locale: str | None = None,
        conversation_lang: str | None = None,
        recent_customer_texts: Sequence[str] = (),
    ) -> Detection:
        """Detect ``text``'s language. ``conversation_lang`` is the conversation's current
        language; ``recent_customer_texts`` are the customer's earlier messages in it, oldest
        first (the last few are used): when given, a message whose own words leave the
        languages close is decided by the conversation's evidence."""
        try:
            return self._detect(
                text, locale_language(locale), conversation_language(conversation_lang), recent_customer_texts
            )
        except Exception:  # noqa: BLE001 - detection must never take a message down
            return Detection(UNDETERMINED, 0.0)

    def _detect(self, text: str, prior: str | None, current: str | None, recent: Sequence[str]) -> Detection:
        cleaned = clean(text)
        script = profile(cleaned)
        settled = script_language(script)
        if settled is not None:
            return Detection(*settled)
        tokens = self._tokens(cleaned) if script.latin else []
        if all(t in NEUTRAL_TOKENS for t in tokens):
            if current in (None, "th") and isinstance(text, str) and _THAI_LAUGH.search(text[:200]):
                return Detection("th", 0.6)
            if not tokens:
                return self._nothing_to_go_on(current)
            context = current is not None or prior is not None
            singlish = any(t in SINGLISH_PARTICLES for t in tokens)
            if context or singlish or not any(t in LEANING_TOKENS for t in tokens):
                return self._universal_only(prior, current)
        return self._latin_decision(cleaned, tokens, script, prior, current, recent)

    def _tokens(self, cleaned: str) -> list[str]:
        """Words of a cleaned message, laughter written one way (*hahahaha* -> *haha*)."""
        return [_laughter(t) for t in self._latin.tokens(cleaned)]

    @staticmethod
    def _nothing_to_go_on(current: str | None) -> Detection:
        if current is not None:
            return Detection(current, 0.5)
        return Detection(UNDETERMINED, 0.0)

    @staticmethod
    def _universal_only(prior: str | None, current: str | None) -> Detection:
        """ "ok", "thanks", "lah": keep the conversation's language, else the locale's, else English."""
        if current is not None:
            return Detection(current, 0.6)
        if prior is not None:
            return Detection(prior, 0.5)
        return Detection("en", 0.5)

    def _scores(self, cleaned: str, tokens: list[str], script: ScriptProfile) -> tuple[list[float], list[int], int]:
        """Latin-language scores of one message, the count of clearly non-English tokens per
        language, and the number of tokens that are not neutral chat tokens."""
        scores = [0.0] * len(LATIN_LANGS)
        native = [0] * len(LATIN_LANGS)
        content = malay_particles = 0
        lean_only = all(t in NEUTRAL_TOKENS for t in tokens)
        for token in tokens:
            vec = self._token_vector(token, neutral=token in NEUTRAL_TOKENS and not lean_only)
            for i, v in enumerate(vec):
                scores[i] += v
            if token in NEUTRAL_TOKENS:
                malay_particles += vec[_MS] > vec[_ID]
                continue
            content += 1
            best = max(range(len(vec)), key=vec.__getitem__)
            if best != _EN and vec[best] - vec[_EN] >= _NATIVE_MARGIN:
                native[best] += 1
        for first, second in itertools.pairwise(tokens):
            # Word pairs of shared words (*pagi tadi* vs *tadi pagi*): the side the pair
            # points away from loses, so the pair never moves id/ms against en/tl/vi.
            extra = self._latin.id_ms_pair_lean(first, second)
            if extra > 0:
                scores[_MS] -= extra
            elif extra < 0:
                scores[_ID] += extra
        if native[_MS]:
            # Next to real Malay words, Malay's particles (*la*, *meh*) are Malay too:
            # "I think you kena move on la" is Manglish, "can lah" is not.
            native[_MS] += malay_particles
            content += malay_particles
        scores[_VI] += _VI_LETTER_BONUS * script.vi_words
        scores[_MS] += self._markers.particles(cleaned)
        return scores, native, max(content, 1)

    def _token_vector(self, token: str, *, neutral: bool) -> list[float]:
        id_marker, ms_marker = self._markers.weights(token, self._latin.malay_word)
        if neutral:
            vec = list(_NEUTRAL_VECTOR)
            lean = (self._latin.id_ms_lean(token) or 0.0) if token in LEANING_TOKENS else 0.0
            gap = id_marker - ms_marker + lean
            vec[_ID] -= max(0.0, -gap)
            vec[_MS] -= max(0.0, gap)
            return vec
        if token in ENGLISH_ABBREVIATIONS:
            return list(_ENGLISH_VECTOR)
        vec = list(self._latin.word_vector(token))
        corpus_lean = self._latin.id_ms_lean(token)
        if corpus_lean is not None:
            lean = corpus_lean
            # The corpus table (real informal Malaysian and Indonesian text) sets the id/ms gap;
            # the word model still says how likely the word is in either against en/tl/vi.
            top = max(vec[_ID], vec[_MS])
            if vec[_EN] >= top:
                lean *= _LOANWORD_LEAN
            vec[_ID] = top + min(0.0, lean)
            vec[_MS] = top - max(0.0, lean)
        if self._neutral_id_ms(token, vec, id_marker - ms_marker):
            vec[_ID] = vec[_MS] = max(vec[_ID], vec[_MS])
        vec[_ID] += id_marker
        vec[_MS] += ms_marker
        return vec

    def _message_evidence(self, text: str) -> tuple[float, ...] | None:
        """An earlier message's evidence for the conversation (``None``: it carries none)."""
        if not isinstance(text, str):
            return None
        cleaned = clean(text[:_EVIDENCE_CHARS])
        script = profile(cleaned)
        if script_language(script) is not None or not script.latin:
            return None
        tokens = self._tokens(cleaned)
        if all(t in NEUTRAL_TOKENS for t in tokens):
            return None
        scores, native, content = self._scores(cleaned, tokens, script)
        best = max(range(len(scores)), key=scores.__getitem__)
        if best == _EN and self._code_mixed(scores, native, content) != _EN:
            return None  # Manglish/Taglish: which language it counts for is not settled here
        return tuple(_conversation.message_evidence(scores))

    def _latin_decision(
        self,
        cleaned: str,
        tokens: list[str],
        script: ScriptProfile,
        prior: str | None,
        current: str | None,
        recent: Sequence[str],
    ) -> Detection:
        scores, native, content = self._scores(cleaned, tokens, script)
        if prior in LATIN_LANGS:
            scores[LATIN_LANGS.index(prior)] += _LOCALE_PRIOR
        short = len(tokens) <= _SHORT
        pool = None
        if recent and _margin(scores) < _conversation.POOL_CAP + (_STICKY_PRIOR if short else 0.0):
            pool = _conversation.pooled(self._evidence, recent, len(LATIN_LANGS))
        if pool is not None:
            for i, v in enumerate(pool):
                scores[i] += v
        elif short and current in LATIN_LANGS:
            scores[LATIN_LANGS.index(current)] += _STICKY_PRIOR
        best = max(range(len(scores)), key=scores.__getitem__)
        if best == _EN:
            best = self._code_mixed(scores, native, content)
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


def _laughter(token: str) -> str:
    if _WKWK.fullmatch(token):
        return "wkwk"
    if len(token) > 4 and _LAUGH.fullmatch(token):
        return "haha"
    return token


def _margin(scores: list[float]) -> float:
    first, second = sorted(scores, reverse=True)[:2]
    return first - second


def _softmax_top(scores: list[float], best: int) -> float:
    top = scores[best]
    total = sum(math.exp((s - top) / _TEMPERATURE) for s in scores)
    return round(min(0.99, 1.0 / total), 3)
