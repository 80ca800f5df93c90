"""In-memory processes for tests of the supervisor's loop (the :class:`ProcessControl` seam).

Spawning hands out increasing pids; a test ends a process with :meth:`FakeProcesses.exit`
(a crash) and the loop sees it at its next reap. SIGTERM ends a process with code 0 unless
it was made :attr:`stubborn`; SIGKILL (to the pid or its group) always ends it.
"""

from __future__ import annotations

import signal
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from observe.supervisor.process import Spawned


class FakeProcesses:
    def __init__(self, first_pid: int = 1000) -> None:
        self._next_pid = first_pid
        self.running: dict[int, tuple[str, ...]] = {}
        self.spawned: list[tuple[int, tuple[str, ...]]] = []
        self.signals: list[tuple[int, int]] = []
        self.stubborn: set[int] = set()
        """Pids that ignore SIGTERM."""
        self.orphans: set[int] = set()
        """Running pids that are leftovers (not started by the supervisor)."""
        self.unstartable: set[str] = set()
        """Programs (``argv[0]``) whose spawn fails as a missing file would."""
        self._exits: list[tuple[int, int]] = []

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> Spawned:
        if argv[0] in self.unstartable:
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        pid = self._new_pid()
        self.running[pid] = tuple(argv)
        self.spawned.append((pid, tuple(argv)))
        return Spawned(pid, float(pid))

    def add_orphan(self) -> int:
        """A process some component left behind."""
        pid = self._new_pid()
        self.running[pid] = ("leftover",)
        self.orphans.add(pid)
        return pid

    def exit(self, pid: int, code: int) -> None:
        if self.running.pop(pid, None) is not None:
            self.orphans.discard(pid)
            self._exits.append((pid, code))

    def reap(self) -> list[tuple[int, int]]:
        exits, self._exits = self._exits, []
        return exits

    def signal(self, pid: int, sig: int) -> None:
        self.signals.append((pid, sig))
        target = abs(pid)
        if sig == signal.SIGKILL:
            self.exit(target, -signal.SIGKILL)
        elif sig == signal.SIGTERM and target not in self.stubborn:
            self.exit(target, 0)

    def leftovers(self, known: Collection[int]) -> list[int]:
        return sorted(p for p in self.orphans if p not in known)

    def _new_pid(self) -> int:
        pid = self._next_pid
        self._next_pid += 1
        return pid
