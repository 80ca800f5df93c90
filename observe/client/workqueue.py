"""The work queue between a controller's event handlers and its workers, as in client-go.

Informer handlers only :meth:`~WorkQueue.add` a key (``namespace/name``); workers
:meth:`~WorkQueue.get` one, reconcile it and call :meth:`~WorkQueue.done`. The queue holds
keys, never objects, and guarantees what makes level-triggered controllers simple:

- a key is held at most once, however often it is added before a worker takes it;
- a key is never worked on by two workers at once: added while in progress, it is queued
  again only when the worker calls :meth:`~WorkQueue.done`;
- a failed key comes back later through :meth:`~WorkQueue.add_rate_limited`, with per-key
  exponential back-off under an overall rate limit (:mod:`observe.client.ratelimit`).

Time comes from a :class:`~observe.client.clock.Clock` so tests drive delays by hand.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator, Hashable

from prometheus_client import CollectorRegistry

from observe.client.clock import Clock, LoopClock, TimerHandle
from observe.client.metrics import WorkQueueMetrics
from observe.client.ratelimit import RateLimiter, default_controller_rate_limiter


class ShutDown(Exception):
    """:meth:`WorkQueue.get` on a queue that is shut down and has nothing left."""


class WorkQueue:
    """A de-duplicating, rate-limited, delaying queue of keys for one controller."""

    def __init__(
        self,
        name: str,
        registry: CollectorRegistry | None = None,
        *,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.name = name
        self._clock = clock or LoopClock()
        self._limiter = rate_limiter or default_controller_rate_limiter(self._clock)
        self._queue: deque[Hashable] = deque()
        # Keys that need processing: queued, or added again while in progress.
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._added_at: dict[Hashable, float] = {}
        self._started_at: dict[Hashable, float] = {}
        self._delayed: dict[Hashable, tuple[float, TimerHandle]] = {}
        self._getters: list[asyncio.Future[None]] = []
        self._shutting_down = False
        self._metrics: WorkQueueMetrics | None = None
        if registry is not None:
            self._metrics = WorkQueueMetrics.for_registry(registry)
            self._bind_in_progress_gauges(self._metrics)

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    # -- adding ------------------------------------------------------------------------------

    def add(self, key: Hashable) -> None:
        """Queue ``key`` unless it is already waiting; ignored after :meth:`shutdown`."""
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        self._added_at.setdefault(key, self._clock.now())
        if self._metrics is not None:
            self._metrics.adds.labels(name=self.name).inc()
        self._update_depth()
        if key in self._processing:
            return  # done() queues it again, so no two workers hold it at once
        self._queue.append(key)
        self._wake_getters()

    def add_after(self, key: Hashable, delay: float) -> None:
        """Queue ``key`` once ``delay`` seconds have passed; of several pending delays for
        one key the earliest wins."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        ready_at = self._clock.now() + delay
        pending = self._delayed.get(key)
        if pending is not None:
            if pending[0] <= ready_at:
                return
            pending[1].cancel()
        handle = self._clock.call_later(delay, lambda: self._delay_elapsed(key))
        self._delayed[key] = (ready_at, handle)

    def add_rate_limited(self, key: Hashable) -> None:
        """Queue ``key`` again after the back-off its failures so far have earned."""
        if self._shutting_down:
            return
        if self._metrics is not None:
            self._metrics.retries.labels(name=self.name).inc()
        self.add_after(key, self._limiter.when(key))

    def forget(self, key: Hashable) -> None:
        """``key`` was processed successfully: reset its back-off."""
        self._limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return self._limiter.num_requeues(key)

    # -- processing --------------------------------------------------------------------------

    async def get(self) -> Hashable:
        """Wait for a key and mark it in progress; every key got must be :meth:`done`.

        After :meth:`shutdown` the keys still queued are handed out, then :class:`ShutDown`
        is raised.
        """
        while not self._queue:
            if self._shutting_down:
                raise ShutDown(self.name)
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            finally:
                self._getters.remove(waiter)
        key = self._queue.popleft()
        now = self._clock.now()
        self._processing.add(key)
        self._dirty.discard(key)
        added_at = self._added_at.pop(key, now)
        self._started_at[key] = now
        if self._metrics is not None:
            self._metrics.queue_duration.labels(name=self.name).observe(now - added_at)
        self._update_depth()
        return key

    def done(self, key: Hashable) -> None:
        """The worker finished ``key``; if it was added meanwhile, queue it again."""
        if key not in self._processing:
            return
        self._processing.discard(key)
        started_at = self._started_at.pop(key, None)
        if self._metrics is not None and started_at is not None:
            self._metrics.work_duration.labels(name=self.name).observe(
                self._clock.now() - started_at
            )
        if key in self._dirty:
            self._queue.append(key)
            self._wake_getters()

    async def __aiter__(self) -> AsyncIterator[Hashable]:
        """Keys until shut down: ``async for key in queue: ...; queue.done(key)``."""
        while True:
            try:
                yield await self.get()
            except ShutDown:
                return

    def shutdown(self) -> None:
        """Stop accepting keys, drop pending delays, and release every waiting worker once
        the queue is empty."""
        self._shutting_down = True
        for _, handle in self._delayed.values():
            handle.cancel()
        self._delayed.clear()
        self._wake_getters()

    # -- internals ---------------------------------------------------------------------------

    def _delay_elapsed(self, key: Hashable) -> None:
        self._delayed.pop(key, None)
        self.add(key)

    def _wake_getters(self) -> None:
        # Wake them all: each re-checks the queue, so a woken getter that was cancelled
        # meanwhile cannot swallow the wake-up another one needed.
        for waiter in self._getters:
            if not waiter.done():
                waiter.set_result(None)

    def _update_depth(self) -> None:
        if self._metrics is not None:
            self._metrics.depth.labels(name=self.name).set(len(self._dirty))

    def _bind_in_progress_gauges(self, metrics: WorkQueueMetrics) -> None:
        # The registry outlives the queue; a weak reference lets the queue be collected.
        ref = weakref.ref(self)

        def in_progress() -> list[float]:
            queue = ref()
            if queue is None:
                return []
            now = queue._clock.now()
            return [now - started for started in list(queue._started_at.values())]

        metrics.bind_in_progress(
            self.name,
            unfinished=lambda: sum(in_progress()),
            longest=lambda: max(in_progress(), default=0.0),
        )
