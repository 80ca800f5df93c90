"""The host's processes as the supervisor uses them: spawn, reap, signal, find leftovers.

:class:`ProcessControl` is the seam; :class:`HostProcesses` is the real thing and
:class:`observe.supervisor.fake.FakeProcesses` stands in for it in tests of the loop.

The supervisor makes itself a *child subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``): a
process a component leaves behind (the kubelet's detached container shims, a helper whose
parent crashed) becomes the supervisor's child instead of init's. ``down`` can then find
and stop every one of them, and :meth:`HostProcesses.reap` collects their exits along with
the components'. Because it reaps with ``waitpid(-1)``, nothing else in the supervisor
process may wait for children (no ``subprocess``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psutil

log = logging.getLogger(__name__)

PR_SET_CHILD_SUBREAPER = 36
# Dispositions the supervisor changes for itself that a component must not inherit.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGHUP, signal.SIGINT,
                  signal.SIGTERM)


@dataclass(frozen=True)
class Spawned:
    pid: int
    create_time: float | None
    """psutil's start time, which tells this process from a later one with the same pid."""


class ProcessControl(Protocol):
    def spawn(self, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> Spawned:
        """Start ``argv`` in its own process group, stdout and stderr appended to
        ``log_path``; raises OSError if it cannot be started."""
        ...

    def reap(self) -> list[tuple[int, int]]:
        """``(pid, exit code)`` of every child that has exited since the last call; the code
        is negative for a signal, as ``Popen.returncode``."""
        ...

    def signal(self, pid: int, sig: int) -> None:
        """Send ``sig`` to ``pid``; a process already gone is not an error."""
        ...

    def leftovers(self, known: Collection[int]) -> list[int]:
        """Descendants of the supervisor other than ``known`` (its components)."""
        ...


def become_subreaper() -> bool:
    """Make orphaned descendants our children; False where the kernel cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def same_process(pid: int | None, started: float | None) -> bool:
    """Whether ``pid`` still is the process that started at ``started``."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - started) < 0.1
    except psutil.Error:
        return False


class HostProcesses:
    def spawn(self, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> Spawned:
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            pid = os.posix_spawnp(
                argv[0], list(argv), dict(env),
                file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                              (os.POSIX_SPAWN_DUP2, fd, 1),
                              (os.POSIX_SPAWN_DUP2, fd, 2)],
                setpgroup=0, setsigdef=_RESET_SIGNALS)
        finally:
            os.close(fd)
        return Spawned(pid, create_time(pid))

    def reap(self) -> list[tuple[int, int]]:
        exited = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            exited.append((pid, os.waitstatus_to_exitcode(status)))
        return exited

    def signal(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def leftovers(self, known: Collection[int]) -> list[int]:
        try:
            children = psutil.Process().children(recursive=True)
        except psutil.Error:
            return []
        return [c.pid for c in children if c.pid not in known]
