"""RoutingRules: the cue lexicons and thresholds, as data a merchant can extend per bot.

Defaults ship as ``lexicon/<lang>.toml`` (one table per language, plus ``common.toml``), each
holding string lists under the cue kinds below. A bot's ``[bots.<id>.routing]`` table adds to
them::

    [bots.demo-shop.routing]
    premium = ["barang ketuker", "ของไม่ครบ"]          # extra cues, any language
    handoff = { en = ["get me a human"], th = ["ขอแอดมินคนจริง"] }   # or grouped by language
    angry_streak = 3             # angry messages in a row that escalate to premium
    anger_for_premium = 2        # anger signals in one message that make it premium
    multi_constraint_cues = 4    # distinct balanced cues in one message ...
    multi_constraint_words = 25  # ... at least this long, make it premium (many demands)
    long_message_words = 60      # an unmatched message this long goes to balanced, not fast

``negation`` cues ("don't want", "tidak mau", "ไม่ต้องการ", "不要") right before a handoff cue
make it a refusal, not a request ("I don't want to talk to a real person").

A cue matches whole words in spaced scripts (``refund`` does not match ``refundable``); end it
with ``*`` to match a prefix (``refund*``). Thai and Chinese cues match anywhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

CUE_KINDS: tuple[str, ...] = ("handoff", "premium", "anger", "balanced", "fast", "negation")
_LEXICON_FILES = ("common", "en", "id", "ms", "th", "tl", "vi", "zh")
_LANGUAGES = ("th", "id", "ms", "vi", "zh", "en", "tl")  # cues grouped by language use these codes
_THRESHOLDS: dict[str, tuple[int, int]] = {  # name -> (min, max)
    "angry_streak": (2, 20),
    "anger_for_premium": (1, 20),
    "multi_constraint_cues": (2, 50),
    "multi_constraint_words": (1, 10_000),
    "long_message_words": (5, 10_000),
}
_MAX_CUE_CHARS = 200


class RoutingConfigError(ValueError):
    """A routing table is invalid; ``problems`` names every bad key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid routing config:\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True)
class RoutingRules:
    """Cue phrases per kind and the thresholds that turn matches into a decision."""

    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    angry_streak: int = 3
    anger_for_premium: int = 2
    multi_constraint_cues: int = 4
    multi_constraint_words: int = 25
    long_message_words: int = 60

    @classmethod
    def default(cls) -> RoutingRules:
        merged: dict[str, list[str]] = {kind: [] for kind in CUE_KINDS}
        folder = resources.files(__package__).joinpath("lexicon")
        for name in _LEXICON_FILES:
            table = tomllib.loads(folder.joinpath(f"{name}.toml").read_text("utf-8"))
            problems: list[str] = []
            for kind, cues in _parse_cues(table, f"lexicon/{name}.toml", problems, allow_other=False):
                merged[kind].extend(cues)
            if problems:  # a broken shipped lexicon is a bug, not a merchant's mistake
                raise RoutingConfigError(problems)
        return cls(cues={kind: _dedupe(cues) for kind, cues in merged.items()})

    def extended(self, table: Mapping[str, Any], *, path: str = "routing") -> RoutingRules:
        """Return rules with ``table``'s cues added and thresholds replaced; validate all of it."""
        problems: list[str] = []
        if not isinstance(table, Mapping):
            raise RoutingConfigError([f"{path}: must be a table"])
        extra = dict(_parse_cues(table, path, problems, allow_other=True))
        thresholds: dict[str, int] = {}
        for key, value in table.items():
            if key in CUE_KINDS:
                continue
            if key not in _THRESHOLDS:
                known = ", ".join([*CUE_KINDS, *_THRESHOLDS])
                problems.append(f"{path}.{key}: unknown key (expected one of {known})")
                continue
            low, high = _THRESHOLDS[key]
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{path}.{key}: must be an integer")
            elif not low <= value <= high:
                problems.append(f"{path}.{key}: must be between {low} and {high}")
            else:
                thresholds[key] = value
        if problems:
            raise RoutingConfigError(problems)
        cues = {kind: _dedupe([*self.cues.get(kind, ()), *extra.get(kind, ())]) for kind in CUE_KINDS}
        return replace(self, cues=cues, **thresholds)


def _parse_cues(
    table: Mapping[str, Any], path: str, problems: list[str], *, allow_other: bool
) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for key, value in table.items():
        if key not in CUE_KINDS:
            if not allow_other:
                problems.append(f"{path}.{key}: unknown cue kind (expected one of {', '.join(CUE_KINDS)})")
            continue
        if isinstance(value, Mapping):
            groups = [(f"{path}.{key}.{lang}", cues) for lang, cues in value.items()]
            for lang in value:
                if lang not in _LANGUAGES:
                    problems.append(f"{path}.{key}.{lang}: unknown language code {lang!r}; "
                                    f"supported: {', '.join(_LANGUAGES)}")  # fmt: skip
        else:
            groups = [(f"{path}.{key}", value)]
        cues: list[str] = []
        for where, items in groups:
            cues.extend(_parse_list(items, where, problems))
        found.append((key, cues))
    return found


def _parse_list(items: Any, where: str, problems: list[str]) -> list[str]:
    if isinstance(items, str) or not isinstance(items, list | tuple):
        problems.append(f"{where}: must be a list of strings")
        return []
    good: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            problems.append(f"{where}[{index}]: must be a string")
        elif not item.strip(" *"):
            problems.append(f"{where}[{index}]: must not be empty")
        elif len(item) > _MAX_CUE_CHARS:
            problems.append(f"{where}[{index}]: longer than {_MAX_CUE_CHARS} characters")
        else:
            good.append(item)
    return good


def _dedupe(cues: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(cues))
