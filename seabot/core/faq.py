"""A merchant's FAQ and the index that finds the entry a customer is asking about."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from seabot.core.function_words import content_only
from seabot.core.textnorm import features, normalize

__all__ = ["FaqEntry", "FaqMatch", "FaqIndex"]


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question the merchant answers: sample questions and an answer per language."""

    topic: str
    questions: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, str]

    def answer_in(self, lang: str, fallback: str) -> str:
        return self.answers.get(lang) or self.answers.get(fallback) or next(iter(self.answers.values()))


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    score: float  # cosine similarity, 0..1
    question: str  # the sample question that matched best
    question_lang: str


class FaqIndex:
    """TF-IDF cosine search over every sample question in every language.

    Character n-grams make it robust to missing spaces (Thai, Chinese), missing
    diacritics (Vietnamese typed without accents) and small misspellings. Question words
    and particles are left out on both sides (``function_words``): a match must share a topic
    word, not just "what is your".
    """

    def __init__(self, entries: Iterable[FaqEntry], *, threshold: float = 0.42, foreign_discount: float = 0.75) -> None:
        self.entries = tuple(entries)
        self.threshold = threshold
        self.foreign_discount = foreign_discount
        self._questions: list[tuple[FaqEntry, str, str]] = []
        bags = []
        for entry in self.entries:
            for lang, questions in entry.questions.items():
                for question in questions:
                    bag = _bag(question)
                    if bag:
                        self._questions.append((entry, lang, question))
                        bags.append(bag)
        document_frequency: dict[str, int] = defaultdict(int)
        for bag in bags:
            for feature in bag:
                document_frequency[feature] += 1
        total = len(bags) + 1
        self._idf = {f: math.log(total / df) + 1.0 for f, df in document_frequency.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, bag in enumerate(bags):
            weights = self._weights(bag)
            for feature, weight in weights.items():
                self._postings[feature].append((position, weight))

    def _weights(self, bag: Mapping[str, int]) -> dict[str, float]:
        weights = {f: (1.0 + math.log(n)) * self._idf.get(f, 0.0) for f, n in bag.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {f: w / norm for f, w in weights.items() if w}

    def best_match(self, text: str, lang: str | None = None) -> FaqMatch | None:
        """The closest FAQ entry, or None when nothing is close enough to answer with.

        Questions written in ``lang`` (the customer's language) count in full; questions
        in other languages are discounted, so a chance n-gram in a foreign sample question
        does not beat silence."""
        query = self._weights(_bag(text))
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in query.items():
            for position, question_weight in self._postings.get(feature, ()):
                scores[position] += weight * question_weight
        if not scores:
            return None
        if lang is not None:
            for position in scores:
                if self._questions[position][1] != lang:
                    scores[position] *= self.foreign_discount
        position, score = max(scores.items(), key=lambda item: item[1])
        if score < self.threshold:
            return None
        entry, lang, question = self._questions[position]
        return FaqMatch(entry=entry, score=score, question=question, question_lang=lang)


def _bag(text: str) -> dict[str, int]:
    """Features of ``text``'s content words (of the whole text when it has nothing else)."""
    return features(normalize(content_only(text)) or normalize(text))
