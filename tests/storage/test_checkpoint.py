"""The WAL is copied back into the database file by a thread of its own, and stays bounded."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from seabot.core.messages import ChatKind, Role
from seabot.core.store import StoredMessage
from seabot.storage.checkpoint import WalCheckpointer
from seabot.storage.sqlite import SqliteStore


def writer(path: Path) -> sqlite3.Connection:
    """A connection that, like the server's, never checkpoints by itself."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def wal_pages(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_frames_written_by_another_connection_are_copied_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = writer(path)
    checkpointer = WalCheckpointer(path, interval_s=0.02)
    try:
        for _ in range(300):
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 500,))
        start = checkpointer.passes
        assert wait_for(lambda: checkpointer.passes >= start + 2)
        # nothing left to copy: every logged frame is already in the database file
        _busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert logged > 0 and copied == logged
    finally:
        checkpointer.stop()
        conn.close()


def test_the_log_restarts_under_steady_writes(tmp_path: Path) -> None:
    """A passive checkpoint never ends between two commits of a busy server, so SQLite would
    never start the log from the top again; past ``restart_pages`` the checkpointer makes it."""
    path = tmp_path / "s.db"
    conn = writer(path)
    checkpointer = WalCheckpointer(path, interval_s=0.005, restart_pages=200)
    try:
        for _ in range(6_000):  # a few thousand commits a second, as a busy server makes
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 300,))
            conn.execute("COMMIT")
            time.sleep(0.0002)
        assert checkpointer.passes > 0
        # each commit logs at least one page: a log never started again would hold 6 000+
        assert wal_pages(path) < 2_000, wal_pages(path)
    finally:
        checkpointer.stop()
        conn.close()


def test_the_server_store_runs_its_checkpointer_until_closed(tmp_path: Path) -> None:
    def checkpoint_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("wal-checkpoint")]

    before = len(checkpoint_threads())
    store = SqliteStore(tmp_path / "s.db", checkpoint_in_background=True)
    conv = store.conversation("b", "line", "u", ChatKind.PRIVATE)
    store.append(StoredMessage(conv.id, "b", "line", "u", "u", Role.CUSTOMER, "hi", inbound_id="m1"))
    assert len(checkpoint_threads()) == before + 1
    store.close()
    assert len(checkpoint_threads()) == before
    again = SqliteStore(tmp_path / "s.db")  # the CLI's store: no thread of its own
    assert [m.text for m in again.history("b", "u")] == ["hi"]
    assert len(checkpoint_threads()) == before
    again.close()


def test_a_long_reader_does_not_hold_up_the_writer_behind_a_restart(tmp_path: Path) -> None:
    """A restart waits for readers to leave the log and keeps writers out while it waits; a
    ``seabot stats`` scanning for seconds must not freeze the server's commits that long."""
    path = tmp_path / "s.db"
    conn = writer(path)
    for _ in range(400):
        conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 300,))
    reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM t").fetchall()  # holds its snapshot of the log
    checkpointer = WalCheckpointer(path, interval_s=0.01, restart_pages=100)
    try:
        slowest = 0.0
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            started = time.monotonic()
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 300,))
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.001)
        assert checkpointer.passes > 10
        assert slowest < 0.3, slowest
    finally:
        reader.execute("COMMIT")
        reader.close()
        checkpointer.stop()
        conn.close()
