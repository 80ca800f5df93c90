"""Process identity from ``/proc``: a pid plus its start time (in clock ticks since boot)
names one process for good, even after the pid is reused. Standard library only."""

from __future__ import annotations


def start_ticks(pid: int) -> int | None:
    """Field 22 (``starttime``) of ``/proc/<pid>/stat``; None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after its last ")".
    fields = raw[raw.rfind(b")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_alive(pid: int | None, ticks: int | None) -> bool:
    """Whether the process ``pid`` that started at ``ticks`` still runs (zombies do not)."""
    if not pid or ticks is None or start_ticks(pid) != ticks:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return False
    state = raw[raw.rfind(b")") + 2:raw.rfind(b")") + 3]
    return state not in (b"Z", b"X")
