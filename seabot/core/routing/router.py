"""Router: decides the model tier and handoff for one customer message, with reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._decision import RouteDecision, Tier
from ._matcher import CueMatcher, normalize, strip_marks
from ._rules import CUE_KINDS, RoutingRules

_EMPHATIC = re.compile(r"[!]{3,}|[?][!]|[!][?]|[?]{3,}")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
_WORD = re.compile(r"\w+")
_SHOUT_MIN_WORDS = 4
_SHOUT_SHARE = 0.6
_LABELS = {
    "handoff": "handoff: asks for a person",
    "premium": "premium: complaint cue",
    "anger": "anger cue",
    "balanced": "balanced: order cue",
    "fast": "fast: simple question cue",
    "negation": "negation",
}
_NEGATION_REACH = 6  # characters (spaces left out) between a negation and the handoff cue it negates
# where a clause ends: a negation does not reach past it ("I don't want a bot, I want a real person")
_CLAUSE_BREAK = re.compile(r"[,.!?;:，。！？；]|but|tapi|tetapi|pero|nhưng|แต่|但是|但")


@dataclass(frozen=True, slots=True)
class _Signals:
    cues: dict[str, list[str]]
    intensity: list[str]  # shouting / emphatic punctuation
    words: int
    squeezed: str = ""  # the normalized text without spaces, where cue positions are compared

    @property
    def anger_count(self) -> int:
        serious = self.cues["premium"] or self.cues["balanced"] or self.cues["anger"]
        # Several anger words are one signal; shouting or "!!!" on top of them is another.
        return (1 if self.cues["anger"] else 0) + (len(self.intensity) if serious else 0)

    @property
    def angry(self) -> bool:
        return bool(self.cues["premium"]) or self.anger_count > 0


class Router:
    """Routes messages by the cues in ``RoutingRules``; immutable, safe to share."""

    def __init__(self, rules: RoutingRules) -> None:
        self._rules = rules
        self._matchers = {kind: CueMatcher(rules.cues.get(kind, ())) for kind in CUE_KINDS}

    def route(
        self,
        text: str,
        *,
        lang: str | None = None,
        previous_customer_texts: Sequence[str] = (),
    ) -> RouteDecision:
        try:
            return self._route(text, previous_customer_texts)
        except Exception as exc:  # noqa: BLE001 - routing must always give an answer
            return RouteDecision("balanced", False, (f"balanced: routing error ({type(exc).__name__})",))

    def _route(self, text: str, previous: Sequence[str]) -> RouteDecision:
        now = self._signals(text)
        reasons = [f"{_LABELS[kind]} '{cue}'" for kind in CUE_KINDS if kind != "negation" for cue in now.cues[kind]]
        refused = [cue for cue in now.cues["handoff"] if _negated(cue, now)]
        if refused and len(refused) == len(now.cues["handoff"]):
            reasons = [r for r in reasons if not r.startswith(_LABELS["handoff"])]
            reasons.append(f"no handoff: declines a person '{refused[0]}'")
            now = _Signals({**now.cues, "handoff": []}, now.intensity, now.words, now.squeezed)
        reasons += [f"anger: {what}" for what in now.intensity if now.anger_count]
        tier = self._tier(now, previous, reasons)
        return RouteDecision(tier, bool(now.cues["handoff"]), tuple(reasons))

    def _tier(self, now: _Signals, previous: Sequence[str], reasons: list[str]) -> Tier:
        rules = self._rules
        if now.cues["premium"]:
            return "premium"
        if now.anger_count >= rules.anger_for_premium:
            reasons.append(f"premium: {now.anger_count} anger signals in one message")
            return "premium"
        if len(now.cues["balanced"]) >= rules.multi_constraint_cues and now.words >= rules.multi_constraint_words:
            reasons.append(f"premium: {len(now.cues['balanced'])} requests in one message")
            return "premium"
        if now.angry and self._angry_streak(previous):
            reasons.append(f"premium: angry message {rules.angry_streak} in a row")
            return "premium"
        if now.cues["balanced"] or now.anger_count:
            return "balanced"
        if now.words >= rules.long_message_words:
            reasons.append(f"balanced: long message ({now.words} words)")
            return "balanced"
        return "fast"

    def _angry_streak(self, previous: Sequence[str]) -> bool:
        needed = self._rules.angry_streak - 1
        if not isinstance(previous, Sequence) or isinstance(previous, str) or len(previous) < needed:
            return False
        return all(self._signals(t).angry for t in list(previous)[-needed:])

    def _signals(self, text: str) -> _Signals:
        raw = text[:4000] if isinstance(text, str) else ""
        norm = normalize(raw)
        squeezed = norm.replace(" ", "")
        unaccented = norm if strip_marks(norm) == norm else None
        cues = {kind: m.find(norm, squeezed, unaccented) for kind, m in self._matchers.items()}
        return _Signals(cues, _intensity(raw, norm), len(_WORD.findall(norm)), squeezed)


def _negated(cue: str, signals: _Signals) -> bool:
    """Whether every occurrence of the handoff ``cue`` is declined: a negation cue ends just
    before it (or inside it: "tidak mau" + "mau bicara dengan"), or it follows a declined
    handoff cue in the same clause ("tidak mau bicara dengan CS manusia")."""
    squeezed, target = signals.squeezed, cue.replace(" ", "")
    negations = [n.replace(" ", "") for n in signals.cues["negation"]]
    if not negations or not target:
        return False
    starts = [m.start() for m in re.finditer(re.escape(target), squeezed)]
    return bool(starts) and all(_declined_at(squeezed, start, negations, signals) for start in starts)


def _declined_at(squeezed: str, start: int, negations: list[str], signals: _Signals, depth: int = 0) -> bool:
    for negation in negations:
        for found in re.finditer(re.escape(negation), squeezed[: start + len(negation)]):
            if found.start() < start and start - found.end() <= _NEGATION_REACH:
                return True
    if depth:
        return False
    for other in signals.cues["handoff"]:  # an earlier declined request in the same clause
        target = other.replace(" ", "")
        at = squeezed.rfind(target, 0, start)
        if at >= 0 and at + len(target) <= start and not _CLAUSE_BREAK.search(squeezed[at + len(target) : start]):
            if _declined_at(squeezed, at, negations, signals, depth=1):
                return True
    return False


def _intensity(raw: str, norm: str) -> list[str]:
    found = []
    if _EMPHATIC.search(norm):
        found.append("emphatic punctuation")
    latin = _LATIN_WORD.findall(raw)
    caps = _CAPS_WORD.findall(raw)
    if len(caps) >= _SHOUT_MIN_WORDS and len(caps) >= _SHOUT_SHARE * len(latin):
        found.append("shouting in capitals")
    return found
