"""``state.json`` and the supervisor's lock: how ``status``, ``down`` and a second ``up``
find a running cluster.

The supervisor holds an exclusive ``flock`` on ``supervisor.lock`` for as long as it runs;
the kernel drops it when the process dies, however it dies, so "is a supervisor running
here" never trusts a stale pid. ``state.json`` is what the supervisor last saw (pids, ports,
urls, restarts), replaced atomically so a reader never sees half of it::

    {"version": 1, "phase": "Running", "message": "",
     "supervisor": {"pid": 41, "createTime": 1700000000.5},
     "dataDir": ..., "kubeconfig": ..., "nodes": ["node-1"],
     "components": {"apiserver": {"url": ..., "healthUrl": ..., "port": ..., "pid": ...,
                                  "createTime": ..., "healthy": true, "restarts": 0,
                                  "lastExitCode": null, "log": ...}, ...}}
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

VERSION = 1
# Phases of the whole cluster, as the supervisor sees it.
STARTING, RUNNING, DEGRADED, STOPPING, STOPPED = (
    "Starting", "Running", "Degraded", "Stopping", "Stopped")


def read_state(path: Path) -> dict[str, Any] | None:
    """The last state written, or None if there is none (or it is not ours)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("version") == VERSION else None


def write_state(path: Path, doc: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)  # components stay in start order
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def is_locked(path: Path) -> bool:
    """Whether a live supervisor holds the lock at ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        # A shared probe cannot keep another prober out, only tell whether the exclusive
        # holder is there.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return True
        raise
    finally:
        os.close(fd)
    return False


class LockHeld(RuntimeError):
    """Another supervisor runs on this data directory."""


def acquire_lock(path: Path, wait: float = 2.0) -> int:
    """Take the lock for this process's lifetime; returns its fd (keep it open).

    Retries for ``wait`` seconds, since a prober's shared lock may be in the way for an
    instant."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                os.close(fd)
                raise
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockHeld(f"another supervisor holds {path}") from e
            time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def lock_owner(path: Path) -> int | None:
    """The pid the supervisor wrote into its lock file (None if unreadable)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None
