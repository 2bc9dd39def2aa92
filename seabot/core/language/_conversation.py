"""Evidence from a conversation's earlier customer messages, pooled for the current one.

A customer keeps one language through a conversation far more often than they switch, and
the messages that carry it are often not the short ones: "ok", "tq", "aku pun" after one clear
Malay sentence say nothing by themselves. Each earlier message contributes its own Latin-script
score gaps (how far each language is behind its best one), capped per message so that one long
message cannot outvote everything after it, and weighed down the further back it is. The pool
is capped too: a message that is clearly in another language still wins (a real switch is
followed at once), while a message whose languages are close is decided by the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

Vector = Sequence[float]

#: The most one earlier message can count against a language, in nats.
MESSAGE_CAP = 3.0
#: Each step further back counts this much less.
DECAY = 0.6
#: The most the whole pool can count against a language, in nats.
POOL_CAP = 4.0
#: Earlier messages looked at, most recent first.
MAX_MESSAGES = 4


def message_evidence(scores: Vector) -> list[float]:
    """Score gaps of one message, ``0`` for its best language, capped at ``-MESSAGE_CAP``."""
    top = max(scores)
    return [max(s - top, -MESSAGE_CAP) for s in scores]


def pooled(
    evidence_of: Callable[[str], Sequence[float] | None], recent: Iterable[str], width: int
) -> list[float] | None:
    """Pool the evidence of the ``recent`` messages (oldest first) into one prior, or ``None``
    when none of them carries any (all were neutral chat tokens, or not in Latin script)."""
    texts = [t for t in recent if isinstance(t, str)][-MAX_MESSAGES:]
    total = [0.0] * width
    seen = False
    weight = 1.0
    for text in reversed(texts):
        evidence = evidence_of(text)
        if evidence is not None:
            seen = True
            for i, v in enumerate(evidence):
                total[i] += weight * v
        weight *= DECAY
    if not seen:
        return None
    return [max(v, -POOL_CAP) for v in total]
