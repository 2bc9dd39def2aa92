"""One bot's way from an inbound message to a reply: detect, route, answer, remember."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from seabot.core.handoff import HandoffNotice, HandoffNotifier
from seabot.core.messages import ChatKind, InboundMessage, MessageKind, Reply, Role
from seabot.core.metrics import Metrics
from seabot.core.orders import CustomerRef, OrderAction, OrderDesk, OrderDialogState, without_contacts
from seabot.core.phrases import Phrase, phrase
from seabot.core.profile import BotProfile
from seabot.core.ratelimit import RateLimiter
from seabot.core.responder import Answer, Responder, ResponderRequest, Turn
from seabot.core.storage.keys import rate_limited_counter
from seabot.core.store import Conversation, ConversationStore, Handoff, RecentMessage, StoredMessage, TokenTake
from seabot.core.textnorm import is_blank, storable

__all__ = ["Pipeline", "PipelineLimits", "Detector", "MessageRouter"]

log = logging.getLogger("seabot.pipeline")


class _Detection(Protocol):
    @property
    def lang(self) -> str: ...
    @property
    def confidence(self) -> float: ...


class _Decision(Protocol):
    @property
    def tier(self) -> str: ...
    @property
    def handoff(self) -> bool: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class Detector(Protocol):
    def detect(
        self,
        text: str,
        *,
        locale: str | None = None,
        conversation_lang: str | None = None,
        recent_customer_texts: Sequence[str] = (),
    ) -> _Detection: ...


class MessageRouter(Protocol):
    def route(
        self, text: str, *, lang: str | None = None, previous_customer_texts: Sequence[str] = ()
    ) -> _Decision: ...


@dataclass(frozen=True, slots=True)
class PipelineLimits:
    history_turns: int = 20  # turns read back for the prompt
    analysed_chars: int = 4000  # longer messages are stored whole but analysed from their start
    routing_context: int = 4  # earlier customer messages the router sees


class Pipeline:
    """Channel-neutral: knows customer service, not platforms. One instance per bot."""

    def __init__(
        self,
        bot: BotProfile,
        store: ConversationStore,
        detector: Detector,
        router: MessageRouter,
        responder: Responder,
        metrics: Metrics,
        limits: PipelineLimits = PipelineLimits(),
        *,
        rate_limiter: RateLimiter | None = None,
        handoff_notifier: HandoffNotifier | None = None,
        orders: OrderDesk | None = None,
    ) -> None:
        self.bot = bot
        self._store = store
        self._detector = detector
        self._router = router
        self._responder = responder
        self._metrics = metrics
        self._limits = limits
        self._rate_limiter = rate_limiter
        self._handoff_notifier = handoff_notifier
        self._orders = orders

    async def answer(self, message: InboundMessage) -> Reply | None:
        """Store the customer's message and produce the bot's reply (None: a person has it)."""
        started = time.perf_counter()
        conversation = self._store.conversation(message.bot_id, message.channel, message.chat_id, message.chat_kind)
        if message.kind is not MessageKind.TEXT:
            return await self._answer_non_text(message, conversation, started)
        text = message.text
        analysed = text[: self._limits.analysed_chars]
        recent = self._store.recent(conversation.id, self._limits.history_turns)
        # A message retried after a crash may already be stored: it is the current turn, not history.
        recent = [m for m in recent if m.inbound_id != message.message_id]
        detection = self._detector.detect(
            analysed, locale=message.locale, conversation_lang=conversation.lang,
            recent_customer_texts=[m.text for m in recent if m.role is Role.CUSTOMER],
        )  # fmt: skip
        lang = detection.lang if detection.lang != "und" else (conversation.lang or self._locale_lang(message))
        answer_lang = self.bot.answer_language(lang)
        self._metrics.inc("seabot_messages_total", bot=self.bot.bot_id, channel=message.channel, lang=lang)
        switched = lang != conversation.lang and detection.lang != "und"
        await self._remember(message, conversation, text, lang, conversation_lang=lang if switched else None)
        if self._with_a_person(conversation, message):
            log.info("conversation with a person; bot stays silent", extra={"bot": self.bot.bot_id})
            return None
        refused = await self._rate_limited(message)
        if refused is not None:
            self._metrics.inc("seabot_rate_limited_total", bot=self.bot.bot_id)
            self._store.bump_counter(rate_limited_counter(self.bot.bot_id, time.time()))  # for `seabot stats`
            if not refused.notify:
                return None  # the customer has had the note; no reply until the bucket refills
            return await self._say(
                message, conversation, Phrase.RATE_LIMITED, answer_lang, started, responder="ratelimit"
            )
        if is_blank(text):
            return await self._say(message, conversation, Phrase.EMPTY, answer_lang, started)
        previous = [m.text for m in recent if m.role is Role.CUSTOMER][-self._limits.routing_context :]
        decision = self._router.route(analysed, lang=lang, previous_customer_texts=previous)
        if decision.handoff:
            await self._hand_off(message, conversation, lang, tuple(decision.reasons))
            return await self._say(message, conversation, Phrase.HANDOFF, answer_lang, started, tier="handoff")
        if self._orders is not None and message.chat_kind is ChatKind.PRIVATE:  # never an order in a group
            handled = await self._answer_order(message, conversation, analysed, answer_lang, decision, recent, started)
            if handled is not None:
                return handled
        request = self._request(message, conversation, analysed, answer_lang, decision.tier, recent)
        answer = await self._responder.respond(request)
        if is_blank(answer.text):
            answer = Answer(
                text=phrase(Phrase.FOLLOW_UP, answer_lang, name=self.bot.display_name),
                responder="offline",
                fallback=True,
            )
        return await self._finish(message, conversation, answer, answer_lang, started)

    def _request(
        self,
        message: InboundMessage,
        conversation: Conversation,
        text: str,
        lang: str,
        tier: str,
        recent: Sequence[RecentMessage],
        *,
        context: str = "",
    ) -> ResponderRequest:
        history = tuple(Turn(m.role, m.text) for m in recent if m.role is not Role.SYSTEM)
        if self._orders is not None:  # customers give this bot emails and phones to prove an order is theirs
            text = without_contacts(text)
            history = tuple(Turn(t.role, without_contacts(t.text)) for t in history)
        return ResponderRequest(
            bot=self.bot, text=text, lang=lang, tier=tier, history=history,
            conversation_key=f"{message.channel}:{message.chat_id}", conversation_id=conversation.id,
            personal=bool(context), context=context,
        )  # fmt: skip

    async def _answer_order(
        self,
        message: InboundMessage,
        conversation: Conversation,
        text: str,
        lang: str,
        decision: _Decision,
        recent: Sequence[RecentMessage],
        started: float,
    ) -> Reply | None:
        """The order conversation's answer to this message, or None when it is not about an order."""
        assert self._orders is not None
        customer = CustomerRef(self.bot.bot_id, message.channel, message.user_id)
        state = await self._orders.dialogs.load_order_dialog(customer) or OrderDialogState.idle()
        # Order status and changes route to balanced as a matter of course; a complaint, a dispute
        # or anger (premium) is what needs judgment beyond the order card.
        step = await self._orders.assistant.handle(
            text, lang, state, customer=customer, now=time.time(), needs_judgment=decision.tier == "premium"
        )
        if step.state != state:
            await self._orders.dialogs.save_order_dialog(customer, step.state)
        if not step.handled:
            return None
        outcome = step.lookup.outcome.value if step.lookup is not None else "none"
        self._metrics.inc("seabot_order_steps_total", bot=self.bot.bot_id, action=step.action.value, outcome=outcome)
        context = json.dumps(step.lookup.as_json(), ensure_ascii=False) if step.lookup is not None else None
        if step.action is OrderAction.LLM:
            tier = decision.tier if decision.tier == "premium" else "balanced"
            request = self._request(message, conversation, text, lang, tier, recent, context=step.llm_context or "")
            answer = await self._responder.respond(request)
            if is_blank(answer.text):
                answer = Answer(text=phrase(Phrase.FOLLOW_UP, lang, name=self.bot.display_name),
                                responder="offline", fallback=True)  # fmt: skip
        else:
            answer = Answer(text=step.text or "", responder="orders")
        return await self._finish(message, conversation, answer, lang, started, context=context)

    async def follow_up(self, message: InboundMessage) -> Reply:
        """The built-in follow-up note, for a message the bot could not answer (its last retry
        failed). It needs neither the model nor the store, so it works when one of them is what
        fails; it is recorded in the history when the store allows."""
        started = time.perf_counter()
        try:
            detected = self._detector.detect(message.text[: self._limits.analysed_chars], locale=message.locale).lang
        except Exception:  # noqa: BLE001 - the note must not depend on what may have failed
            detected = "und"
        lang = self.bot.answer_language(detected if detected != "und" else self._locale_lang(message))
        text = phrase(Phrase.FOLLOW_UP, lang, name=self.bot.display_name, fallback_lang=self.bot.default_language)
        answer = Answer(text=text, responder="offline", fallback=True)
        try:
            conversation = self._store.conversation(message.bot_id, message.channel, message.chat_id, message.chat_kind)
            return await self._finish(message, conversation, answer, lang, started)
        except Exception as exc:  # noqa: BLE001 - the note goes out even when the store is what fails
            log.error(
                "follow-up note not recorded in the history: %s", type(exc).__name__, extra={"bot": self.bot.bot_id}
            )
            return self._reply(message, text, lang)

    # -- helpers ------------------------------------------------------------------------------

    def _with_a_person(self, conversation: Conversation, message: InboundMessage) -> bool:
        """A person has the conversation, or, in a group, has the member who wrote this."""
        if conversation.handoff:
            return True
        return message.chat_kind is ChatKind.GROUP and self._store.member_handed_off(conversation.id, message.user_id)

    def _locale_lang(self, message: InboundMessage) -> str:
        if message.locale:
            base = message.locale.replace("_", "-").split("-")[0].lower()
            if base in self.bot.languages:
                return base
        return self.bot.default_language

    async def _rate_limited(self, message: InboundMessage) -> TokenTake | None:
        """Take a token from the customer's bucket; the refusal when there was none."""
        per_minute = self.bot.rate_limit_per_minute
        if self._rate_limiter is None or not per_minute:
            return None
        take = await self._rate_limiter.take(self.bot.bot_id, message.channel, message.user_id, per_minute)
        if take.allowed:
            return None
        log.info("customer over the rate limit", extra={"bot": self.bot.bot_id, "note": take.notify})
        return take

    async def _hand_off(
        self, message: InboundMessage, conversation: Conversation, lang: str, reasons: tuple[str, ...]
    ) -> None:
        handoff = Handoff(
            conversation_id=conversation.id,
            bot_id=self.bot.bot_id,
            channel=message.channel,
            chat_id=message.chat_id,
            user_id=message.user_id,
            lang=lang,
            reasons=reasons,
            created_at=time.time(),
        )
        self._store.record_handoff(handoff)
        self._metrics.inc("seabot_handoffs_total", bot=self.bot.bot_id)
        log.info("handoff to a person", extra={"bot": self.bot.bot_id, "reasons": list(reasons)})
        if self.bot.handoff_webhook and self._handoff_notifier is not None:
            await self._handoff_notifier.notify(self.bot.handoff_webhook, HandoffNotice.of(handoff, message.text))

    async def _answer_non_text(
        self, message: InboundMessage, conversation: Conversation, started: float
    ) -> Reply | None:
        lang = self.bot.answer_language(conversation.lang or self._locale_lang(message))
        recorded = f"[{message.kind}] {message.text}" if message.kind is MessageKind.POSTBACK else f"[{message.kind}]"
        await self._remember(message, conversation, recorded, lang)
        if self._with_a_person(conversation, message):
            return None  # a person has this conversation
        if message.kind is MessageKind.POSTBACK:
            return await self._answer_postback(message, conversation, lang, started)
        which = Phrase.GREETING if message.kind is MessageKind.FOLLOW else Phrase.NON_TEXT
        return await self._say(message, conversation, which, lang, started)

    async def _answer_postback(
        self, message: InboundMessage, conversation: Conversation, lang: str, started: float
    ) -> Reply | None:
        """A pressed button gets the reply the merchant configured for its data, or none."""
        replies = self.bot.postback_replies.get(message.text)
        if not replies:
            log.info("postback without a configured reply; not answered", extra={"bot": self.bot.bot_id})
            return None
        text = replies.get(lang) or replies.get(self.bot.default_language) or next(iter(replies.values()))
        return await self._finish(message, conversation, Answer(text=text, responder="builtin"), lang, started)

    async def _say(
        self,
        message: InboundMessage,
        conversation: Conversation,
        which: Phrase,
        lang: str,
        started: float,
        tier: str | None = None,
        responder: str = "builtin",
    ) -> Reply:
        text = phrase(which, lang, name=self.bot.display_name, fallback_lang=self.bot.default_language)
        return await self._finish(
            message, conversation, Answer(text=text, responder=responder, tier=tier), lang, started
        )

    async def _remember(
        self,
        message: InboundMessage,
        conversation: Conversation,
        text: str,
        lang: str | None,
        *,
        conversation_lang: str | None = None,
    ) -> None:
        """Store the customer's message (once, however often it is redone) and, when it has
        one, the conversation's new language."""
        record = _record(message, conversation, Role.CUSTOMER, text, lang, created_at=message.received_at)
        self._store.append(record, conversation_lang=conversation_lang)

    async def _finish(
        self,
        message: InboundMessage,
        conversation: Conversation,
        answer: Answer,
        lang: str,
        started: float,
        *,
        context: str | None = None,
    ) -> Reply:
        latency = time.perf_counter() - started
        record = _record(
            message, conversation, Role.BOT, answer.text, lang,
            responder=answer.responder, model=answer.model, tier=answer.tier, tokens_in=answer.tokens_in,
            tokens_out=answer.tokens_out, cost_usd=answer.cost_usd, latency_ms=latency * 1000.0,
            attempts=answer.attempts, fallback=answer.fallback, created_at=time.time(), context=context,
        )  # fmt: skip
        self._store.append(record)
        self._metrics.observe(
            "seabot_answer_seconds", latency, bot=self.bot.bot_id, tier=answer.tier or answer.responder
        )
        return self._reply(message, record.text, lang)

    @staticmethod
    def _reply(message: InboundMessage, text: str, lang: str) -> Reply:
        return Reply(
            bot_id=message.bot_id,
            channel=message.channel,
            chat_id=message.chat_id,
            user_id=message.user_id,
            text=text,
            lang=lang,
            in_reply_to=message.message_id,
            reply_handle=message.reply_handle,
            received_at=message.received_at,
        )


def _record(
    message: InboundMessage, conversation: Conversation, role: Role, text: str, lang: str | None, **details: Any
) -> StoredMessage:
    """A row of the conversation for ``message``: the customer's words or the bot's answer to them."""
    return StoredMessage(
        conversation_id=conversation.id,
        bot_id=message.bot_id,
        channel=message.channel,
        chat_id=message.chat_id,
        user_id=message.user_id,
        role=role,
        text=storable(text)[0],  # an answer echoing a lone surrogate is stored repaired, not lost
        lang=lang,
        inbound_id=message.message_id,
        **details,
    )
