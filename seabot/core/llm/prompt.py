"""The prompt: persona, answer language, the FAQ as knowledge, and history trimmed to a token budget.

Token counts are estimates (no tokenizer ships with seabot): Latin-script text costs about a
token per four characters, but Thai and Chinese are written without spaces and cost far more
per character, so they are counted by character, never by splitting on spaces.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from seabot.core.llm.client import ChatMessage
from seabot.core.messages import Role
from seabot.core.profile import BotProfile
from seabot.core.responder import Turn

__all__ = ["LANGUAGE_NAMES", "estimate_tokens", "Prompt", "build_prompt", "system_prompt"]

LANGUAGE_NAMES = {
    "th": "Thai", "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese",
    "zh": "Chinese (Simplified)", "en": "English", "tl": "Tagalog (Filipino)",
}  # fmt: skip
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators per chat message

# Tokens per character by script (conservative, from cl100k/o200k measurements):
# CJK ideographs, kana and hangul ≈ 1 token per character; Thai, Lao, Khmer, Myanmar ≈ 1 per
# 1.5 characters (combining vowels and tone marks share a token); everything else ≈ 1 per 4.
# (U+3000, the ideographic space, counts as a space.)
_CJK = re.compile("[\u2e80-\u2fff\u3001-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
_SOUTHEAST = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def estimate_tokens(text: str) -> int:
    """A sensible upper-side estimate of the tokens ``text`` costs, for any of the bot's languages."""
    if text.isascii():
        return math.ceil(len(text) / 4)
    cjk = len(_CJK.findall(text))
    southeast = len(_SOUTHEAST.findall(text))
    other = len(text) - cjk - southeast
    return cjk + math.ceil(southeast / 1.5) + math.ceil(other / 4)


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: tuple[ChatMessage, ...]
    history_kept: int  # earlier turns included
    history_dropped: int  # older turns left out to fit the budget
    estimated_tokens: int


def system_prompt(bot: BotProfile, lang: str) -> str:
    name = LANGUAGE_NAMES.get(lang, lang)
    parts = [bot.persona.strip() or f"You are the customer-service assistant of {bot.display_name}."]
    parts.append(
        f"Always answer in {name} (language code {lang}), whatever language the knowledge below is written in. "
        "Keep answers short and friendly, suitable for a chat app."
    )
    if bot.faq:
        lines = ["Knowledge (the shop's own answers; rely on them, do not contradict them):"]
        for entry in bot.faq:
            questions = entry.questions.get(lang) or entry.questions.get(bot.default_language) or ()
            question = questions[0] if questions else entry.topic
            lines.append(f"- Q: {question}\n  A: {entry.answer_in(lang, bot.default_language)}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def build_prompt(
    bot: BotProfile, lang: str, text: str, history: Sequence[Turn], max_history_tokens: int, context: str = ""
) -> Prompt:
    """System prompt (with ``context``, data the answer must rest on such as an order, after
    the bot's knowledge), then as many of the newest earlier turns as fit
    ``max_history_tokens``, then the current message (always kept, never trimmed)."""
    kept: list[ChatMessage] = []
    used = 0
    for turn in reversed(history):
        if turn.role is Role.SYSTEM:
            continue
        cost = estimate_tokens(turn.text) + MESSAGE_OVERHEAD_TOKENS
        if used + cost > max_history_tokens:
            break
        used += cost
        # the shop's side of the conversation (the bot, or a person of the shop's) is the assistant
        kept.append(ChatMessage("assistant" if turn.role in (Role.BOT, Role.AGENT) else "user", turn.text))
    considered = sum(1 for turn in history if turn.role is not Role.SYSTEM)
    system = ChatMessage("system", system_prompt(bot, lang) + (f"\n\n{context}" if context else ""))
    current = ChatMessage("user", text)
    total = used + estimate_tokens(system.content) + estimate_tokens(text) + 2 * MESSAGE_OVERHEAD_TOKENS
    return Prompt(
        messages=(system, *reversed(kept), current),
        history_kept=len(kept),
        history_dropped=considered - len(kept),
        estimated_tokens=total,
    )
