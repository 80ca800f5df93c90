"""Events from the scheduler, written in the background without ever holding up scheduling.

Sits between the scheduling loop and :class:`~observe.client.events.EventRecorder`. A
scheduler emits one ``Scheduled`` event per pod, hundreds a second, and one recorder
writes one event at a time (that is how it keeps repeat counts exact). So the sink shards
events over a few recorders by the pod's uid (the same pod always goes to the same
recorder, so its ``FailedScheduling`` repeats still count up on one Event), and like
client-go's broadcaster it drops events rather than queue without bound when the apiserver
cannot keep up.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Callable
from typing import Any

from observe.client.events import EventRecorder

log = logging.getLogger(__name__)


class EventSink:
    def __init__(self, make_recorder: Callable[[], EventRecorder], *, shards: int = 4,
                 limit: int = 1000) -> None:
        self._recorders = [make_recorder() for _ in range(max(shards, 1))]
        self._limit = limit
        self._tasks: set[asyncio.Task[Any]] = set()
        self.dropped = 0

    def emit(self, obj: dict[str, Any], event_type: str, reason: str, message: str) -> None:
        if len(self._tasks) >= self._limit:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("event queue full, dropped %d events so far", self.dropped)
            return
        uid = str((obj.get("metadata") or {}).get("uid") or "")
        recorder = self._recorders[zlib.crc32(uid.encode()) % len(self._recorders)]
        task = asyncio.get_running_loop().create_task(
            recorder.record(obj, event_type, reason, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
