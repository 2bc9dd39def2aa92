"""Who may see and do what in the console, route by route: anonymous, an agent of bot A
(``shop``), an agent of bot B (``other``), an admin. A state change needs the session's CSRF
token; cookies are HttpOnly, SameSite=Lax, Secure behind https; five failed logins lock."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from tests.bots.conftest import telegram_webhook, wait_until
from tests.console.conftest import PASSWORD, Console, csrf_of, login, login_token

ANON, AGENT_A, AGENT_B, ADMIN = "anonymous", "agent of shop", "agent of other", "admin"
WHO = (ANON, AGENT_A, AGENT_B, ADMIN)
EMAILS = {AGENT_A: "ann@shop.test", AGENT_B: "bob@other.test", ADMIN: "boss@shop.test"}

# (method, path with {a} for a conversation of bot A, form fields) -> status for ANON, A, B, ADMIN
TABLE: list[tuple[str, str, dict[str, str], tuple[int, int, int, int]]] = [
    ("GET", "/", {}, (303, 200, 200, 200)),
    ("GET", "/?status=needs_person&channel=telegram&q=human", {}, (303, 200, 200, 200)),
    ("GET", "/login", {}, (200, 303, 303, 303)),
    ("GET", "/c/{a}", {}, (303, 200, 404, 200)),
    ("GET", "/c/999999", {}, (303, 404, 404, 404)),
    ("GET", "/c/not-a-number", {}, (404, 404, 404, 404)),
    ("GET", "/no/such/page", {}, (404, 404, 404, 404)),
    ("POST", "/c/{a}/take", {}, (403, 303, 404, 303)),
    ("POST", "/c/{a}/release", {}, (403, 303, 404, 303)),
    ("POST", "/c/{a}/resolve", {}, (403, 303, 404, 303)),
    ("POST", "/c/{a}/reply", {"text": ""}, (403, 400, 404, 400)),  # nothing to send: no message goes out
    ("POST", "/c/{a}/note", {"note": "customer is a regular"}, (403, 303, 404, 303)),
    ("POST", "/c/999999/take", {}, (403, 404, 404, 404)),
    ("POST", "/c/999999/reply", {"text": "hello"}, (403, 404, 404, 404)),
    ("GET", "/stats", {}, (303, 200, 200, 200)),
    ("GET", "/stats?bot=shop&days=7", {}, (303, 200, 404, 200)),
    ("GET", "/stats.csv?bot=other", {}, (303, 404, 200, 200)),
    ("GET", "/stats?bot=no-such-bot", {}, (303, 404, 404, 404)),
    ("GET", "/users", {}, (303, 404, 404, 200)),
    ("POST", "/users/999999/remove", {}, (403, 404, 404, 404)),
    ("GET", "/canned", {}, (303, 200, 200, 200)),
    ("POST", "/canned", {"shortcut": "thanks", "lang": "en", "text": "Thank you!"}, (403, 404, 404, 303)),
    ("POST", "/canned/999999/delete", {}, (403, 404, 404, 303)),
    ("GET", "/static/htmx.min.js", {}, (200, 200, 200, 200)),
    ("GET", "/healthz", {}, (200, 200, 200, 200)),
    ("GET", "/metrics", {}, (200, 200, 200, 200)),
]


@pytest.fixture
def people(console: Console) -> dict[str, httpx.Client]:
    console.add_user(EMAILS[AGENT_A], "agent", ("shop",))
    console.add_user(EMAILS[AGENT_B], "agent", ("other",))
    console.add_user(EMAILS[ADMIN], "admin")
    clients = {who: console.login(email) for who, email in EMAILS.items()}
    clients[ANON] = console.client()
    return clients


def _conversation_of_a(console: Console) -> int:
    assert (
        console.webhook("shop", "telegram", telegram_webhook(1, 4242, "I want to talk to a human")).status_code == 200
    )
    wait_until(lambda: console.rows("SELECT 1 FROM handoffs"), "the handoff")
    return console.conversation_id("shop", "telegram", "4242")


def test_every_route_for_every_kind_of_account(console: Console, people: dict[str, httpx.Client]) -> None:
    a = _conversation_of_a(console)
    csrf = {who: csrf_of(client) for who, client in people.items() if who != ANON}
    got: dict[tuple[str, str, str], int] = {}
    want: dict[tuple[str, str, str], int] = {}
    for method, path, fields, statuses in TABLE:
        for who, status in zip(WHO, statuses, strict=True):
            url = path.format(a=a)
            client = people[who]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={**fields, "csrf": csrf.get(who, "")})
            got[(method, url, who)] = response.status_code
            want[(method, url, who)] = status
            assert response.status_code < 500, response.text
    assert got == want


def test_an_agent_sees_only_their_bots_conversations_in_the_inbox(
    console: Console, people: dict[str, httpx.Client]
) -> None:
    a = _conversation_of_a(console)
    assert console.webhook("other", "telegram", _other_webhook(7, 5151, "hello other shop")).status_code == 200
    wait_until(lambda: console.rows("SELECT 1 FROM messages WHERE bot_id = 'other' AND role = 'bot'"), "other's answer")
    b = console.conversation_id("other", "telegram", "5151")
    pages = {who: people[who].get("/").text for who in (AGENT_A, AGENT_B, ADMIN)}
    assert f'href="/c/{a}"' in pages[AGENT_A] and f'href="/c/{b}"' not in pages[AGENT_A]
    assert f'href="/c/{b}"' in pages[AGENT_B] and f'href="/c/{a}"' not in pages[AGENT_B]
    assert f'href="/c/{a}"' in pages[ADMIN] and f'href="/c/{b}"' in pages[ADMIN]
    # the polled fragment is filtered the same way
    fragment = people[AGENT_B].get("/", headers={"HX-Request": "true"}).text
    assert f'href="/c/{b}"' in fragment and f'href="/c/{a}"' not in fragment and "<html" not in fragment


def _other_webhook(update_id: int, chat_id: int, text: str) -> tuple[bytes, dict[str, str], dict[str, str]]:
    from tests.console.conftest import OTHER_SECRET

    body, headers, query = telegram_webhook(update_id, chat_id, text)
    return body, {**headers, "x-telegram-bot-api-secret-token": OTHER_SECRET}, query


@pytest.mark.parametrize(
    "token",
    [None, "", "wrong-token", "from-another-session"],
    ids=["missing", "empty", "wrong", "another-sessions"],
)
def test_a_state_change_without_the_sessions_csrf_token_is_403(
    console: Console, people: dict[str, httpx.Client], token: str | None
) -> None:
    a = _conversation_of_a(console)
    if token == "from-another-session":
        token = csrf_of(people[ADMIN])
    data = {} if token is None else {"csrf": token}
    for action in ("take", "release", "resolve", "reply"):
        response = people[AGENT_A].post(f"/c/{a}/{action}", data={**data, "text": "hello"})
        assert response.status_code == 403, action
        assert "security token" in response.text
    assert people[AGENT_A].post("/logout", data=data).status_code == 403
    assert console.rows("SELECT COUNT(*) FROM console_outbox") == [(0,)]
    assert console.rows("SELECT assignee_id FROM console_conversations") == []
    # the header HTMX would send works like the field
    good = csrf_of(people[AGENT_A])
    assert people[AGENT_A].post(f"/c/{a}/take", headers={"X-CSRF-Token": good}, data={}).status_code == 303


def test_the_login_form_itself_needs_its_token(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    client = console.client()
    response = client.post("/login", data={"email": "ann@shop.test", "password": PASSWORD})
    assert response.status_code == 403 and "seabot_session" not in response.headers.get("set-cookie", "")


def _session_cookie(response: httpx.Response) -> str:
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith("seabot_session=")]
    return cookie


@pytest.mark.parametrize(
    ("public_url", "secure"), [("", False), ("http://console.shop.test", False), ("https://console.shop.test", True)]
)
def test_session_cookie_flags(console_factory: Callable[..., Console], public_url: str, secure: bool) -> None:
    console = console_factory(public_url=public_url)
    console.add_user("ann@shop.test", "agent", ("shop",))
    client = console.client()
    form = client.get("/login")
    [login_cookie] = form.headers.get_list("set-cookie")
    assert "httponly" in login_cookie.lower() and ("secure" in login_cookie.lower().split("; ")) is secure
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    # sent by hand: an http:// test client keeps a Secure cookie to itself, as a browser would
    response = client.post("/login", data={"csrf": token.group(1), "email": "ann@shop.test", "password": PASSWORD},
                           headers={"cookie": f"seabot_login={token.group(1)}"})  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = _session_cookie(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert ("secure" in cookie.split("; ")) is secure
    assert "max-age" not in cookie and "expires" not in cookie  # the server ends it, not the browser
    token = _session_cookie(response).split(";")[0].split("=", 1)[1]
    assert console.rows("SELECT COUNT(*) FROM console_sessions WHERE token_hash = ?", (token,)) == [
        (0,)
    ]  # only its hash


def test_logout_ends_the_session_on_the_server(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    client = console.login("ann@shop.test")
    stolen = client.cookies.get("seabot_session")
    response = client.post("/logout", data={"csrf": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    replay = console.client()
    replay.cookies.set("seabot_session", stolen or "")
    assert replay.get("/").status_code == 303


def test_removing_or_resetting_an_account_ends_its_sessions(console: Console) -> None:
    import io

    from seabot.bots.cli import main

    console.add_user("ann@shop.test", "agent", ("shop",))
    console.add_user("bob@shop.test", "agent", ("shop",))
    ann, bob = console.login("ann@shop.test"), console.login("bob@shop.test")
    assert ann.get("/").status_code == bob.get("/").status_code == 200
    pytest.MonkeyPatch().setattr("sys.stdin", io.StringIO("another-long-password\n"))
    assert main(["users", "reset-password", "ann@shop.test", "--config", str(console.config_path)]) == 0
    assert main(["users", "remove", "bob@shop.test", "--config", str(console.config_path)]) == 0
    assert ann.get("/").status_code == 303 and bob.get("/").status_code == 303
    assert login(console.client(), "ann@shop.test", "another-long-password").status_code == 303


def test_five_failed_logins_lock_the_account_with_the_same_message(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    client = console.client()
    unknown = login(client, "nobody@shop.test", PASSWORD)
    messages = set()
    for _ in range(5):
        wrong = login(client, "ann@shop.test", "not the password")
        assert wrong.status_code == 401
        messages.add(_alert(wrong.text))
    locked = login(client, "ann@shop.test", PASSWORD)  # the right password, but locked
    assert locked.status_code == 401 and "seabot_session" not in locked.headers.get("set-cookie", "")
    messages |= {_alert(unknown.text), _alert(locked.text)}
    assert len(messages) == 1 and "Wrong email or password" in messages.pop()
    assert console.rows("SELECT failed_logins, locked_until > 0 FROM console_accounts") == [(5, 1)]
    # another account is not locked by it
    console.add_user("bob@shop.test", "agent", ("shop",))
    assert login(client, "bob@shop.test", PASSWORD).status_code == 303


def _alert(page: str) -> str:
    match = re.search(r'role="alert">([^<]*)<', page)
    assert match, page
    return match.group(1)


def test_login_page_has_the_contract_fields(console: Console) -> None:
    page = console.client().get("/login").text
    assert 'name="email"' in page and 'name="password"' in page and 'type="password"' in page
    assert login_token(console.client())


def test_a_polling_page_does_not_keep_an_idle_session_alive(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    ann = console.login("ann@shop.test")
    [(seen,)] = console.rows("SELECT last_seen FROM console_sessions")
    for _ in range(3):
        assert ann.get("/", headers={"HX-Request": "true"}).status_code == 200
    assert console.rows("SELECT last_seen FROM console_sessions") == [(seen,)]
    assert ann.get("/").status_code == 200  # a person opening a page does
    [(used,)] = console.rows("SELECT last_seen FROM console_sessions")
    assert float(used) >= float(seen)  # type: ignore[arg-type]  # rows() gives objects
    console.rows("UPDATE console_sessions SET last_seen = last_seen - 3 * 3600")  # idle for three hours
    polled = ann.get("/", headers={"HX-Request": "true"})
    assert polled.status_code == 401 and polled.headers["hx-redirect"] == "/login"
    assert console.rows("SELECT COUNT(*) FROM console_sessions") == [(0,)]


def test_an_admin_removes_an_account_and_its_sessions_end(console: Console, people: dict[str, httpx.Client]) -> None:
    page = people[ADMIN].get("/users").text
    assert all(email in page for email in EMAILS.values())
    [(bob_id,)] = console.rows("SELECT id FROM console_accounts WHERE email = ?", (EMAILS[AGENT_B],))
    [(admin_id,)] = console.rows("SELECT id FROM console_accounts WHERE email = ?", (EMAILS[ADMIN],))
    assert people[AGENT_A].post(f"/users/{bob_id}/remove", data={"csrf": csrf_of(people[AGENT_A])}).status_code == 404
    assert people[ADMIN].post(f"/users/{admin_id}/remove", data={"csrf": csrf_of(people[ADMIN])}).status_code == 409
    assert people[ADMIN].post(f"/users/{bob_id}/remove", data={"csrf": csrf_of(people[ADMIN])}).status_code == 303
    assert people[AGENT_B].get("/").status_code == 303
    assert EMAILS[AGENT_B] not in people[ADMIN].get("/users").text
