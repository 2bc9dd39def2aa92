"""Text from customers (and models echoing them) shown safely on a terminal.

A customer's message may hold a newline followed by a line that looks like the bot's, or
ANSI escapes that move the cursor, recolour or retitle the terminal. Every line the CLI
prints from stored text goes through ``shown`` (control characters spelled out, so a line
stays one line), and every JSON line through ``json_line`` (C1 controls and DEL escaped too,
which ``json.dumps`` leaves raw).
"""

from __future__ import annotations

import json
import re

__all__ = ["shown", "json_line"]

# C0 and C1 controls, DEL, line/paragraph separators, and the bidi controls that can reorder
# what a line appears to say.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def shown(text: object) -> str:
    """``text`` with every control character escaped (``\\n``, ``\\x1b``, ``\\u202e`` …)."""
    return _UNSAFE.sub(_escape, str(text))


def json_line(document: object) -> str:
    """One line of JSON whose strings carry no raw control character of any kind."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(document, ensure_ascii=False))
