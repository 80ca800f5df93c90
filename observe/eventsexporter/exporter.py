"""Informer handlers → pending documents → the shipper's delivery loop.

Handlers only put the Event's record into ``pending``, keyed by its document id (an Event
updated twice before it is sent is one entry per count, and a re-list adds nothing new).
:meth:`EventsExporter.run` moves pending records into the delivery loop while its memory
budget has room, so a store that is away for long holds at most one entry per live Event
here: the API's copy is the buffer, as the files are the shipper's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from observe.eventsexporter.documents import DEFAULT_INDEX, event_record
from observe.logstore.delivery import Delivery
from observe.logstore.record import Record

log = logging.getLogger(__name__)


class EventsExporter:
    def __init__(self, delivery: Delivery, index_pattern: str = DEFAULT_INDEX,
                 poll_interval: float = 0.2, stop_timeout: float = 10.0) -> None:
        self.delivery = delivery
        self.index_pattern = index_pattern
        self.poll_interval = poll_interval
        self.stop_timeout = stop_timeout
        self.pending: dict[str, Record] = {}
        self.events_seen = 0
        self.invalid = 0
        self._index_cache: dict[str, str] = {}
        self._wake = asyncio.Event()

    # -- informer handlers: only enqueue -------------------------------------------------------

    def on_add(self, event: dict[str, Any]) -> None:
        self.events_seen += 1
        try:
            record = event_record(event, self.index_pattern, self._index_cache)
        except (TypeError, ValueError, AttributeError) as e:
            # A malformed Event must not stop the others; it is counted and logged.
            self.invalid += 1
            log.warning("cannot export an event (%s): %r", e, event)
            return
        self.pending.setdefault(record.id, record)
        self._wake.set()

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.on_add(new)

    # -- moving records on ---------------------------------------------------------------------

    def step(self) -> int:
        """Hand pending records to delivery while it has room; returns how many."""
        moved = 0
        while self.pending and self.delivery.room() > 0:
            key = next(iter(self.pending))
            self.delivery.add(self.pending.pop(key))
            moved += 1
        self.delivery.flush_due()
        return moved

    async def run(self, stop: asyncio.Event) -> None:
        self.delivery.start()
        try:
            while not stop.is_set():
                self.step()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait(stop), self.poll_interval)
        finally:
            self.step()
            if not await self.delivery.stop(self.stop_timeout):
                log.warning("stopping with events not acknowledged; they are sent again "
                            "after the next list")

    async def _wait(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
