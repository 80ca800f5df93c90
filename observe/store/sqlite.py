"""The default store: SQLite in WAL mode, laid out like kine.

One append-only table is the whole history. Each row is one revision of one key; the row id
is the global revision. The newest row of a key is its current value unless it is a
tombstone (``deleted=1``, holding the last value). A ``UNIQUE(name, prev_revision)`` index
makes compare-and-swap safe: two writers basing a change on the same revision cannot both
insert. Compaction removes superseded rows and tombstones up to a revision; reading history
from before it raises :class:`CompactedError`, which the apiserver turns into 410 Expired.

The apiserver is the only writer, so a committed write is announced to listeners straight
from :meth:`SQLiteStore._commit` — no polling. SQLite's sequence table keeps revisions
monotonic across restarts even when compaction removes the newest rows.

Durability: WAL with ``synchronous=NORMAL`` puts a committed transaction into the WAL before
``COMMIT`` returns, so a killed process (SIGKILL) loses no acknowledged write; only a power
loss can roll back the last transactions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from observe.store.interface import (
    CompactedError,
    Event,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    Listener,
    ListResult,
    RevisionMismatch,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id);
CREATE INDEX IF NOT EXISTS kine_prev_revision_index ON kine (prev_revision);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

_ROW = "id, name, created, deleted, create_revision, prev_revision, value"


def _prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"


class SQLiteStore:
    """kine-style revisioned store over one SQLite database file."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._listeners: list[Listener] = []
        self._revision = self._read_revision()
        self._compacted = self._meta("compact_rev")

    # -- reads ------------------------------------------------------------------------------

    def _read_revision(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'kine'").fetchone()
        return row[0] if row else 0

    def _meta(self, key: str) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def current_revision(self) -> int:
        return self._revision

    def compacted_revision(self) -> int:
        return self._compacted

    def _latest(self, key: str) -> tuple | None:
        return self._db.execute(
            f"SELECT {_ROW} FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1", (key,)
        ).fetchone()

    @staticmethod
    def _kv(row: tuple) -> KeyValue:
        rev, name, _created, _deleted, create_rev, _prev, value = row
        return KeyValue(name, value, rev, create_rev or rev)

    def get(self, key: str) -> KeyValue | None:
        row = self._latest(key)
        if row is None or row[3]:
            return None
        return self._kv(row)

    def _check_revision(self, revision: int) -> None:
        if revision and revision < self._compacted:
            raise CompactedError(revision, self._compacted)

    def list(self, prefix: str, *, revision: int = 0, start_after: str = "",
             limit: int = 0) -> ListResult:
        self._check_revision(revision)
        at = revision or self._revision
        low = max(start_after, prefix)
        # A key equal to the prefix itself is never stored (keys end in a name), so the lower
        # bound can be exclusive for both cases.
        sql = (
            "SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, "
            "k.value FROM kine k JOIN (SELECT MAX(id) AS mid FROM kine "
            "WHERE name > ? AND name < ? AND id <= ? GROUP BY name) m ON k.id = m.mid "
            "WHERE k.deleted = 0 ORDER BY k.name"
        )
        args: tuple = (low, _prefix_end(prefix), at)
        if limit:
            sql += " LIMIT ?"
            args += (limit + 1,)
        rows = self._db.execute(sql, args).fetchall()
        more = bool(limit) and len(rows) > limit
        if more:
            rows = rows[:limit]
        return ListResult([self._kv(r) for r in rows], at, more)

    def count(self, prefix: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM kine k JOIN (SELECT MAX(id) AS mid FROM kine "
            "WHERE name > ? AND name < ? GROUP BY name) m ON k.id = m.mid WHERE k.deleted = 0",
            (prefix, _prefix_end(prefix)),
        ).fetchone()
        return row[0]

    def events_after(self, revision: int, prefix: str = "", limit: int = 0) -> list[Event]:
        if revision < self._compacted:
            raise CompactedError(revision, self._compacted)
        sql = f"SELECT {_ROW} FROM kine WHERE id > ?"
        args: tuple = (revision,)
        if prefix:
            sql += " AND name > ? AND name < ?"
            args += (prefix, _prefix_end(prefix))
        sql += " ORDER BY id"
        if limit:
            sql += " LIMIT ?"
            args += (limit,)
        events = []
        for row in self._db.execute(sql, args).fetchall():
            prev_row = None
            if row[5]:
                prev_row = self._db.execute(
                    f"SELECT {_ROW} FROM kine WHERE id = ?", (row[5],)).fetchone()
            prev = self._kv(prev_row) if prev_row and not prev_row[3] else None
            kind = "delete" if row[3] else ("create" if row[2] else "update")
            events.append(Event(kind, self._kv(row), prev))
        return events

    # -- writes -----------------------------------------------------------------------------

    def _insert(self, key: str, *, created: bool, deleted: bool, create_rev: int,
                prev_rev: int, value: bytes) -> KeyValue:
        try:
            cur = self._db.execute(
                "INSERT INTO kine (name, created, deleted, create_revision, prev_revision, "
                "value) VALUES (?, ?, ?, ?, ?, ?)",
                (key, int(created), int(deleted), create_rev, prev_rev, value),
            )
        except sqlite3.IntegrityError as exc:  # lost the (name, prev_revision) race
            raise RevisionMismatch(key, prev_rev, -1) from exc
        rev = cur.lastrowid
        return KeyValue(key, value, rev, create_rev or rev)

    def _commit(self, event: Event) -> KeyValue:
        self._db.execute("COMMIT")
        self._revision = event.kv.mod_revision
        for listener in self._listeners:
            listener(event)
        return event.kv

    def create(self, key: str, value: bytes) -> KeyValue:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._latest(key)
            if row is not None and not row[3]:
                raise KeyExistsError(key)
            kv = self._insert(key, created=True, deleted=False, create_rev=0,
                              prev_rev=row[0] if row else 0, value=value)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return self._commit(Event("create", kv, None))

    def update(self, key: str, value: bytes, prev_revision: int) -> KeyValue:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._latest(key)
            if row is None or row[3]:
                raise KeyNotFoundError(key)
            if prev_revision and row[0] != prev_revision:
                raise RevisionMismatch(key, prev_revision, row[0])
            prev = self._kv(row)
            kv = self._insert(key, created=False, deleted=False,
                              create_rev=prev.create_revision, prev_rev=row[0], value=value)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return self._commit(Event("update", kv, prev))

    def delete(self, key: str, prev_revision: int = 0) -> KeyValue:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._latest(key)
            if row is None or row[3]:
                raise KeyNotFoundError(key)
            if prev_revision and row[0] != prev_revision:
                raise RevisionMismatch(key, prev_revision, row[0])
            prev = self._kv(row)
            kv = self._insert(key, created=False, deleted=True,
                              create_rev=prev.create_revision, prev_rev=row[0],
                              value=prev.value)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return self._commit(Event("delete", kv, prev))

    def compact(self, revision: int) -> int:
        """Drop history up to ``revision``: rows superseded by a later row at or below it,
        and tombstones at or below it. Returns the number of rows removed."""
        revision = min(revision, self._revision)
        if revision <= self._compacted:
            return 0
        self._db.execute("BEGIN IMMEDIATE")
        try:
            removed = self._db.execute(
                "DELETE FROM kine WHERE id IN (SELECT prev_revision FROM kine "
                "WHERE id <= ? AND prev_revision != 0)", (revision,)).rowcount
            removed += self._db.execute(
                "DELETE FROM kine WHERE deleted = 1 AND id <= ?", (revision,)).rowcount
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('compact_rev', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (revision,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._compacted = revision
        return removed

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def close(self) -> None:
        self._db.close()
