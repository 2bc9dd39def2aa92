"""The order conversation: from a customer's message to what the bot does about their order.

``OrderAssistant.handle`` is a pure step of a small state machine: it takes the text, its
language, the conversation's ``OrderDialogState`` and returns an ``OrderDecision`` with the
next state. Keeping the state is the caller's job (``OrderDialogStore``).

    IDLE ──status question, no number──▶ ask for the number ─▶ AWAITING_REFERENCE
    IDLE / AWAITING_REFERENCE ──number──▶ (source needs a verifier and none given?)
          yes ─▶ ask for email / last four ─▶ AWAITING_VERIFIER
          no  ─▶ lookup
    AWAITING_VERIFIER ──email or last four──▶ lookup, compare in code
    lookup ─▶ FOUND: template answer (plain question) or the model with the order as data
           ─▶ NOT_FOUND (or not theirs): one answer ─▶ AWAITING_REFERENCE
           ─▶ failure: "cannot check right now", a person offered ─▶ IDLE
    every lookup first takes one from the customer's allowance (``LookupLimiter``)
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from seabot.core.orders.answers import render_order
from seabot.core.orders.errors import OrderSourceError
from seabot.core.orders.phrases import OrderPhrase, order_phrase
from seabot.core.orders.prompt_data import order_context
from seabot.core.orders.records import LookupOutcome, OrderLookup, OrderQuery
from seabot.core.orders.references import find_order_reference, is_order_question
from seabot.core.orders.source import OrderSource
from seabot.core.orders.state import CustomerRef, LookupLimiter, OrderDialogState, OrderStage
from seabot.core.orders.verification import owner_matches, parse_verifier

__all__ = ["OrderAction", "OrderDecision", "OrderAssistant"]

log = logging.getLogger("seabot.orders")


class OrderAction(StrEnum):
    NOT_ORDER = "not_order"  # not about an order: answer the usual way
    ASK_REFERENCE = "ask_reference"
    ASK_VERIFIER = "ask_verifier"
    ANSWER = "answer"  # ``text`` is the templated order card
    NOT_FOUND = "not_found"  # ``text`` says so (same words for "not yours")
    LLM = "llm"  # answer with the routed tier, ``llm_context`` added to its system prompt
    UNAVAILABLE = "unavailable"  # ``text`` says the order cannot be checked now, offers a person
    RATE_LIMITED = "rate_limited"  # ``text`` says too many lookups, offers a person


@dataclass(frozen=True, slots=True)
class OrderDecision:
    action: OrderAction
    state: OrderDialogState  # save it for the conversation's next message
    text: str | None = None  # the reply, for every action but NOT_ORDER and LLM
    lookup: OrderLookup | None = None  # what a lookup returned (no owner contact): store it with the answer
    llm_context: str | None = field(default=None, repr=False)  # rules + the delimited order data, for LLM

    @property
    def handled(self) -> bool:
        return self.action is not OrderAction.NOT_ORDER


class OrderAssistant:
    """One bot's order conversations. Immutable; safe to share between conversations."""

    def __init__(
        self,
        source: OrderSource,
        limiter: LookupLimiter,
        *,
        bot_name: str,
        fallback_lang: str = "en",
        question_ttl_s: float = 1800.0,
    ) -> None:
        self._source = source
        self._limiter = limiter
        self._name = bot_name
        self._fallback = fallback_lang
        self._ttl = question_ttl_s

    async def handle(
        self,
        text: str,
        lang: str,
        state: OrderDialogState,
        *,
        customer: CustomerRef,
        now: float,
        needs_judgment: bool = False,
    ) -> OrderDecision:
        """Decide what to do with ``text``. ``needs_judgment`` is the router's verdict that the
        message is more than a plain status question (a complaint, a refund demand, anger)."""
        if state.expired(now, self._ttl):
            state = OrderDialogState.idle()
        expecting = state.stage is OrderStage.AWAITING_REFERENCE
        ref = find_order_reference(text, expecting=expecting)
        asks = is_order_question(text)

        if state.stage is OrderStage.AWAITING_VERIFIER and state.ref:
            rest = _without(text, state.ref)  # "#1001 4821": the number again, then the proof
            new_ref = ref if ref and ref != state.ref else None
            if new_ref is None and parse_verifier(rest) is not None:
                judgment = state.needs_judgment or needs_judgment
                return await self._lookup(state.ref, lang, customer, now, judgment, verifier_text=rest)
            if new_ref is None and not asks:
                return self._not_order()
            if new_ref is not None:
                ref = new_ref
            else:  # asked again without an answer: ask again
                return self._ask_verifier(state.ref, lang, now, state.needs_judgment or needs_judgment)

        if ref is None:
            if asks:
                return self._decide(
                    OrderAction.ASK_REFERENCE,
                    lang,
                    OrderDialogState(OrderStage.AWAITING_REFERENCE, None, now, needs_judgment),
                )
            return self._not_order()

        judgment = needs_judgment or (expecting and state.needs_judgment)
        if self._source.needs_verifier:
            if parse_verifier(_without(text, ref)) is None:
                return self._ask_verifier(ref, lang, now, judgment)
            return await self._lookup(ref, lang, customer, now, judgment, verifier_text=_without(text, ref))
        return await self._lookup(ref, lang, customer, now, judgment, verifier_text=None)

    async def _lookup(
        self, ref: str, lang: str, customer: CustomerRef, now: float, judgment: bool, *, verifier_text: str | None
    ) -> OrderDecision:  # fmt: skip
        if not await self._limiter.try_acquire(customer, now):
            where = {"bot": customer.bot_id, "channel": customer.channel}
            log.info("order lookup refused: the customer's allowance is used up", extra=where)
            return self._decide(OrderAction.RATE_LIMITED, lang, OrderDialogState.idle())
        verifier = parse_verifier(verifier_text) if verifier_text is not None else None
        query = OrderQuery(ref=ref, channel=customer.channel, user_id=customer.user_id, lang=lang,
                           verifier=verifier.value if verifier else None)  # fmt: skip
        try:
            lookup = await self._source.lookup(query)
        except OrderSourceError as exc:
            log.warning("order lookup failed (%s, %s): %s", self._source.name, exc.outcome, exc)
            failed = OrderLookup.unavailable(exc.outcome)
            return self._decide(OrderAction.UNAVAILABLE, lang, OrderDialogState.idle(), lookup=failed)
        if lookup.outcome is LookupOutcome.FOUND and self._source.needs_verifier:
            if not owner_matches(lookup.owner, verifier):
                lookup = OrderLookup.not_found()  # not theirs: indistinguishable from unknown
        lookup = lookup.without_owner()
        if lookup.outcome is not LookupOutcome.FOUND or lookup.order is None:
            return self._decide(
                OrderAction.NOT_FOUND,
                lang,
                OrderDialogState(OrderStage.AWAITING_REFERENCE, None, now, judgment),
                lookup=OrderLookup.not_found(),
            )
        if judgment:
            return OrderDecision(OrderAction.LLM, OrderDialogState.idle(), lookup=lookup,
                                 llm_context=order_context(lookup.order))  # fmt: skip
        return OrderDecision(OrderAction.ANSWER, OrderDialogState.idle(), text=render_order(lookup.order, lang),
                             lookup=lookup)  # fmt: skip

    def _ask_verifier(self, ref: str, lang: str, now: float, judgment: bool) -> OrderDecision:
        state = OrderDialogState(OrderStage.AWAITING_VERIFIER, ref, now, judgment)
        return self._decide(OrderAction.ASK_VERIFIER, lang, state, ref=ref)

    def _not_order(self) -> OrderDecision:
        return OrderDecision(OrderAction.NOT_ORDER, OrderDialogState.idle())

    def _decide(
        self,
        action: OrderAction,
        lang: str,
        state: OrderDialogState,
        *,
        ref: str = "",
        lookup: OrderLookup | None = None,
    ) -> OrderDecision:
        text = order_phrase(OrderPhrase(action.value), lang, name=self._name, ref=ref, fallback_lang=self._fallback)
        return OrderDecision(action, state, text=text, lookup=lookup)


def _without(text: str, ref: str) -> str:
    """The text with the order reference taken out, so "#1001 4821" reads 4821 as the verifier."""
    return re.sub(rf"#?\s?{re.escape(ref)}", " ", unicodedata.normalize("NFKC", text), flags=re.IGNORECASE)
