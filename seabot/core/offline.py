"""The built-in responder used when no LLM is configured: answers from the FAQ."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from seabot.core.faq import FaqIndex
from seabot.core.phrases import Phrase, phrase
from seabot.core.profile import BotProfile
from seabot.core.responder import Answer, ResponderRequest

__all__ = ["OfflineResponder"]


class OfflineResponder:
    """Finds the FAQ entry closest to the question, in any language, and answers it in the
    customer's language; otherwise says politely, in that language, that a person will
    follow up."""

    name = "offline"

    def __init__(self, indexes: Mapping[str, FaqIndex]) -> None:
        self._indexes = indexes  # bot_id -> index, built once at start-up

    async def respond(self, request: ResponderRequest) -> Answer:
        return self.answer(request)

    def answer(self, request: ResponderRequest) -> Answer:
        bot = request.bot
        index = self._indexes.get(bot.bot_id)
        match = index.best_match(request.text, request.lang) if index is not None else None
        if match is not None:
            text = match.entry.answer_in(request.lang, bot.default_language)
        else:
            text = phrase(Phrase.FOLLOW_UP, request.lang, name=bot.display_name, fallback_lang=bot.default_language)
        return Answer(text=text, responder=self.name)

    @classmethod
    def for_profiles(cls, profiles: Iterable[BotProfile]) -> OfflineResponder:
        return cls({profile.bot_id: FaqIndex(profile.faq) for profile in profiles})
