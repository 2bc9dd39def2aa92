"""The console's pages and actions. Each handler: who is asking (a session, or the login page),
may they see this (a conversation of another account's bot is 404), is the post genuine (the
session's CSRF token, else 403), then one store call, then a page, a fragment for HTMX, or a
redirect back. Bad input is a page that says what is wrong, never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from seabot.adapters.base import ChannelAdapter
from seabot.bots.canaries import canary_decisions, canary_line
from seabot.bots.runtime import Runtime
from seabot.console import auth
from seabot.console.forms import FormError, read_form
from seabot.console.outbox import OutboxWorker
from seabot.console.stats import StatsRow, bar_chart, stats_csv, stats_rows
from seabot.console.translate import LANGUAGE_NAMES, TranslationFailed, Translator
from seabot.core.console_store import (
    Account,
    AccountRole,
    ConversationRow,
    ConversationStatus,
    InboxFilter,
    Session,
)
from seabot.storage.console_sqlite import SqliteConsoleStore

__all__ = ["ConsoleViews", "SESSION_COOKIE", "LOGIN_COOKIE", "LOGIN_FAILED", "WECHAT_WINDOW_S"]

log = logging.getLogger("seabot.console")

SESSION_COOKIE = "seabot_session"
LOGIN_COOKIE = "seabot_login"  # the login form's own CSRF token (double submit), before any session
LOGIN_FAILED = "Wrong email or password, or the account is locked after too many failed attempts (15 minutes)."
WECHAT_WINDOW_S = 48 * 3600.0  # WeChat's customer-service window after the customer's last message
WECHAT_WINDOW_MESSAGES = 5
_MAX_COOKIE = 200
_SHORTCUT = re.compile(r"/([A-Za-z0-9_-]{1,40})")  # a canned reply, typed alone in the reply box
_STATUS_LABELS = {
    ConversationStatus.BOT: "with the bot",
    ConversationStatus.NEEDS_PERSON: "needs a person",
    ConversationStatus.PERSON: "with a person",
    ConversationStatus.RESOLVED: "resolved",
}

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Who:
    session: Session
    account: Account

    @property
    def bots(self) -> frozenset[str] | None:
        return None if self.account.role is AccountRole.ADMIN else frozenset(self.account.bots)


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _when(at: float | None) -> str:
    return "" if not at else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


class ConsoleViews:
    def __init__(self, runtime: Runtime, adapters: Mapping[tuple[str, str], ChannelAdapter], options: Any) -> None:
        self._runtime = runtime
        self._adapters = adapters
        self._options = options
        self._secure = runtime.config.console.public_url.strip().lower().startswith("https://")
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=True,  # every template: customer text is never marked safe
            undefined=jinja2.StrictUndefined,
        )
        env.filters.update(when=_when, duration=_duration, status_label=lambda s: _STATUS_LABELS.get(s, str(s)))
        self._templates = Jinja2Templates(env=env)
        self._store: SqliteConsoleStore | None = None
        self._worker: OutboxWorker | None = None
        self._translator = Translator(runtime)
        self.unavailable = "The console is starting or stopping; try again shortly."
        self._translating: set[tuple[int, str]] = set()  # (message id, language) being or given up translating
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, store: SqliteConsoleStore, worker: OutboxWorker) -> None:
        self._store, self._worker = store, worker

    async def detach(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._store, self._worker = None, None

    @property
    def store(self) -> SqliteConsoleStore:
        if self._store is None:
            raise _Refused(self.error_page(None, 503, self.unavailable))
        return self._store

    # -- rendering ------------------------------------------------------------------------------------

    def render(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        base = {"poll_s": self._options.poll_s, "account": None, "csrf": "", "now": time.time()}
        return self._templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def error_page(self, request: Request | None, status: int, message: str, who: _Who | None = None) -> Response:
        if request is None:
            return Response(message, status_code=status, media_type="text/plain; charset=utf-8")
        context = {"status": status, "message": message}
        if who is not None:
            context.update(account=who.account, csrf=who.session.csrf)
        return self.render(request, "error.html", context, status)

    # -- who is asking --------------------------------------------------------------------------------

    async def _current(self, request: Request) -> _Who | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token or len(token) > _MAX_COOKIE:
            return None
        # an open page polling for news (HTMX) is not someone using the console: it does not keep the session
        polling = request.method == "GET" and bool(request.headers.get("hx-request"))
        session = await self.store.session(
            auth.token_hash(token), now=time.time(), idle_s=self._options.idle_s, touch=not polling
        )
        if session is None:
            return None
        account = await self.store.account(session.account_id)
        if account is None:
            await self.store.end_session(session.token_hash)
            return None
        return _Who(session, account)

    async def _guard(self, request: Request, *, post: bool) -> tuple[_Who, dict[str, str]]:
        """The caller's session (else the login page, or 403 for a post) and, for a post, its form
        with a good CSRF token (else 403)."""
        who = await self._current(request)
        if who is None:
            if post:
                raise _Refused(self.error_page(request, 403, "Your session has ended; log in again."))
            if request.headers.get("hx-request"):
                raise _Refused(Response("session ended", status_code=401, headers={"HX-Redirect": "/login"}))
            raise _Refused(RedirectResponse("/login", status_code=303))
        form: dict[str, str] = {}
        if post:
            try:
                form = await read_form(request)
            except FormError as exc:
                raise _Refused(self.error_page(request, exc.status, exc.message, who)) from exc
            given = form.get("csrf") or request.headers.get("x-csrf-token")
            if not auth.same_token(given, who.session.csrf):
                raise _Refused(self.error_page(request, 403, "This form is out of date (its security token is "
                                               "missing or wrong); reload the page and try again.", who))  # fmt: skip
        return who, form

    async def _visible(self, request: Request, who: _Who) -> ConversationRow:
        conversation_id = int(request.path_params["conversation_id"])
        row = await self.store.conversation_row(conversation_id)
        if row is None or not who.account.sees(row.bot_id):  # another bot's conversation does not exist for them
            raise _Refused(self.error_page(request, 404, "There is no such conversation.", who))
        return row

    # -- login ------------------------------------------------------------------------------------------

    async def login_form(self, request: Request) -> Response:
        try:
            if await self._current(request) is not None:
                return RedirectResponse("/", status_code=303)
        except _Refused as refused:
            return refused.response
        return self._login_page(request, "", 200)

    def _login_page(self, request: Request, error: str, status: int, email: str = "") -> Response:
        token = auth.new_token()
        response = self.render(request, "login.html", {"error": error, "email": email, "login_csrf": token}, status)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=self._secure, path="/login")
        return response

    async def login(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError as exc:
            return self._login_page(request, exc.message, exc.status)
        if not auth.same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE, "")):
            return self._login_page(request, "The login form had expired; please try again.", 403)
        email, password = form.get("email", "").strip()[:254], form.get("password", "")[: auth.MAX_PASSWORD_LENGTH]
        try:
            account = await self.store.account_by_email(email) if email else None
        except _Refused as refused:
            return refused.response
        now = time.time()
        if account is None or account.locked_until > now:
            auth.burn_verify(password)  # the same work, the same answer: nobody learns which emails exist
            if account is not None:
                log.info("login refused: account locked", extra={"account": account.id})
            return self._login_page(request, LOGIN_FAILED, 401, email)
        if not auth.verify_password(account.password_hash, password):
            noted = await self.store.note_failed_login(
                account.id, now=now, limit=self._options.lock_after, lock_s=self._options.lock_s
            )
            if noted.locked_until > now:
                log.warning("account locked after %d failed logins", noted.failed_logins, extra={"account": account.id})
            return self._login_page(request, LOGIN_FAILED, 401, email)
        await self.store.note_login(account.id)
        old = request.cookies.get(SESSION_COOKIE, "")
        if old and len(old) <= _MAX_COOKIE:
            await self.store.end_session(auth.token_hash(old))
        token = auth.new_token()
        await self.store.create_session(Session(auth.token_hash(token), account.id, auth.new_token(), now, now))
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=self._secure, path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def logout(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=True)
        except _Refused as refused:
            return refused.response
        await self.store.end_session(who.session.token_hash)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self._secure)
        return response

    # -- the inbox --------------------------------------------------------------------------------------

    async def inbox(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
        except _Refused as refused:
            return refused.response
        params = request.query_params
        wanted = {key: params.get(key, "")[:200] for key in ("bot", "channel", "lang", "status", "q")}
        if wanted["status"] and wanted["status"] not in {s.value for s in ConversationStatus}:
            wanted["status"] = ""
        query = InboxFilter(bots=who.bots, bot=wanted["bot"], channel=wanted["channel"], lang=wanted["lang"],
                            status=wanted["status"], search=wanted["q"].strip())  # fmt: skip
        now = time.time()
        rows = await self.store.conversations(query, now=now)
        context = {"account": who.account, "csrf": who.session.csrf, "rows": rows, "now": now,
                   "query": urlencode({k: v for k, v in wanted.items() if v})}  # fmt: skip
        if request.headers.get("hx-request"):
            return self.render(request, "_rows.html", context)
        bots = sorted(b for b in self._runtime.config.bots if who.account.sees(b))
        facets = await self.store.facets(who.bots)
        statuses = [(s.value, _STATUS_LABELS[s]) for s in ConversationStatus]
        context.update(wanted=wanted, bots=bots, facets=facets, statuses=statuses)
        return self.render(request, "inbox.html", context)

    # -- what the bots did and cost ---------------------------------------------------------------------

    async def _stats(self, request: Request, who: _Who) -> tuple[list[StatsRow], dict[str, str]]:
        params = request.query_params
        days = params.get("days", "14")
        n_days = int(days) if days.isdigit() and 1 <= int(days) <= 366 else 14
        bot = params.get("bot", "")[:100]
        if bot and (bot not in self._runtime.config.bots or not who.account.sees(bot)):
            raise _Refused(self.error_page(request, 404, "There is no such bot.", who))
        visible = frozenset([bot]) if bot else who.bots
        since = (time.time() // 86400 - (n_days - 1)) * 86400
        daily = await asyncio.to_thread(self._runtime.store.daily_stats, since, bot or None)
        daily = [d for d in daily if visible is None or d.bot_id in visible]
        channels = await self.store.channel_counts(since, visible)
        replies = await self.store.first_human_replies(since, visible)
        return stats_rows(self._runtime.config, daily, channels, replies), {"bot": bot, "days": str(n_days)}

    async def stats(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
            rows, wanted = await self._stats(request, who)
        except _Refused as refused:
            return refused.response
        per_day: dict[str, list[float]] = {}
        for row in rows:
            totals = per_day.setdefault(row.day.day, [0.0, 0.0])
            totals[0] += row.day.messages
            totals[1] += row.day.cost_usd
        ordered = sorted(per_day.items())
        context = {
            "account": who.account, "csrf": who.session.csrf, "rows": rows, "wanted": wanted,
            "bots": sorted(b for b in self._runtime.config.bots if who.account.sees(b)),
            "messages_chart": bar_chart([(d, v[0]) for d, v in ordered]),
            "cost_chart": bar_chart([(d, v[1]) for d, v in ordered], fmt="${:.4f}"),
            "query": urlencode({k: v for k, v in wanted.items() if v}),
            "canaries": [
                canary_line(self._runtime.config, tier, decision)
                for tier, decision in (await canary_decisions(self._runtime.config, self._runtime.store)).items()
            ],
        }  # fmt: skip
        return self.render(request, "stats.html", context)

    async def stats_csv(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
            rows, wanted = await self._stats(request, who)
        except _Refused as refused:
            return refused.response
        name = f"seabot-stats-{wanted['bot'] or 'all'}-{wanted['days']}d.csv"
        return Response(stats_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    # -- a conversation ---------------------------------------------------------------------------------

    async def conversation(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
            row = await self._visible(request, who)
        except _Refused as refused:
            return refused.response
        if request.headers.get("hx-request"):
            return self.render(request, "_history.html", await self._conversation_context(who, row))
        return await self._conversation_page(request, who, row)

    async def _conversation_context(self, who: _Who, row: ConversationRow) -> dict[str, Any]:
        messages = await self.store.messages(row.id)
        notes = await self.store.notes(row.id)
        translations: dict[int, str] = {}
        if self._translator.available:
            translations = await self.store.translations(row.id, who.account.lang)
            for m in messages:
                if (
                    m.role == "customer"
                    and m.id not in translations
                    and self._translator.differs(m.lang, who.account.lang)
                ):
                    self._translate_later(m.id, m.text, m.lang or "", who.account.lang, row.bot_id)
        return {
            "account": who.account, "csrf": who.session.csrf, "row": row,
            "messages": sorted([*messages, *notes], key=lambda m: (m.created_at, m.role == "note")),
            "handoffs": await self.store.handoff_notes(row.id), "translations": translations,
        }  # fmt: skip

    def _translate_later(self, message_id: int, text: str, source: str, target: str, bot_id: str) -> None:
        """Translate a customer message in the background; the page's next poll shows it. One
        attempt per message and language while the process runs (a failure is not retried on
        every poll, at the LLM's cost)."""
        key = (message_id, target)
        if key in self._translating:
            return
        self._translating.add(key)

        async def work() -> None:
            try:
                translated = await self._translator.translate(text, source, target, bot_id=bot_id)
            except TranslationFailed:
                return
            if self._store is not None:
                await self._store.put_translation(message_id, target, translated, now=time.time())

        task = asyncio.create_task(work(), name=f"translate-{message_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _conversation_page(
        self,
        request: Request,
        who: _Who,
        row: ConversationRow,
        *,
        error: str = "",
        text: str = "",
        status: int = 200,
        original: str = "",
    ) -> Response:
        context = await self._conversation_context(who, row)
        context.update(error=error, text=text, notes=await self._channel_notes(row), original=original,
                       translation=self._translation_note(who, row),
                       can_translate=self._can_translate(who, row))  # fmt: skip
        return self.render(request, "conversation.html", context, status)

    def _can_translate(self, who: _Who, row: ConversationRow) -> bool:
        return self._translator.available and self._translator.differs(row.lang, who.account.lang)

    def _translation_note(self, who: _Who, row: ConversationRow) -> str:
        if not self._translator.available:
            return "Translation is unavailable: no LLM is configured. The customer gets what you write."
        if not self._translator.differs(row.lang, who.account.lang):
            return ""
        return (f"The customer writes {LANGUAGE_NAMES.get(row.lang or '', row.lang)}: their messages are shown with a "
                f"translation into {LANGUAGE_NAMES.get(who.account.lang, who.account.lang)}. Write in yours and press "
                "\"Translate\" to see (and edit) what the customer will get, then \"Send\".")  # fmt: skip

    async def _channel_notes(self, row: ConversationRow) -> list[str]:
        """What the channel allows now, in words for the agent."""
        now = time.time()
        if (row.bot_id, row.channel) not in self._adapters:
            return [
                f"Replies cannot be sent here: bot {row.bot_id} has no {row.channel} channel the console can send on."
            ]
        if row.channel == "line":
            pushes = await self.store.pushes_this_month(row.bot_id, "line", now=now)
            return [f"On LINE a reply from here is a push message: it counts against the channel's monthly "
                    f"message quota ({pushes} pushed this month)."]  # fmt: skip
        if row.channel == "wechat":
            return [(await self._wechat_window(row, now))[1]]
        return []

    async def _wechat_window(self, row: ConversationRow, now: float) -> tuple[bool, str]:
        """Whether WeChat's customer-service window is open, and what to tell the agent."""
        last = row.last_customer_at
        if last is None or now - last >= WECHAT_WINDOW_S:
            since = f" since {_when(last + WECHAT_WINDOW_S)}" if last is not None else ""
            return False, (
                f"WeChat's customer-service window is closed{since}: a reply can only be sent within 48 hours "
                "after the customer's last message. It opens again when the customer writes."
            )
        used = await self.store.agent_sends_since(row.id, last)
        left = max(WECHAT_WINDOW_MESSAGES - used, 0)
        if not left:
            return False, (f"WeChat allows {WECHAT_WINDOW_MESSAGES} customer-service messages after the customer's "
                           "last message, and they are used; the customer must write again first.")  # fmt: skip
        return True, (f"WeChat's customer-service window is open until {_when(last + WECHAT_WINDOW_S)}: "
                      f"{left} of {WECHAT_WINDOW_MESSAGES} messages left.")  # fmt: skip

    async def _act(
        self, request: Request, action: Callable[[_Who, ConversationRow, dict[str, str]], Awaitable[Response | None]]
    ) -> Response:
        try:
            who, form = await self._guard(request, post=True)
            row = await self._visible(request, who)
            response = await action(who, row, form)
        except _Refused as refused:
            return refused.response
        return response or RedirectResponse(f"/c/{row.id}", status_code=303)

    async def take_over(self, request: Request) -> Response:
        async def take(who: _Who, row: ConversationRow, _: dict[str, str]) -> None:
            await self.store.take_over(row.id, who.account, now=time.time())
            log.info("conversation taken over", extra={"bot": row.bot_id, "account": who.account.id})

        return await self._act(request, take)

    async def release(self, request: Request) -> Response:
        async def give_back(who: _Who, row: ConversationRow, _: dict[str, str]) -> None:
            await self.store.release(row.id, now=time.time())

        return await self._act(request, give_back)

    async def resolve(self, request: Request) -> Response:
        async def close(who: _Who, row: ConversationRow, _: dict[str, str]) -> None:
            await self.store.resolve(row.id, now=time.time())

        return await self._act(request, close)

    async def reply(self, request: Request) -> Response:
        async def send(who: _Who, row: ConversationRow, form: dict[str, str]) -> Response | None:
            text = form.get("text", "").replace("\r\n", "\n").strip()
            problem, status = await self._reply_problem(who, row, text)
            if problem:
                return await self._conversation_page(request, who, row, error=problem, text=text, status=status)
            shortcut = _SHORTCUT.fullmatch(text)
            if shortcut:
                return await self._canned_draft(request, who, row, shortcut.group(1).lower())
            if form.get("action") == "translate":
                return await self._translated_draft(request, who, row, text)
            await self.store.enqueue_reply(row, who.account, text, now=time.time())
            if self._worker is not None:
                self._worker.wake()
            return None

        return await self._act(request, send)

    async def _canned_draft(self, request: Request, who: _Who, row: ConversationRow, shortcut: str) -> Response:
        """``/shortcut`` in the reply box: the canned reply in the customer's language (else the
        agent's), back in the box to check and send; nothing is sent yet."""
        found = {(c.shortcut, c.lang): c.text for c in await self.store.canned_replies()}
        for lang in (row.lang or "", who.account.lang):
            if (shortcut, lang) in found:
                return await self._conversation_page(request, who, row, text=found[(shortcut, lang)])
        known = ", ".join(sorted({f"/{s}" for s, _ in found})) or "none yet"
        return await self._conversation_page(
            request, who, row, text=f"/{shortcut}", status=400,
            error=f"There is no canned reply /{shortcut} in {row.lang or 'this language'}; known: {known}.",
        )  # fmt: skip

    # -- accounts (admins) ------------------------------------------------------------------------------

    async def users(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
            if who.account.role is not AccountRole.ADMIN:
                raise _Refused(self.error_page(request, 404, "There is no such page.", who))
        except _Refused as refused:
            return refused.response
        context = {"account": who.account, "csrf": who.session.csrf, "accounts": await self.store.accounts()}
        return self.render(request, "users.html", context)

    async def remove_user(self, request: Request) -> Response:
        try:
            who, _ = await self._admin_post(request)
        except _Refused as refused:
            return refused.response
        account = await self.store.account(int(request.path_params["account_id"]))
        if account is None:
            return self.error_page(request, 404, "There is no such account.", who)
        if account.id == who.account.id:
            return self.error_page(
                request, 409, "You cannot remove your own account here (use `seabot users remove`).", who
            )
        await self.store.remove_account(account.email)
        log.info("account removed from the console", extra={"account": account.id, "by": who.account.id})
        return RedirectResponse("/users", status_code=303)

    # -- canned replies -------------------------------------------------------------------------------

    async def canned(self, request: Request) -> Response:
        try:
            who, _ = await self._guard(request, post=False)
        except _Refused as refused:
            return refused.response
        return await self._canned_page(request, who)

    async def _canned_page(self, request: Request, who: _Who, *, error: str = "", status: int = 200) -> Response:
        context = {
            "account": who.account, "csrf": who.session.csrf, "canned": await self.store.canned_replies(),
            "admin": who.account.role is AccountRole.ADMIN, "error": error, "languages": sorted(LANGUAGE_NAMES),
        }  # fmt: skip
        return self.render(request, "canned.html", context, status)

    async def _admin_post(self, request: Request) -> tuple[_Who, dict[str, str]]:
        who, form = await self._guard(request, post=True)
        if who.account.role is not AccountRole.ADMIN:  # only admins manage them; for others the page is not there
            raise _Refused(self.error_page(request, 404, "There is no such page.", who))
        return who, form

    async def add_canned(self, request: Request) -> Response:
        try:
            who, form = await self._admin_post(request)
        except _Refused as refused:
            return refused.response
        shortcut = form.get("shortcut", "").strip().lstrip("/").lower()
        lang, text = form.get("lang", ""), form.get("text", "").replace("\r\n", "\n").strip()
        if not _SHORTCUT.fullmatch("/" + shortcut):
            problem = "A shortcut is 1 to 40 letters, digits, '-' or '_' (typed as /shortcut)."
            return await self._canned_page(request, who, error=problem, status=400)
        if lang not in LANGUAGE_NAMES:
            return await self._canned_page(request, who, error="Choose the language of the text.", status=400)
        if not text or len(text) > self._options.max_reply_chars:
            problem = f"The text must have 1 to {self._options.max_reply_chars} characters."
            return await self._canned_page(request, who, error=problem, status=400)
        await self.store.put_canned(shortcut, lang, text, now=time.time())
        return RedirectResponse("/canned", status_code=303)

    async def delete_canned(self, request: Request) -> Response:
        try:
            await self._admin_post(request)
        except _Refused as refused:
            return refused.response
        await self.store.delete_canned(int(request.path_params["canned_id"]))
        return RedirectResponse("/canned", status_code=303)

    async def _translated_draft(self, request: Request, who: _Who, row: ConversationRow, text: str) -> Response:
        """The agent's draft in the customer's language, back in the reply box to edit and send."""
        if not (self._translator.available and self._translator.differs(who.account.lang, row.lang)):
            return await self._conversation_page(
                request, who, row, text=text, status=409,
                error="No translation is needed or available here; the customer gets what you write.",
            )  # fmt: skip
        try:
            translated = await self._translator.translate(text, who.account.lang, row.lang or "", bot_id=row.bot_id)
        except TranslationFailed as exc:
            return await self._conversation_page(request, who, row, error=str(exc), text=text, status=502)
        return await self._conversation_page(request, who, row, text=translated, original=text)

    async def note(self, request: Request) -> Response:
        async def keep(who: _Who, row: ConversationRow, form: dict[str, str]) -> Response | None:
            text = form.get("note", "").replace("\r\n", "\n").strip()
            if not text or len(text) > self._options.max_reply_chars:
                problem = (
                    "Write the note first."
                    if not text
                    else (f"The note is too long ({len(text)} characters; at most {self._options.max_reply_chars}).")
                )
                return await self._conversation_page(request, who, row, error=problem, status=400)
            await self.store.add_note(row.id, who.account, text, now=time.time())
            return None

        return await self._act(request, keep)

    async def _reply_problem(self, who: _Who, row: ConversationRow, text: str) -> tuple[str, int]:
        """Why this reply cannot be sent (and the status to answer with), or ("", 200)."""
        if not text:
            return "Write a reply first.", 400
        if len(text) > self._options.max_reply_chars:
            return f"The reply is too long ({len(text)} characters; at most {self._options.max_reply_chars}).", 400
        if row.status is not ConversationStatus.PERSON:
            return "Take the conversation over before replying: the bot is answering it now.", 409
        if row.assignee and row.assignee.lower() != who.account.email.lower():
            return f"{row.assignee} has this conversation; take it over to reply.", 409
        if (row.bot_id, row.channel) not in self._adapters:
            return f"Replies cannot be sent here: bot {row.bot_id} has no {row.channel} channel configured.", 409
        if row.channel == "wechat":
            open_, why = await self._wechat_window(row, time.time())
            if not open_:
                return why, 409
        return "", 200
