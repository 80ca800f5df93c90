"""The store interface the apiserver is written against.

A revisioned key-value store in the mould of etcd v3: every write gets the next value of one
global, monotonic revision (which the apiserver publishes as ``resourceVersion``); history is
kept until compaction; writes are compare-and-swap on the key's previous revision. The
default implementation is :mod:`observe.store.sqlite` (kine-like); an etcd backend can
implement the same protocol.

Errors are distinct types so that callers can map them to API statuses:

    StoreError
     ├── KeyExistsError     create of a live key
     ├── KeyNotFoundError   update/delete of a missing key
     ├── RevisionMismatch   compare-and-swap lost (the caller's copy is stale)
     └── CompactedError     a revision older than the retained history was asked for
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class StoreError(Exception):
    """Base class of store errors."""


class KeyExistsError(StoreError):
    pass


class KeyNotFoundError(StoreError):
    pass


class RevisionMismatch(StoreError):
    def __init__(self, key: str, expected: int, actual: int) -> None:
        super().__init__(f"{key}: expected revision {expected}, found {actual}")
        self.expected = expected
        self.actual = actual


class CompactedError(StoreError):
    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"revision {requested} has been compacted (oldest is {compacted})")
        self.requested = requested
        self.compacted = compacted


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    mod_revision: int
    create_revision: int


@dataclass(frozen=True, slots=True)
class Event:
    """One committed change. ``kv`` is the new value; for a delete it holds the last value
    with ``mod_revision`` set to the delete's revision. ``prev`` is the value before the
    change when it is still known (it may have been compacted away in history reads)."""

    kind: str  # "create" | "update" | "delete"
    kv: KeyValue
    prev: KeyValue | None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]
    revision: int  # the snapshot the items were read at
    more: bool  # more keys exist after the last item


Listener = Callable[[Event], None]


class Store(Protocol):
    def current_revision(self) -> int: ...

    def compacted_revision(self) -> int: ...

    def get(self, key: str) -> KeyValue | None: ...

    def list(self, prefix: str, *, revision: int = 0, start_after: str = "",
             limit: int = 0) -> ListResult:
        """Live keys under ``prefix`` in key order, as of ``revision`` (0 = current)."""
        ...

    def count(self, prefix: str) -> int: ...

    def create(self, key: str, value: bytes) -> KeyValue: ...

    def update(self, key: str, value: bytes, prev_revision: int) -> KeyValue: ...

    def delete(self, key: str, prev_revision: int = 0) -> KeyValue:
        """Delete ``key`` (compare-and-swap when ``prev_revision``); returns the last value
        with the delete's revision."""
        ...

    def events_after(self, revision: int, prefix: str = "", limit: int = 0) -> list[Event]:
        """Committed changes with revision > ``revision`` (CompactedError if too old)."""
        ...

    def compact(self, revision: int) -> int: ...

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every change committed through this store, in order."""
        ...

    def close(self) -> None: ...
