"""One answering process per database: an OS-level exclusive lock beside the SQLite file.

The inbox is claimed in memory, per process, so two processes answering from one
database (``serve`` and ``poll``, or two ``serve``) could answer a message twice.
``serve`` and ``poll`` hold ``<db>.lock`` with ``flock`` for their whole life; the OS
releases it when the process ends, however it ends (``kill -9`` included).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from seabot.core.errors import StorageError, StorageLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no OS lock, as before
    fcntl = None  # type: ignore[assignment]  # no fcntl off POSIX: the module is None and the lock is skipped

__all__ = ["answering_lock"]


@contextlib.contextmanager
def answering_lock(db_path: str | Path) -> Iterator[None]:
    """Hold the database's answering lock; StorageLockedError if another process has it."""
    if str(db_path) == ":memory:" or fcntl is None:
        yield
        return
    path = Path(f"{db_path}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(f"cannot open the lock file {path}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StorageLockedError(
                f"database {db_path} is in use by another seabot process (serve or poll); stop it first"
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
