"""One cgroup's limits and usage, read from its files the way cAdvisor reads them (through
runc's cgroup library) for its ``ContainerSpec`` and ``ContainerStats``; the raw material of
``/metrics/cadvisor`` (:mod:`observe.kubelet.cadvisor`).

The directories come as :class:`~observe.kubelet.runtime.cgroups.CgroupPaths` (one per v1
controller, or the single v2 one). What cAdvisor takes from where:

==================  =========================================  ==============================
value               cgroup v1                                  cgroup v2
==================  =========================================  ==============================
CPU total           ``cpuacct.usage``                          ``cpu.stat`` usage_usec
CPU user/system     ``cpuacct.stat`` (clock ticks)             ``cpu.stat`` user/system_usec
CFS periods         ``cpu.stat`` nr_periods, nr_throttled,     ``cpu.stat`` nr_periods,
                    throttled_time (ns)                        nr_throttled, throttled_usec
memory usage        ``memory.usage_in_bytes``                  ``memory.current``
max usage           ``memory.max_usage_in_bytes``              ``memory.peak`` (newer kernels)
failcnt             ``memory.failcnt``                         ``memory.events`` max
cache/rss/swap      ``memory.stat`` total_cache/total_rss/     ``memory.stat`` file/anon,
                    total_swap (hierarchical)                  ``memory.swap.current``
working set         usage - total_inactive_file (at least 0)   usage - inactive_file
OOM kills           ``memory.oom_control`` oom_kill            ``memory.events`` oom_kill
processes/threads   ``cgroup.procs``/``tasks``                 ``cgroup.procs``/``cgroup.threads``
==================  =========================================  ==============================

Limits (:class:`Spec`) change only when the cgroup is re-created, so callers read them once
per cgroup; usage (:class:`Stats`) is read on every scrape. A cgroup removed meanwhile reads
as ``None``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from observe.kubelet.runtime.cgroups import CgroupPaths

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_NS_PER_TICK = 1_000_000_000 // _CLOCK_TICKS
_UNLIMITED = "max"


@dataclass(frozen=True)
class Spec:
    """A cgroup's limits as cAdvisor's ``ContainerSpec`` holds them (0: no quota/limit)."""

    cpu_period: int = 0  # microseconds
    cpu_quota: int = 0  # microseconds per period
    cpu_shares: int = 0
    memory_limit: int = 0
    memory_reservation: int = 0
    memory_swap_limit: int = 0
    threads_max: int = 0


@dataclass(frozen=True)
class Stats:
    """A cgroup's usage at one instant (bytes, nanoseconds, counts)."""

    cpu_usage_ns: int = 0
    cpu_user_ns: int = 0
    cpu_system_ns: int = 0
    cfs_periods: int = 0
    cfs_throttled_periods: int = 0
    cfs_throttled_ns: int = 0
    memory_usage: int = 0
    memory_max_usage: int = 0
    memory_failcnt: int = 0
    memory_cache: int = 0
    memory_rss: int = 0
    memory_swap: int = 0
    memory_mapped_file: int = 0
    memory_active_file: int = 0
    memory_inactive_file: int = 0
    pgfault: int = 0
    pgmajfault: int = 0
    hierarchical_pgfault: int = 0
    hierarchical_pgmajfault: int = 0
    oom_events: int = 0
    processes: int = 0
    threads: int = 0

    @property
    def memory_working_set(self) -> int:
        """What the kubelet evicts on and OOM decisions approximate: usage less the page
        cache the kernel could reclaim first."""
        return max(self.memory_usage - self.memory_inactive_file, 0)


def add(readings: list[Stats]) -> Stats:
    """The field-wise sum of several readings (a pod measured through its containers)."""
    return Stats(**{f.name: sum(getattr(r, f.name) for r in readings) for f in fields(Stats)})


def parent(paths: CgroupPaths) -> CgroupPaths:
    """The cgroup one level up in every hierarchy (a container's pod cgroup)."""
    return CgroupPaths(paths.version, tuple((c, os.path.dirname(d)) for c, d in paths.dirs))


