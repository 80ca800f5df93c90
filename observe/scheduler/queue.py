"""The scheduling queue: which pending pod the scheduler tries next, and when a pod that did
not fit gets another try.

Sits between the informer handlers in :mod:`.scheduler` (which add, update and delete
pending pods and report cluster events) and the scheduling loop (which pops one pod at a
time). Shaped like kube-scheduler's ``PriorityQueue``:

- **activeQ**: pods ready to be tried, ordered by the profile's sort key (PrioritySort:
  higher ``spec.priority`` first, then the longest waiting);
- **backoffQ**: pods that failed and wait out a per-pod back-off, 1 s doubling with each
  attempt up to 10 s, moved to activeQ by a flush every second;
- **unschedulable pods**: pods no node fits. They leave only when a cluster event arrives
  that one of the plugins that rejected them registered for (and its queueing hint agrees),
  or after 5 minutes anyway (flushed every 30 s);
- **gated**: pods a pre_enqueue plugin holds back (``spec.schedulingGates``).

Events that happen while a pod is being scheduled are remembered, so a pod that fails just
as a node is added is not parked among the unschedulable pods and forgotten.

Time comes from an injectable :class:`~observe.client.clock.Clock`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from observe.api.podinfo import PodInfo
from observe.client.clock import Clock, LoopClock
from observe.scheduler import clusterevents as ev
from observe.scheduler.clusterevents import ClusterEvent, ClusterEventWithHint
from observe.scheduler.framework import Status

log = logging.getLogger(__name__)

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
MAX_IN_UNSCHEDULABLE = 300.0
BACKOFF_FLUSH_PERIOD = 1.0
UNSCHEDULABLE_FLUSH_PERIOD = 30.0

ACTIVE, BACKOFF, UNSCHEDULABLE, GATED = "active", "backoff", "unschedulable", "gated"
# What a cluster event means for one unschedulable pod.
SKIP, AFTER_BACKOFF, IMMEDIATELY = 0, 1, 2


class QueueMetrics(Protocol):
    def incoming(self, queue: str, event: str) -> None: ...


class ShutDown(Exception):
    """:meth:`SchedulingQueue.pop` on a closed queue."""


class QueuedPodInfo:
    """A pending pod and its scheduling history."""

    __slots__ = ("attempts", "gated", "initial_attempt_timestamp", "pending_plugins", "pod",
                 "popped_at_event", "seq", "timestamp", "unschedulable_plugins",
                 "updated_in_flight")

    def __init__(self, pod: PodInfo, timestamp: float) -> None:
        self.pod = pod
        self.timestamp = timestamp
        self.attempts = 0
        self.initial_attempt_timestamp: float | None = None
        self.unschedulable_plugins: set[str] = set()
        self.pending_plugins: set[str] = set()
        self.gated = False
        self.seq = 0
        self.popped_at_event = 0
        self.updated_in_flight = False

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.pod.key} attempts={self.attempts}>"


def spec_changed(old: PodInfo, new: PodInfo) -> bool:
    """An update worth another attempt: anything but status and bookkeeping metadata."""
    strip = ("resourceVersion", "generation", "managedFields")
    old_meta = {k: v for k, v in (old.pod.get("metadata") or {}).items() if k not in strip}
    new_meta = {k: v for k, v in (new.pod.get("metadata") or {}).items() if k not in strip}
    return old_meta != new_meta or old.pod.get("spec") != new.pod.get("spec")


class SchedulingQueue:
    def __init__(
        self,
        *,
        sort_key: Callable[[QueuedPodInfo], tuple],
        pre_enqueue: Callable[[PodInfo], Status | None] = lambda pod: None,
        hints: list[tuple[str, ClusterEventWithHint]] | None = None,
        clock: Clock | None = None,
        initial_backoff: float = INITIAL_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        max_in_unschedulable: float = MAX_IN_UNSCHEDULABLE,
        metrics: QueueMetrics | None = None,
    ) -> None:
        self._sort_key = sort_key
        self._pre_enqueue = pre_enqueue
        self._hints = list(hints or [])
        self._clock = clock or LoopClock()
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self._metrics = metrics
        self._seq = itertools.count(1)
        self._active_heap: list[tuple[tuple, int, QueuedPodInfo]] = []
        self._active: dict[str, QueuedPodInfo] = {}
        self._backoff_heap: list[tuple[float, int, QueuedPodInfo]] = []
        self._backoff: dict[str, QueuedPodInfo] = {}
        self._unschedulable: dict[str, QueuedPodInfo] = {}
        self._gated: dict[str, QueuedPodInfo] = {}
        self._in_flight: dict[str, QueuedPodInfo] = {}
        self._events: list[tuple[int, ClusterEvent, Any, Any]] = []
        self._event_seq = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False
        self.scheduling_cycle = 0

    # -- sizes -------------------------------------------------------------------------------

    def pending(self) -> dict[str, int]:
        return {ACTIVE: len(self._active), BACKOFF: len(self._backoff),
                UNSCHEDULABLE: len(self._unschedulable), GATED: len(self._gated)}

    def rejections(self) -> dict[str, int]:
        """How many waiting pods each plugin keeps out (unschedulable and gated pods)."""
        counts: dict[str, int] = {}
        for items in (self._unschedulable, self._gated):
            for queued in items.values():
                for plugin in queued.unschedulable_plugins | queued.pending_plugins:
                    counts[plugin] = counts.get(plugin, 0) + 1
        return counts

    def where(self, uid: str) -> str | None:
        """Which queue holds the pod (``in-flight`` while being scheduled), for tests."""
        for name, items in ((ACTIVE, self._active), (BACKOFF, self._backoff),
                            (UNSCHEDULABLE, self._unschedulable), (GATED, self._gated),
                            ("in-flight", self._in_flight)):
            if uid in items:
                return name
        return None

    def __contains__(self, uid: str) -> bool:
        return self.where(uid) is not None

    def get(self, uid: str) -> QueuedPodInfo | None:
        for items in (self._active, self._backoff, self._unschedulable, self._gated,
                      self._in_flight):
            queued = items.get(uid)
            if queued is not None:
                return queued
        return None

    def has_waiting(self) -> bool:
        """Whether a cluster event could matter: pods wait for one, or are being tried."""
        return bool(self._unschedulable or self._in_flight)

    # -- back-off ----------------------------------------------------------------------------

    def backoff_duration(self, queued: QueuedPodInfo) -> float:
        if queued.attempts == 0:
            return 0.0
        return min(self.initial_backoff * 2 ** (queued.attempts - 1), self.max_backoff)

    def backoff_expiry(self, queued: QueuedPodInfo) -> float:
        return queued.timestamp + self.backoff_duration(queued)

    def is_backing_off(self, queued: QueuedPodInfo) -> bool:
        return not queued.gated and self.backoff_expiry(queued) > self._clock.now()

    # -- moving pods between queues ----------------------------------------------------------

    def _count(self, queue: str, event: str) -> None:
        if self._metrics is not None:
            self._metrics.incoming(queue, event)

    def _to_active(self, queued: QueuedPodInfo, event: str) -> bool:
        """Admit to activeQ, unless a pre_enqueue plugin gates the pod."""
        status = self._pre_enqueue(queued.pod)
        if status is not None:
            queued.gated = True
            queued.unschedulable_plugins = {status.plugin} if status.plugin else set()
            self._gated[queued.pod.uid] = queued
            self._count(GATED, event)
            return False
        queued.gated = False
        queued.seq = next(self._seq)
        self._active[queued.pod.uid] = queued
        heapq.heappush(self._active_heap, (self._sort_key(queued), queued.seq, queued))
        self._count(ACTIVE, event)
        self._wake()
        return True

    def _to_backoff(self, queued: QueuedPodInfo, event: str) -> None:
        queued.seq = next(self._seq)
        self._backoff[queued.pod.uid] = queued
        heapq.heappush(self._backoff_heap, (self.backoff_expiry(queued), queued.seq, queued))
        self._count(BACKOFF, event)

    def _to_unschedulable(self, queued: QueuedPodInfo, event: str) -> None:
        self._unschedulable[queued.pod.uid] = queued
        self._count(UNSCHEDULABLE, event)

    def _requeue(self, queued: QueuedPodInfo, strategy: int, event: str) -> str:
        if strategy == SKIP:
            self._to_unschedulable(queued, event)
            return UNSCHEDULABLE
        if strategy == AFTER_BACKOFF and self.is_backing_off(queued):
            self._to_backoff(queued, event)
            return BACKOFF
        return ACTIVE if self._to_active(queued, event) else GATED

    def _take(self, uid: str) -> QueuedPodInfo | None:
        """Remove the pod from whichever waiting queue holds it."""
        for items in (self._active, self._backoff, self._unschedulable, self._gated):
            queued = items.pop(uid, None)
            if queued is not None:
                return queued
        return None

    # -- informer side -----------------------------------------------------------------------

    def add(self, pod: PodInfo) -> None:
        """A new pending pod."""
        if pod.uid in self:
            self.update(None, pod)
            return
        self._to_active(QueuedPodInfo(pod, self._clock.now()), ev.POD_ADD)

    def update(self, old: PodInfo | None, new: PodInfo) -> None:
        uid = new.uid
        if uid in self._in_flight:
            self._in_flight[uid].pod = new
            self._in_flight[uid].updated_in_flight = True
            return
        for items in (self._active, self._backoff):
            if uid in items:
                items[uid].pod = new
                return
        queued = self._gated.pop(uid, None)
        if queued is not None:
            queued.pod = new
            self._to_active(queued, ev.POD_UPDATE)
            return
        queued = self._unschedulable.get(uid)
        if queued is not None:
            queued.pod = new
            if old is None or spec_changed(old, new):
                del self._unschedulable[uid]
                self._requeue(queued, AFTER_BACKOFF, ev.POD_UPDATE)
            return
        self._to_active(QueuedPodInfo(new, self._clock.now()), ev.POD_UPDATE)

    def delete(self, uid: str) -> None:
        self._take(uid)
        self._in_flight.pop(uid, None)

    def move_all(self, event: ClusterEvent, old: Any = None, new: Any = None) -> int:
        """A cluster event: move the unschedulable pods it may help; returns how many."""
        if self._in_flight:
            self._event_seq += 1
            self._events.append((self._event_seq, event, old, new))
        moved = 0
        for uid, queued in list(self._unschedulable.items()):
            strategy = self.worth_requeuing(queued, event, old, new)
            if strategy != SKIP:
                del self._unschedulable[uid]
                self._requeue(queued, strategy, event.label)
                moved += 1
        return moved

    def worth_requeuing(self, queued: QueuedPodInfo, event: ClusterEvent, old: Any, new: Any
                        ) -> int:
        rejectors = queued.unschedulable_plugins | queued.pending_plugins
        if not rejectors or event.is_wildcard:
            return AFTER_BACKOFF
        strategy = SKIP
        for plugin, (interest, hint) in self._hints:
            if plugin not in rejectors or not interest.matches(event):
                continue
            if hint is not None:
                try:
                    if not hint(queued.pod, old, new):
                        continue
                except Exception:
                    # A hint that breaks must not strand the pod: treat it as "queue".
                    log.exception("queueing hint of %s failed", plugin)
            if plugin in queued.pending_plugins:
                return IMMEDIATELY
            if not queued.pending_plugins:
                return AFTER_BACKOFF
            strategy = AFTER_BACKOFF
        return strategy

    # -- scheduler side ----------------------------------------------------------------------

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop()
            if not waiter.done():
                waiter.set_result(None)

    def pop_nowait(self) -> QueuedPodInfo | None:
        while self._active_heap:
            _, seq, queued = heapq.heappop(self._active_heap)
            uid = queued.pod.uid
            if self._active.get(uid) is not queued or queued.seq != seq:
                continue  # removed or re-queued since this entry was pushed
            del self._active[uid]
            self.scheduling_cycle += 1
            queued.attempts += 1
            if queued.initial_attempt_timestamp is None:
                queued.initial_attempt_timestamp = self._clock.now()
            queued.popped_at_event = self._event_seq
            queued.updated_in_flight = False
            self._in_flight[uid] = queued
            return queued
        return None

    async def pop(self) -> QueuedPodInfo:
        """The next pod to schedule, waiting for one; raises :class:`ShutDown` once closed."""
        while True:
            if self._closed:
                raise ShutDown
            queued = self.pop_nowait()
            if queued is not None:
                return queued
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def done(self, uid: str) -> None:
        """The attempt for ``uid`` is over (bound, requeued or dropped)."""
        self._in_flight.pop(uid, None)
        if not self._in_flight:
            self._events.clear()
        elif self._events:
            oldest = min(q.popped_at_event for q in self._in_flight.values())
            self._events = [e for e in self._events if e[0] > oldest]

    def add_unschedulable(self, queued: QueuedPodInfo) -> str:
        """Requeue a pod whose attempt failed; returns the queue it went to.

        Its ``unschedulable_plugins`` say what rejected it; events seen during the attempt
        decide whether it waits for the next one or is retried after its back-off.
        """
        uid = queued.pod.uid
        if uid in self._active or uid in self._backoff or uid in self._unschedulable:
            self.done(uid)
            return self.where(uid) or ""
        if uid not in self._in_flight:
            return ""  # deleted while being scheduled
        queued.timestamp = self._clock.now()
        strategy = self._strategy_for_failed(queued)
        self.done(uid)
        return self._requeue(queued, strategy, ev.SCHEDULE_ATTEMPT_FAILURE)

    def _strategy_for_failed(self, queued: QueuedPodInfo) -> int:
        if not queued.unschedulable_plugins and not queued.pending_plugins:
            return AFTER_BACKOFF  # an error, not a verdict: try again
        if queued.updated_in_flight:
            return AFTER_BACKOFF
        strategy = SKIP
        for seq, event, old, new in self._events:
            if seq <= queued.popped_at_event:
                continue
            verdict = self.worth_requeuing(queued, event, old, new)
            if verdict == IMMEDIATELY:
                return IMMEDIATELY
            if verdict == AFTER_BACKOFF:
                strategy = AFTER_BACKOFF
                if not queued.pending_plugins:
                    return strategy
        return strategy

    # -- periodic work -----------------------------------------------------------------------

    def flush_backoff_completed(self) -> int:
        moved = 0
        now = self._clock.now()
        while self._backoff_heap and self._backoff_heap[0][0] <= now:
            _, seq, queued = heapq.heappop(self._backoff_heap)
            uid = queued.pod.uid
            if self._backoff.get(uid) is not queued or queued.seq != seq:
                continue
            del self._backoff[uid]
            self._to_active(queued, ev.BACKOFF_COMPLETE)
            moved += 1
        return moved

    def flush_unschedulable_leftover(self) -> int:
        now = self._clock.now()
        stale = [q for q in self._unschedulable.values()
                 if now - q.timestamp > self.max_in_unschedulable]
        for queued in stale:
            del self._unschedulable[queued.pod.uid]
            self._requeue(queued, AFTER_BACKOFF, ev.UNSCHEDULABLE_TIMEOUT.label)
        return len(stale)

    async def run(self) -> None:
        """The periodic flushes, until cancelled."""
        since_leftover = 0.0
        while not self._closed:
            await self._clock.sleep(BACKOFF_FLUSH_PERIOD)
            self.flush_backoff_completed()
            since_leftover += BACKOFF_FLUSH_PERIOD
            if since_leftover >= UNSCHEDULABLE_FLUSH_PERIOD:
                since_leftover = 0.0
                self.flush_unschedulable_leftover()

    def close(self) -> None:
        self._closed = True
        self._wake()
