"""Exponential back-off with jitter between attempts to reach the apiserver.

The informer (:mod:`observe.client.informer`) waits :meth:`Backoff.next` seconds after each
failed list or watch and calls :meth:`Backoff.reset` once one succeeds, as client-go's
reflector does: from 800 ms, doubling, at most 30 s. Jitter keeps many clients that lost the
same apiserver from all coming back at the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Delays ``initial * factor**n``, each stretched by up to ``jitter`` times itself at
    random, never above ``cap``."""

    def __init__(
        self,
        initial: float = 0.8,
        cap: float = 30.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self._rand = rand
        self._next = initial
        self.failures = 0

    def next(self) -> float:
        """The delay before the next attempt; each call counts one more failure."""
        base = self._next
        self._next = min(self._next * self.factor, self.cap)
        self.failures += 1
        return min(base * (1.0 + self.jitter * self._rand()), self.cap)

    def reset(self) -> None:
        self._next = self.initial
        self.failures = 0
