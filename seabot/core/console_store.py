"""The merchant console's storage seam: accounts, sessions, the console's view of conversations,
and the agents' outbox. Small async Protocols, one concern each, like ``seabot.core.storage``.

The SQLite implementation is ``seabot.storage.console_sqlite.SqliteConsoleStore``; a PostgreSQL
one must keep the same tables (``console_accounts``, ``console_sessions``, ``console_conversations``,
``console_outbox``, ``console_translations``, ``console_notes``, ``console_canned``) and the same
meaning of every method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from seabot.core.orders.records import Order, OrderLookup

__all__ = [
    "AccountRole", "Account", "AccountExists", "Session", "ConversationStatus", "InboxFilter",
    "ConversationRow", "ConsoleMessage", "HandoffNote", "CannedReply", "OutboxState", "OutboxItem",
    "Accounts", "Sessions", "ConsoleConversations", "Outbox",
]  # fmt: skip


class AccountRole(StrEnum):
    ADMIN = "admin"  # every bot, and manages accounts
    AGENT = "agent"  # the bots named on the account only


class AccountExists(Exception):
    """An account with this email is there already."""


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    role: AccountRole
    bots: tuple[str, ...]  # an agent's bots; empty for an admin (who has all)
    password_hash: str
    lang: str = "en"  # the language the agent reads and writes (translation, issue item 6)
    failed_logins: int = 0
    locked_until: float = 0.0
    created_at: float = 0.0

    @property
    def name(self) -> str:
        """What customers' history shows as the agent: the email's local part."""
        return self.email.split("@", 1)[0]

    def sees(self, bot_id: str) -> bool:
        return self.role is AccountRole.ADMIN or bot_id in self.bots


@dataclass(frozen=True, slots=True)
class Session:
    """A server-side login session; the cookie holds a token whose SHA-256 is ``token_hash``."""

    token_hash: str
    account_id: int
    csrf: str
    created_at: float
    last_seen: float


class ConversationStatus(StrEnum):
    BOT = "bot"  # the bot answers
    NEEDS_PERSON = "needs_person"  # handed off, nobody took it yet
    PERSON = "person"  # an agent took it over
    RESOLVED = "resolved"  # closed by an agent; a new customer message reopens it


@dataclass(frozen=True, slots=True)
class InboxFilter:
    bots: frozenset[str] | None = None  # None: every bot (an admin)
    bot: str = ""
    channel: str = ""
    lang: str = ""
    status: str = ""  # a ConversationStatus value, or "" for all
    search: str = ""  # customer id or message text
    limit: int = 200


@dataclass(frozen=True, slots=True)
class ConversationRow:
    id: int
    bot_id: str
    channel: str
    chat_id: str
    chat_kind: str
    lang: str | None
    status: ConversationStatus
    customer_id: str  # the customer's user id (the chat in a private conversation)
    last_text: str
    last_role: str
    last_at: float
    last_customer_at: float | None  # when the customer last wrote (WeChat's 48-hour window)
    waiting_since: float | None  # a conversation needing a person: since its handoff
    unanswered: int  # customer messages after the last answer (bot's or agent's)
    assignee: str = ""  # the agent's email, when with a person
    display_name: str = ""  # the customer's name where a platform gave one (not yet: see the README)


@dataclass(frozen=True, slots=True)
class ConsoleMessage:
    id: int
    role: str  # customer | bot | agent | system | note (a private note, never sent)
    text: str
    created_at: float
    lang: str | None = None
    responder: str | None = None  # the bot's responder, or the agent's name
    model: str | None = None
    tier: str | None = None
    cost_usd: float = 0.0
    latency_ms: float | None = None
    fallback: bool = False
    delivery: str | None = None  # an agent's reply: pending | sending | sent | failed
    delivery_error: str = ""
    lookup: OrderLookup | None = None  # a bot answer based on an order: what the lookup returned

    @property
    def order(self) -> Order | None:
        return self.lookup.order if self.lookup is not None else None


@dataclass(frozen=True, slots=True)
class HandoffNote:
    created_at: float
    reasons: tuple[str, ...]
    released_at: float | None


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: int
    shortcut: str  # typed as ``/shortcut`` in the reply box
    lang: str  # the language of ``text``
    text: str


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # an attempt is running (leased); a lease that expires is tried again
    SENT = "sent"
    FAILED = "failed"  # given up (attempts used, or refused for good)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    conversation_id: int
    bot_id: str
    channel: str
    chat_id: str
    user_id: str
    text: str
    agent_id: int
    agent_name: str
    state: OutboxState
    attempts: int
    created_at: float
    message_id: int = 0  # the agent's message in the history
    last_error: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Accounts(Protocol):
    async def add_account(
        self, email: str, role: AccountRole, bots: tuple[str, ...], password_hash: str, *, now: float, lang: str = "en"
    ) -> Account:
        """Raises ``AccountExists``."""
        ...

    async def account(self, account_id: int) -> Account | None: ...
    async def account_by_email(self, email: str) -> Account | None: ...
    async def accounts(self) -> list[Account]: ...
    async def remove_account(self, email: str) -> bool:
        """Remove the account and end its sessions; False when there was none."""
        ...

    async def set_password(self, email: str, password_hash: str, *, now: float) -> bool:
        """Replace the password, end every session, clear the lockout; False when no such account."""
        ...

    async def note_failed_login(self, account_id: int, *, now: float, limit: int, lock_s: float) -> Account:
        """Count a failed login; the ``limit``-th in a row locks the account for ``lock_s``."""
        ...

    async def note_login(self, account_id: int) -> None:
        """A good login: the failure count starts again."""
        ...


@runtime_checkable
class Sessions(Protocol):
    async def create_session(self, session: Session) -> None: ...
    async def session(self, token_hash: str, *, now: float, idle_s: float, touch: bool = True) -> Session | None:
        """The live session (its last use moved to ``now`` unless ``touch`` is False: a page's own
        polling is not a person using it); an idle one is ended and None."""
        ...

    async def end_session(self, token_hash: str) -> None: ...


@runtime_checkable
class ConsoleConversations(Protocol):
    async def conversations(self, query: InboxFilter, *, now: float) -> list[ConversationRow]:
        """Newest activity first."""
        ...

    async def conversation_row(self, conversation_id: int) -> ConversationRow | None: ...
    async def messages(self, conversation_id: int, limit: int = 500) -> list[ConsoleMessage]: ...
    async def handoff_notes(self, conversation_id: int) -> list[HandoffNote]: ...
    async def facets(self, bots: frozenset[str] | None) -> dict[str, list[str]]:
        """The channels and languages there are, for the inbox's filters."""
        ...

    async def pushes_this_month(self, bot_id: str, channel: str, *, now: float) -> int:
        """Push messages (counted against a plan's monthly quota) sent in the UTC month of ``now``."""
        ...

    async def translations(self, conversation_id: int, lang: str) -> dict[int, str]:
        """The conversation's messages translated into ``lang`` so far, by message id."""
        ...

    async def put_translation(self, message_id: int, lang: str, text: str, *, now: float) -> None: ...
    async def add_note(self, conversation_id: int, account: Account, text: str, *, now: float) -> None:
        """A private note: for the merchant's people, never sent to the customer."""
        ...

    async def notes(self, conversation_id: int) -> list[ConsoleMessage]:
        """The conversation's notes as messages of role ``note`` (ids negative: not in the history)."""
        ...

    async def canned_replies(self) -> list[CannedReply]: ...
    async def put_canned(self, shortcut: str, lang: str, text: str, *, now: float) -> None:
        """Add a canned reply, or replace the text of the one with this shortcut and language."""
        ...

    async def delete_canned(self, canned_id: int) -> bool: ...
    async def take_over(self, conversation_id: int, account: Account, *, now: float) -> None:
        """Silence the bot for the conversation and assign it to ``account``."""
        ...

    async def release(self, conversation_id: int, *, now: float) -> None:
        """Give the conversation back to the bot (unassigned)."""
        ...

    async def resolve(self, conversation_id: int, *, now: float) -> None:
        """Close it: back to the bot, unassigned, shown resolved until the customer writes again."""
        ...


@runtime_checkable
class Outbox(Protocol):
    async def enqueue_reply(self, row: ConversationRow, account: Account, text: str, *, now: float) -> OutboxItem:
        """Keep the agent's reply in the outbox and in the history (role ``agent``), in one transaction."""
        ...

    async def claim_due(self, *, now: float, lease_s: float, limit: int) -> list[OutboxItem]:
        """Pending items that are due, and items whose attempt's lease expired (a crash): leased."""
        ...

    async def mark_sent(self, item_id: int, *, now: float) -> None: ...
    async def mark_retry(self, item_id: int, error: str, *, at: float) -> None: ...
    async def mark_failed(self, item_id: int, error: str, *, now: float) -> None: ...
    async def agent_sends_since(self, conversation_id: int, since: float) -> int:
        """Agent replies kept for the conversation since ``since`` (WeChat's 5 per window)."""
        ...
