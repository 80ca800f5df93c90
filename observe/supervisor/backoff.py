"""How long the supervisor waits before restarting a component that exited.

The kubelet's CrashLoopBackOff rule with shorter times, since a control-plane component
that dies should be back quickly: the first restart waits :data:`INITIAL` seconds, each
further one twice as long up to :data:`MAXIMUM`; a component that ran for :data:`RESET_AFTER`
seconds before exiting starts over at the initial delay. Times are passed in, never read,
so tests drive it with plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

INITIAL = 1.0
MAXIMUM = 60.0
RESET_AFTER = 2 * MAXIMUM


@dataclass
class _Entry:
    delay: float
    restart_at: float


class RestartBackoff:
    def __init__(self, initial: float = INITIAL, maximum: float = MAXIMUM,
                 reset_after: float = RESET_AFTER) -> None:
        self.initial = initial
        self.maximum = maximum
        self.reset_after = reset_after
        self._entries: dict[str, _Entry] = {}

    def exited(self, name: str, started_at: float, exited_at: float) -> float:
        """Record that ``name`` exited; returns the delay before it may start again."""
        entry = self._entries.get(name)
        if entry is None or exited_at - started_at >= self.reset_after:
            delay = self.initial
        else:
            delay = min(entry.delay * 2, self.maximum)
        self._entries[name] = _Entry(delay, exited_at + delay)
        return delay

    def ready(self, name: str, now: float) -> bool:
        """Whether ``name`` may be started at ``now``."""
        entry = self._entries.get(name)
        return entry is None or now >= entry.restart_at

    def restart_at(self, name: str) -> float | None:
        entry = self._entries.get(name)
        return entry.restart_at if entry else None
