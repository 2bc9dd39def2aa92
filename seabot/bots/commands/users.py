"""``seabot users``: the console's accounts (add, list, remove, reset-password).

There is no default password and no open "first user" page: the first admin is made here.
A password comes from stdin when stdin is not a terminal (``echo "$PW" | seabot users add …``);
otherwise one is generated and printed once.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from seabot.bots.config import AppConfig
from seabot.bots.terminal import shown

if TYPE_CHECKING:
    from seabot.storage.console_sqlite import SqliteConsoleStore

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("users", parents=[common], help="accounts of the merchant console")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add an account (password from stdin, or generated)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("admin", "agent"))
    add.add_argument("--bots", default="", help="an agent's bots, comma-separated (admins see every bot)")
    add.add_argument(
        "--lang",
        default="en",
        choices=("th", "id", "ms", "vi", "zh", "en", "tl"),
        help="the language the person reads and writes (customers' messages are translated into it)",
    )
    actions.add_parser("list", parents=[common], help="list the accounts")
    remove = actions.add_parser("remove", parents=[common], help="remove an account and end its sessions")
    remove.add_argument("email")
    reset = actions.add_parser("reset-password", parents=[common], help="set a new password and end the sessions")
    reset.add_argument("email")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    from seabot.storage.console_sqlite import SqliteConsoleStore

    if config.storage.url:
        print("seabot: console accounts are kept in the SQLite store only for now; "
              "[storage] url (PostgreSQL) is not supported by `seabot users` yet", file=sys.stderr)  # fmt: skip
        return 1
    store = SqliteConsoleStore.open_sync(config.storage.path)
    try:
        action = args.users_action
        if action == "add":
            return _add(args, config, store)
        if action == "list":
            return _list(store)
        if action == "remove":
            if not store.remove_account_sync(args.email):
                print(f"seabot: no account {shown(args.email)!s}", file=sys.stderr)
                return 1
            print(f"removed {shown(args.email)}; its sessions have ended")
            return 0
        return _reset(args, store)
    finally:
        store.close_sync()


def _password() -> tuple[str, bool] | None:
    """The new password and whether it was generated; None (reported) when stdin's is unusable."""
    from seabot.console.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, generate_password

    if sys.stdin is None or sys.stdin.isatty():
        return generate_password(), True
    password = sys.stdin.readline().rstrip("\r\n")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        print(f"seabot: the password on stdin must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters "
              f"(got {len(password)})", file=sys.stderr)  # fmt: skip
        return None
    return password, False


def _add(args: argparse.Namespace, config: AppConfig, store: SqliteConsoleStore) -> int:
    from seabot.console.auth import hash_password
    from seabot.core.console_store import AccountExists, AccountRole

    email = args.email.strip()
    if "@" not in email or len(email) > 254 or any(c.isspace() or not c.isprintable() for c in email):
        print(f"seabot: {shown(email)!s} is not an email address", file=sys.stderr)
        return 2
    role = AccountRole(args.role)
    bots = tuple(b.strip() for b in args.bots.split(",") if b.strip())
    if role is AccountRole.ADMIN and bots:
        print("seabot: an admin sees every bot; --bots is for agents", file=sys.stderr)
        return 2
    if role is AccountRole.AGENT and not bots:
        print(f"seabot: an agent needs --bots (configured: {', '.join(sorted(config.bots))})", file=sys.stderr)
        return 2
    unknown = [b for b in bots if b not in config.bots]
    if unknown:
        print(f"seabot: unknown bot(s) {', '.join(shown(b) for b in unknown)}; "
              f"configured: {', '.join(sorted(config.bots))}", file=sys.stderr)  # fmt: skip
        return 2
    if store.account_by_email_sync(email) is not None:
        print(f"seabot: an account {shown(email)} exists already (reset its password with "
              "`seabot users reset-password`)", file=sys.stderr)  # fmt: skip
        return 1
    got = _password()
    if got is None:
        return 2
    password, generated = got
    try:
        store.add_account_sync(email, role, bots, hash_password(password), now=time.time(), lang=args.lang)
    except AccountExists:
        print(f"seabot: an account {shown(email)} exists already", file=sys.stderr)
        return 1
    print(f"added {role.value} {shown(email)}" + (f" for {', '.join(bots)}" if bots else " (every bot)"))
    if generated:
        print(f"password (shown once): {password}")
    return 0


def _list(store: SqliteConsoleStore) -> int:
    accounts = store.accounts_sync()
    if not accounts:
        print("no console accounts; add one with `seabot users add EMAIL --role admin`")
        return 0
    now = time.time()
    for account in accounts:
        bots = ",".join(account.bots) if account.bots else "*"
        locked = ""
        if account.locked_until > now:
            until = datetime.fromtimestamp(account.locked_until, UTC).strftime("%H:%M UTC")
            locked = f"  locked until {until}"
        print(f"{shown(account.email)}  {account.role.value}  bots={shown(bots)}  lang={account.lang}{locked}")
    return 0


def _reset(args: argparse.Namespace, store: SqliteConsoleStore) -> int:
    from seabot.console.auth import hash_password

    if store.account_by_email_sync(args.email) is None:
        print(f"seabot: no account {shown(args.email)}", file=sys.stderr)
        return 1
    got = _password()
    if got is None:
        return 2
    password, generated = got
    store.set_password_sync(args.email, hash_password(password), now=time.time())
    print(f"new password set for {shown(args.email)}; its sessions have ended")
    if generated:
        print(f"password (shown once): {password}")
    return 0
