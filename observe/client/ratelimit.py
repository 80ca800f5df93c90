"""How long a failed key waits before it is retried: the work queue's rate limiters.

:meth:`observe.client.workqueue.WorkQueue.add_rate_limited` asks its limiter
:meth:`~RateLimiter.when` to retry a key. The default, like client-go's default controller
rate limiter, is the larger of a per-key exponential back-off (a key that keeps failing
waits longer and longer) and one token bucket shared by all keys (a burst of failures across
many keys cannot hammer the apiserver).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from observe.client.clock import Clock, LoopClock


class RateLimiter(Protocol):
    def when(self, item: Hashable) -> float:
        """Seconds to wait before retrying ``item``; counts one more failure of it."""
        ...

    def forget(self, item: Hashable) -> None:
        """``item`` succeeded: its next failure starts the back-off afresh."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """Failures of ``item`` counted since it was last forgotten."""
        ...


class ItemExponentialRateLimiter:
    """``base * 2**failures`` seconds for each key, capped at ``cap``."""

    def __init__(self, base: float = 0.005, cap: float = 1000.0) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exponent = self._failures.get(item, 0)
        self._failures[item] = exponent + 1
        # Past ~2**60 the float math is pointless (and 2**1100 overflows): it is the cap.
        if exponent > 60:
            return self.cap
        return min(self.base * 2**exponent, self.cap)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class TokenBucketRateLimiter:
    """``qps`` retries a second across all keys, ``burst`` of them at once.

    Each call reserves a token; when the bucket is empty the reservation is in the future
    and the wait until then is the answer, so tokens may go negative (as with Go's
    ``rate.Limiter.Reserve``).
    """

    def __init__(self, qps: float = 10.0, burst: int = 100, clock: Clock | None = None) -> None:
        self.qps = qps
        self.burst = burst
        self._clock = clock or LoopClock()
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, item: Hashable) -> float:
        now = self._clock.now()
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest wait any of ``limiters`` asks for."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        # Every limiter must count the failure, so no short-circuit.
        return max([limiter.when(item) for limiter in self.limiters])

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter(clock: Clock | None = None) -> RateLimiter:
    """5 ms doubling per failure up to 1000 s per key, and 10 retries/s (burst 100) overall."""
    return MaxOfRateLimiter(
        ItemExponentialRateLimiter(0.005, 1000.0),
        TokenBucketRateLimiter(10.0, 100, clock),
    )