def _read(directory: str | None, name: str) -> bytes | None:
    if directory is None:
        return None
    try:
        fd = os.open(os.path.join(directory, name), os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return None
    finally:
        os.close(fd)


class Keyed(dict):
    """``key value`` lines (``memory.stat``, ``cpu.stat``, ``memory.events``), split at once
    and converted only where read: ``memory.stat`` has some seventy lines, a few are used."""

    def __init__(self, data: bytes | None) -> None:
        words = data.split() if data else []
        super().__init__(zip(words[::2], words[1::2], strict=False))

    def get(self, key: bytes, default: int = 0) -> int:  # type: ignore[override]
        try:
            return int(self[key])
        except (KeyError, ValueError):
            return default




def _int(data: bytes | None) -> int:
    """A single-number file; 0 when absent, unreadable or ``max``."""
    try:
        return int(data) if data else 0
    except ValueError:
        return 0


def _lines(data: bytes | None) -> int:
    return data.count(b"\n") if data else 0


def _limit(data: bytes | None) -> int:
    text = (data or b"").strip()
    return 0 if not text or text == _UNLIMITED.encode() else _int(text)


def read_spec(paths: CgroupPaths) -> Spec:
    cpu, memory, pids = paths.dir("cpu"), paths.dir("memory"), paths.dir("pids")
    threads_max = _limit(_read(pids, "pids.max"))
    if paths.version == 1:
        quota = _int(_read(cpu, "cpu.cfs_quota_us"))
        return Spec(cpu_period=_int(_read(cpu, "cpu.cfs_period_us")),
                    cpu_quota=max(quota, 0), cpu_shares=_int(_read(cpu, "cpu.shares")),
                    memory_limit=_int(_read(memory, "memory.limit_in_bytes")),
                    memory_reservation=_int(_read(memory, "memory.soft_limit_in_bytes")),
                    memory_swap_limit=_int(_read(memory, "memory.memsw.limit_in_bytes")),
                    threads_max=threads_max)
    quota_text, _, period_text = (_read(cpu, "cpu.max") or b"").partition(b" ")
    weight = _int(_read(cpu, "cpu.weight"))
    return Spec(cpu_period=_int(period_text.strip()), cpu_quota=_limit(quota_text),
                # cAdvisor turns the v2 weight back into v1 shares.
                cpu_shares=2 + (weight - 1) * 262142 // 9999 if weight else 0,
                memory_limit=_limit(_read(memory, "memory.max")),
                memory_reservation=_limit(_read(memory, "memory.low")),
                memory_swap_limit=_limit(_read(memory, "memory.swap.max")),
                threads_max=threads_max)


def read_stats(paths: CgroupPaths, with_cfs: bool = True) -> Stats | None:
    """The cgroup's usage now, or None once its memory cgroup is gone. ``with_cfs=False``
    skips the CFS counters (cAdvisor reports them only under a CPU quota)."""
    return (_read_v1 if paths.version == 1 else _read_v2)(paths, with_cfs)


def _read_v1(paths: CgroupPaths, with_cfs: bool) -> Stats | None:
    memory = paths.dir("memory")
    usage = _read(memory, "memory.usage_in_bytes")
    if usage is None:
        return None
    cpuacct = paths.dir("cpuacct") or paths.dir("cpu")
    times = Keyed(_read(cpuacct, "cpuacct.stat"))
    cfs = Keyed(_read(paths.dir("cpu"), "cpu.stat") if with_cfs else None)
    stat = Keyed(_read(memory, "memory.stat"))
    pgfault, pgmajfault = stat.get(b"pgfault", 0), stat.get(b"pgmajfault", 0)
    return Stats(
        cpu_usage_ns=_int(_read(cpuacct, "cpuacct.usage")),
        cpu_user_ns=times.get(b"user", 0) * _NS_PER_TICK,
        cpu_system_ns=times.get(b"system", 0) * _NS_PER_TICK,
        cfs_periods=cfs.get(b"nr_periods", 0), cfs_throttled_periods=cfs.get(b"nr_throttled", 0),
        cfs_throttled_ns=cfs.get(b"throttled_time", 0),
        memory_usage=_int(usage), memory_max_usage=_int(_read(memory, "memory.max_usage_in_bytes")),
        memory_failcnt=_int(_read(memory, "memory.failcnt")),
        memory_cache=stat.get(b"total_cache", stat.get(b"cache", 0)),
        memory_rss=stat.get(b"total_rss", stat.get(b"rss", 0)),
        memory_swap=stat.get(b"total_swap", stat.get(b"swap", 0)),
        memory_mapped_file=stat.get(b"total_mapped_file", stat.get(b"mapped_file", 0)),
        memory_active_file=stat.get(b"total_active_file", stat.get(b"active_file", 0)),
        memory_inactive_file=stat.get(b"total_inactive_file", stat.get(b"inactive_file", 0)),
        pgfault=pgfault, pgmajfault=pgmajfault,
        hierarchical_pgfault=stat.get(b"total_pgfault", pgfault),
        hierarchical_pgmajfault=stat.get(b"total_pgmajfault", pgmajfault),
        oom_events=Keyed(_read(memory, "memory.oom_control")).get(b"oom_kill", 0),
        processes=_lines(_read(memory, "cgroup.procs")), threads=_lines(_read(memory, "tasks")))


def _read_v2(paths: CgroupPaths, with_cfs: bool) -> Stats | None:
    directory = paths.dir("unified") or paths.dir("memory")
    usage = _read(directory, "memory.current")
    if usage is None:
        return None
    cpu = Keyed(_read(directory, "cpu.stat"))
    stat = Keyed(_read(directory, "memory.stat"))
    events = Keyed(_read(directory, "memory.events"))
    pgfault, pgmajfault = stat.get(b"pgfault", 0), stat.get(b"pgmajfault", 0)
    return Stats(
        cpu_usage_ns=cpu.get(b"usage_usec", 0) * 1000,
        cpu_user_ns=cpu.get(b"user_usec", 0) * 1000,
        cpu_system_ns=cpu.get(b"system_usec", 0) * 1000,
        cfs_periods=cpu.get(b"nr_periods", 0) if with_cfs else 0,
        cfs_throttled_periods=cpu.get(b"nr_throttled", 0) if with_cfs else 0,
        cfs_throttled_ns=cpu.get(b"throttled_usec", 0) * 1000 if with_cfs else 0,
        memory_usage=_int(usage), memory_max_usage=_int(_read(directory, "memory.peak")),
        memory_failcnt=events.get(b"max", 0),
        memory_cache=stat.get(b"file", 0), memory_rss=stat.get(b"anon", 0),
        memory_swap=_int(_read(directory, "memory.swap.current")),
        memory_mapped_file=stat.get(b"file_mapped", 0),
        memory_active_file=stat.get(b"active_file", 0),
        memory_inactive_file=stat.get(b"inactive_file", 0),
        pgfault=pgfault, pgmajfault=pgmajfault, hierarchical_pgfault=pgfault,
        hierarchical_pgmajfault=pgmajfault, oom_events=events.get(b"oom_kill", 0),
        processes=_lines(_read(directory, "cgroup.procs")),
        threads=_lines(_read(directory, "cgroup.threads")))
