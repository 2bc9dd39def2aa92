"""Copying the write-ahead log back into the database file, on a thread of its own.

SQLite checkpoints a WAL database automatically, inside whichever commit pushes the log past
1,000 pages, and a checkpoint syncs the log and the database file to disk: several
milliseconds during which that commit, and the event loop that issued it, wait. The server
turns that off on its own connection and lets a ``WalCheckpointer`` do the copying from a
second connection instead. A passive checkpoint never blocks the writer; SQLite starts the log
from the top again once a checkpoint has copied all of it, which under steady writes takes one
short RESTART checkpoint now and then (``bench/README.md``, ``bench.storage``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

__all__ = ["WalCheckpointer"]

log = logging.getLogger("seabot.storage")

_FEW_PAGES = 1_000  # what SQLite itself copies in one automatic checkpoint
_RESTART_WAIT_S = 0.02  # the longest a restart may keep the server's writers waiting


class WalCheckpointer:
    """Checkpoints ``path`` every ``interval_s`` from a connection and thread of its own.

    The connection is opened here, so a database that cannot be opened fails the caller."""

    def __init__(self, path: Path, *, interval_s: float = 0.2, restart_pages: int = 10_000) -> None:
        self._interval_s = interval_s
        self._restart_pages = restart_pages
        # A restart keeps writers out while it waits for the log's readers (a `seabot stats`
        # may read for seconds): it gives up after _RESTART_WAIT_S, copying what it can as a
        # passive checkpoint would, and the next pass tries again.
        self._conn = sqlite3.connect(str(path), timeout=_RESTART_WAIT_S, check_same_thread=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {path.name}", daemon=True)
        self.passes = 0  # completed checkpoints
        self._thread.start()

    def stop(self) -> None:
        """Stop after one last pass (the log is left short for the next start)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                stopping = self._stop.wait(self._interval_s)
                self._checkpoint()
                if stopping:
                    return
        finally:
            self._conn.close()

    def _checkpoint(self) -> None:
        try:
            [(_busy, logged, copied)] = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            behind = logged - copied
            if logged >= self._restart_pages and (behind <= _FEW_PAGES or logged >= 10 * self._restart_pages):
                # Under steady writes the log never gets copied whole between two commits, so
                # SQLite never starts it from the top: make the writer wait for the few frames
                # that are left (milliseconds, once every ``restart_pages``), then it restarts.
                self._conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error as exc:  # busy or a full disk: the next pass tries again
            log.warning("WAL checkpoint failed, will retry: %s", exc)
            return
        self.passes += 1
