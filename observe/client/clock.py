"""Time as the client machinery sees it, injectable so tests never wait for it to pass.

The work queue (delays, rate limits, metrics) and the informer (back-off) take a
:class:`Clock`; :class:`LoopClock` is the event loop's monotonic time, :class:`FakeClock`
moves only when a test calls :meth:`FakeClock.advance` (or, with ``auto_advance``, jumps to
the end of every :meth:`~Clock.sleep`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once, ``delay`` seconds from now, on the running event loop."""
        ...

    async def sleep(self, delay: float) -> None: ...


class LoopClock:
    """Real time, with timers on the running event loop."""

    def now(self) -> float:
        # The loop's own clock is time.monotonic(); reading that directly also works from a
        # metrics scrape on another thread, where there is no running loop.
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(delay, 0.0), callback)

    async def sleep(self, delay: float) -> None:
        await asyncio.sleep(delay)


class _FakeTimer:
    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A clock that stands still until told to move.

    ``auto_advance=True`` makes every :meth:`sleep` move time forward by its own length at
    once (firing the timers it passes), so code that backs off can be run to completion and
    the delays it asked for read from :attr:`sleeps`.
    """

    def __init__(self, start: float = 1000.0, *, auto_advance: bool = False) -> None:
        self._now = start
        self.auto_advance = auto_advance
        self.sleeps: list[float] = []
        self._timers: list[tuple[float, int, _FakeTimer]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _FakeTimer(callback)
        heapq.heappush(self._timers, (self._now + max(delay, 0.0), next(self._seq), timer))
        return timer

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        if self.auto_advance:
            self.advance(delay)
            await asyncio.sleep(0)
            return
        done = asyncio.get_running_loop().create_future()
        timer = self.call_later(delay, lambda: done.done() or done.set_result(None))
        try:
            await done
        finally:
            timer.cancel()

    def advance(self, seconds: float) -> None:
        """Move time forward, running every timer that falls due, in deadline order."""
        target = self._now + max(seconds, 0.0)
        while self._timers and self._timers[0][0] <= target:
            deadline, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, deadline)
            if not timer.cancelled:
                timer.callback()
        self._now = target

    @property
    def pending_timers(self) -> int:
        return sum(1 for _, _, t in self._timers if not t.cancelled)
