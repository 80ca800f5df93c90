"""Restart and image-pull back-off, as client-go's ``flowcontrol.Backoff`` that the kubelet
uses: per key, 10 s doubling to 300 s; an entry not touched for twice the maximum (the
container ran cleanly for 10 minutes) starts over.

The pod worker asks :meth:`Backoff.in_backoff_since` with the time the container last
finished; if not in back-off it restarts the container and calls :meth:`Backoff.next`.
Time is injected, so tests move it by hand; :func:`go_duration` spells durations as Go does
for the ``back-off 40s restarting failed container=...`` message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INITIAL = 10.0  # kubelet backOffPeriod
MAXIMUM = 300.0  # kubelet MaxContainerBackOff


@dataclass
class _Entry:
    backoff: float
    last_update: float


class Backoff:
    def __init__(self, now: Callable[[], float], initial: float = INITIAL,
                 maximum: float = MAXIMUM) -> None:
        self._now = now
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, _Entry] = {}

    def get(self, key: str) -> float:
        entry = self._entries.get(key)
        return entry.backoff if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """Record an attempt at ``key`` caused by an event (a container exit) at
        ``event_time``: the next wait doubles, up to the maximum."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            entry = self._entries[key] = _Entry(self.initial, self._now())
        else:
            entry.backoff = min(entry.backoff * 2, self.maximum)
        entry.last_update = self._now()

    def in_backoff_since(self, key: str, event_time: float) -> bool:
        """Whether ``key`` must still wait, counting from ``event_time``."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            return False
        return self._now() - event_time < entry.backoff

    def in_backoff_since_update(self, key: str) -> bool:
        """Whether ``key`` must still wait, counting from its last :meth:`next` (how image
        pulls back off)."""
        entry = self._entries.get(key)
        return entry is not None and self._now() - entry.last_update < entry.backoff

    def remaining_since_update(self, key: str) -> float:
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(entry.last_update + entry.backoff - self._now(), 0.0)

    def remaining(self, key: str, event_time: float) -> float:
        """Seconds until the back-off that started at ``event_time`` ends (0 if none)."""
        if not self.in_backoff_since(key, event_time):
            return 0.0
        return max(event_time + self._entries[key].backoff - self._now(), 0.0)

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

    def _expired(self, event_time: float, entry: _Entry) -> bool:
        return event_time - entry.last_update > self.maximum * 2


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` for whole and fractional seconds: ``10s``, ``1m20s``,
    ``5m0s``, ``1.5s``, ``250ms``."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        ms = seconds * 1000
        if ms >= 1:
            return f"{_trim(ms)}ms"
        return f"{_trim(seconds * 1e6)}µs"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{_trim(secs)}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"
