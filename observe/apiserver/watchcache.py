"""Watch fan-out: one decoded event per committed change, shared by every watcher.

The store announces each committed write to :meth:`WatchCache.on_store_event`. The event is
decoded once (resourceVersion injected) and offered to every registered :class:`Watcher`
whose key prefix matches; each watcher filters by its selectors and queues what it keeps.
So N watchers cost one decode per change and no store read. A watcher that starts from an
older revision reads the missed history from the store once, at registration, before it joins
the live fan-out: both happen without yielding to the event loop, so no change can fall
between them.

Selector transitions follow kube-apiserver's watch cache: an object that stops matching is
sent as DELETED, one that starts matching as ADDED.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from observe.store.interface import Event, KeyValue, Store

# A watcher that falls this far behind is closed; its client re-watches from its last
# resourceVersion (as client-go does when kube-apiserver closes a slow watcher).
MAX_BACKLOG = 20_000


def decode(kv: KeyValue) -> dict[str, Any]:
    """A stored object as served: the store's revision is its resourceVersion."""
    obj = orjson.loads(kv.value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
    return obj


@dataclass(slots=True)
class CachedEvent:
    """A decoded change. ``obj`` is the new state (for a delete, the last state with the
    delete's resourceVersion); ``prev`` the state before, when known."""

    key: str
    kind: str  # create | update | delete
    revision: int
    obj: dict[str, Any]
    prev: dict[str, Any] | None
    # Encoded watch-event lines, by event type, shared by the watchers that send them as is.
    lines: dict[str, bytes] = field(default_factory=dict)

    def line(self, event_type: str) -> bytes:
        encoded = self.lines.get(event_type)
        if encoded is None:
            encoded = orjson.dumps({"type": event_type, "object": self.obj}) + b"\n"
            self.lines[event_type] = encoded
        return encoded


def cached_event(event: Event) -> CachedEvent:
    obj = decode(event.kv)
    prev = decode(event.prev) if event.prev is not None else None
    return CachedEvent(event.kv.key, event.kind, event.revision, obj, prev)


Predicate = Callable[[dict[str, Any]], bool]


class Watcher:
    """One client's watch: a prefix, a predicate, and a queue of (type, event) pairs."""

    def __init__(self, prefix: str, predicate: Predicate | None) -> None:
        self.prefix = prefix
        self.predicate = predicate
        self.queue: collections.deque[tuple[str, CachedEvent]] = collections.deque()
        self.wakeup = asyncio.Event()
        self.closed = False
        self.overflowed = False
        # Set by the handler once the stream is live: writes an encoded line straight to the
        # client's socket when nothing is queued and the socket is not backed up, so a
        # change reaches a thousand watchers without waking a thousand coroutines.
        self.direct: Callable[[bytes], bool] | None = None

    def _matches(self, obj: dict[str, Any] | None) -> bool:
        return obj is not None and (self.predicate is None or self.predicate(obj))

    def classify(self, event: CachedEvent) -> str | None:
        """The watch event type this watcher sees for ``event``, or None to skip it."""
        if event.kind == "delete":
            return "DELETED" if self._matches(event.obj) else None
        now_matches = self._matches(event.obj)
        if self.predicate is None or event.kind == "create":
            if not now_matches:
                return None
            return "ADDED" if event.kind == "create" else "MODIFIED"
        was_matching = self._matches(event.prev)
        if now_matches:
            return "MODIFIED" if was_matching else "ADDED"
        return "DELETED" if was_matching else None

    def offer(self, event: CachedEvent) -> None:
        if self.closed or not event.key.startswith(self.prefix):
            return
        event_type = self.classify(event)
        if event_type is None:
            return
        if self.direct is not None and not self.queue and self.direct(event.line(event_type)):
            return
        if len(self.queue) >= MAX_BACKLOG:
            self.overflowed = True
            self.close()
            return
        self.queue.append((event_type, event))
        self.wakeup.set()

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()


class WatchCache:
    """Registers watchers and feeds them every committed change."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._watchers: set[Watcher] = set()
        store.add_listener(self.on_store_event)

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)

    def watchers_by_prefix(self) -> collections.Counter[str]:
        return collections.Counter(w.prefix for w in self._watchers)

    def on_store_event(self, event: Event) -> None:
        if not self._watchers:
            return
        cached = cached_event(event)
        for watcher in tuple(self._watchers):
            watcher.offer(cached)

    def register(self, prefix: str, predicate: Predicate | None, after: int) -> Watcher:
        """A watcher that receives every change under ``prefix`` after revision ``after``.
        Raises :class:`~observe.store.interface.CompactedError` when ``after`` is too old."""
        watcher = Watcher(prefix, predicate)
        if after < self._store.current_revision():
            for event in self._store.events_after(after, prefix):
                watcher.offer(cached_event(event))
        self._watchers.add(watcher)
        return watcher

    def unregister(self, watcher: Watcher) -> None:
        watcher.close()
        self._watchers.discard(watcher)

    def close_all(self) -> None:
        for watcher in tuple(self._watchers):
            self.unregister(watcher)
