"""Text clean-up shared by the detector stages: never raises on any ``str``."""

from __future__ import annotations

import re

#: Only the first characters decide; a 100 KB paste is judged by its opening.
MAX_CHARS = 2000

_SURROGATES_AND_CONTROLS = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\ufeff]")
#: Things that carry no language: links, e-mail addresses, @handles, #tags, and any token
#: with a digit in it (order ids, prices, phone numbers, "2pcs").
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#]\w+|[A-Za-z0-9_\-/.:#]*\d[A-Za-z0-9_\-/.:]*",
    re.UNICODE,
)


def clean(text: object) -> str:
    """Return a bounded, lower-cased copy of ``text`` with noise tokens blanked out."""
    if not isinstance(text, str) or not text:
        return ""
    head = _SURROGATES_AND_CONTROLS.sub(" ", text[:MAX_CHARS])
    return _NOISE.sub(" ", head).lower()
