"""The Indonesian/Malay decision, from the words that separate the two languages.

Both languages share most of their vocabulary, so a statistical model alone often flips a
coin. Here every marker word (``data/idms_markers.toml``: formal words such as *tidak/tak*,
*bisa/boleh*, *mobil/kereta* and chat spellings such as *gak*, *xde*, *bgt*, *sbb*) adds its
weight to its side; the caller adds this to the word-model score.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from importlib import resources


_CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")


def _strip_clitic(token: str) -> str:
    """``karenanya`` -> ``karena``, ``bolehlah`` -> ``boleh``: markers keep their clitics."""
    for clitic in _CLITICS:
        if token.endswith(clitic) and len(token) - len(clitic) >= 3:
            return token[: -len(clitic)]
    return token


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

    def evidence(self, tokens: Iterable[str]) -> tuple[float, float]:
        """Return ``(indonesian, malay)`` marker weight summed over ``tokens``."""
        id_total = ms_total = 0.0
        for token in tokens:
            pair = self._weights.get(token)
            if pair is None:
                pair = self._weights.get(_strip_clitic(token))
            if pair is not None:
                id_total += pair[0]
                ms_total += pair[1]
        return id_total, ms_total
