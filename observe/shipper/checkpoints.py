"""Where reading resumes: per-file offsets in a local SQLite database.

Sits under the tailer (:mod:`.tailer`), which reads it when it finds a file and writes to it
after the output acknowledged records (never on read: an offset past an unacknowledged
record would lose it in a crash). Files are keyed by their fingerprint (:mod:`.files`), not
by path or inode: a rotated file keeps its fingerprint under its new name, a gzipped copy
has the same one, and a new file that reuses an old inode does not. ``done`` marks a file
read to its end and retired, so a later copy of it (``.gz``) is skipped.

WAL mode with ``synchronous=NORMAL``: a commit survives the shipper's crash (what the
offsets protect against); a power loss may lose the last commits, which only means records
are sent again and absorbed by their ids.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    fingerprint TEXT PRIMARY KEY,
    offset      INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    path        TEXT NOT NULL,
    device      INTEGER NOT NULL,
    inode       INTEGER NOT NULL,
    updated     REAL NOT NULL
)
"""
DEFAULT_FORGET_AFTER = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Checkpoint:
    fingerprint: str
    offset: int
    done: bool
    path: str
    device: int
    inode: int


class Checkpoints:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, fingerprint: str) -> Checkpoint | None:
        row = self._db.execute(
            "SELECT fingerprint, offset, done, path, device, inode FROM files "
            "WHERE fingerprint = ?", (fingerprint,)).fetchone()
        if row is None:
            return None
        return Checkpoint(row[0], row[1], bool(row[2]), row[3], row[4], row[5])

    def all(self) -> list[Checkpoint]:
        rows = self._db.execute(
            "SELECT fingerprint, offset, done, path, device, inode FROM files").fetchall()
        return [Checkpoint(r[0], r[1], bool(r[2]), r[3], r[4], r[5]) for r in rows]

    def save(self, checkpoints: Iterable[Checkpoint]) -> None:
        """Write several offsets in one transaction (one per acknowledged batch)."""
        now = time.time()
        rows = [(c.fingerprint, c.offset, int(c.done), c.path, c.device, c.inode, now)
                for c in checkpoints]
        if not rows:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT INTO files (fingerprint, offset, done, path, device, inode, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET "
                "offset = MAX(offset, excluded.offset), done = MAX(done, excluded.done), "
                "path = excluded.path, device = excluded.device, inode = excluded.inode, "
                "updated = excluded.updated", rows)

    def forget_older_than(self, seconds: float = DEFAULT_FORGET_AFTER) -> int:
        """Drop retired files not touched for ``seconds`` (keeps the database small)."""
        with self._transaction():
            cursor = self._db.execute("DELETE FROM files WHERE done = 1 AND updated < ?",
                                      (time.time() - seconds,))
        return cursor.rowcount

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
