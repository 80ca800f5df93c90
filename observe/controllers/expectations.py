"""Expectations: what a controller has asked the apiserver to do and not yet seen in its cache.

Like client-go's ``ControllerExpectations`` (with the UID-tracking flavour for deletions). A
controller that creates three pods records "expect 3 creations" under its own key before
sending them; its informer handler counts each pod it then observes. Until the count reaches
zero (or the record expires) :meth:`Expectations.satisfied` says no, so a sync triggered
meanwhile does not create the same pods again from a cache that has not caught up.

Deletions are tracked by the deleted objects' keys rather than a count, because a deletion is
seen twice (an update setting deletionTimestamp, then the delete event) and must count once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from observe.client.clock import Clock

# client-go's ExpectationsTimeout: a lost watch event must not wedge a controller forever.
EXPECTATIONS_TTL = 5 * 60.0


@dataclass
class _Record:
    creations: int
    deletions: set[str] = field(default_factory=set)
    timestamp: float = 0.0

    @property
    def fulfilled(self) -> bool:
        return self.creations <= 0 and not self.deletions


class Expectations:
    """Outstanding creations and deletions per controller key (``namespace/name``)."""

    def __init__(self, clock: Clock, ttl: float = EXPECTATIONS_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._records: dict[str, _Record] = {}

    def satisfied(self, key: str) -> bool:
        """Whether the cache has caught up with what ``key``'s controller did (or the wait
        has expired, or nothing was ever expected)."""
        record = self._records.get(key)
        if record is None:
            return True
        return record.fulfilled or self._clock.now() - record.timestamp > self._ttl

    def expect_creations(self, key: str, count: int) -> None:
        """Replace ``key``'s expectations with ``count`` creations."""
        self._records[key] = _Record(count, set(), self._clock.now())

    def expect_deletions(self, key: str, deleted_keys: list[str]) -> None:
        """Replace ``key``'s expectations with the deletion of these objects."""
        self._records[key] = _Record(0, set(deleted_keys), self._clock.now())

    def creation_observed(self, key: str) -> None:
        """One expected creation was seen (or will never happen: its request failed)."""
        record = self._records.get(key)
        if record is not None:
            record.creations -= 1

    def deletion_observed(self, key: str, deleted_key: str) -> None:
        """The deletion of ``deleted_key`` was seen (or will never happen)."""
        record = self._records.get(key)
        if record is not None:
            record.deletions.discard(deleted_key)

    def forget(self, key: str) -> None:
        """Drop ``key``'s record (its controller object is gone)."""
        self._records.pop(key, None)

    def pending(self, key: str) -> tuple[int, int]:
        """``(creations, deletions)`` still expected, for logs and tests."""
        record = self._records.get(key)
        if record is None:
            return 0, 0
        return max(record.creations, 0), len(record.deletions)
