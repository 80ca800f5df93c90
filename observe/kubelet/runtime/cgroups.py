"""Per-container cgroups (v1 or v2): limits, accounting and the OOM-kill counter.

The runtime asks :func:`detect` once at start for a :class:`CgroupDriver`, or ``None`` where
no cgroup hierarchy is writable (the kubelet then measures with psutil and says so in a node
event). Containers live at ``<own cgroup>/observe-<node>/pod<uid>/<container id>`` under the
kubelet's own cgroup, so the kubelet never escapes limits it was started with:

- v1 (one hierarchy per controller): ``memory.limit_in_bytes``, ``cpu.cfs_quota_us`` and
  ``cpu.shares``; usage from ``cpuacct.usage`` and ``memory.stat``; OOM kills from
  ``memory.oom_control``'s ``oom_kill``.
- v2 (one unified hierarchy): ``memory.max``, ``cpu.max``, ``cpu.weight``; ``cpu.stat``,
  ``memory.current``/``memory.stat``; ``memory.events``' ``oom_kill``.

The shim (:mod:`observe.kubelet.runtime.shim`) joins a container to its cgroups and reads its
OOM counter, so this module uses the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

V1_CONTROLLERS = ("memory", "cpu", "cpuacct", "pids")
V2_CONTROLLERS = ("memory", "cpu", "pids")
CFS_PERIOD_US = 100_000
MIN_SHARES, MAX_SHARES = 2, 262_144


@dataclass(frozen=True)
class Limits:
    """What the pod spec asks of one container's cgroup."""

    memory_bytes: int | None = None
    cpu_limit_millis: int | None = None
    cpu_request_millis: int | None = None


@dataclass(frozen=True)
class CgroupPaths:
    """One container's cgroup directories: one per v1 controller, or the single v2 one."""

    version: int
    dirs: tuple[tuple[str, str], ...]  # (controller or "unified", directory)

    def dir(self, controller: str) -> str | None:
        for name, path in self.dirs:
            if name in (controller, "unified"):
                return path
        return None

    def to_json(self) -> dict:
        return {"version": self.version, "dirs": [list(d) for d in self.dirs]}

    @classmethod
    def from_json(cls, data: dict | None) -> CgroupPaths | None:
        if not data:
            return None
        return cls(int(data["version"]), tuple((str(a), str(b)) for a, b in data["dirs"]))


@dataclass(frozen=True)
class CgroupUsage:
    cpu_ns: int
    memory_usage: int
    working_set: int
    rss: int
    page_faults: int
    major_page_faults: int


def cpu_shares(request_millis: int | None) -> int:
    """Upstream's MilliCPUToShares."""
    if not request_millis:
        return MIN_SHARES
    return max(MIN_SHARES, min(MAX_SHARES, request_millis * 1024 // 1000))


def cpu_weight(shares: int) -> int:
    """cgroup v2 weight for v1 shares, as runc converts it."""
    return 1 + ((shares - 2) * 9999) // 262142


def cpu_quota(limit_millis: int) -> int:
    """Upstream's MilliCPUToQuota (at least 1 ms per period)."""
    return max(limit_millis * CFS_PERIOD_US // 1000, 1000)


class CgroupDriver:
    """Creates, limits, reads and removes container cgroups under ``bases``."""

    def __init__(self, version: int, bases: dict[str, str]) -> None:
        self.version = version
        self.bases = bases  # controller (or "unified") -> the node's directory

    def create(self, pod_uid: str, container_id: str, limits: Limits) -> CgroupPaths:
        dirs = []
        for controller, base in self.bases.items():
            pod_dir = os.path.join(base, f"pod{pod_uid}")
            path = os.path.join(pod_dir, container_id)
            os.makedirs(path, exist_ok=True)
            if self.version == 2:
                _enable_controllers(pod_dir)
            dirs.append((controller, path))
        paths = CgroupPaths(self.version, tuple(dirs))
        self._apply(paths, limits)
        return paths

    def _apply(self, paths: CgroupPaths, limits: Limits) -> None:
        shares = cpu_shares(limits.cpu_request_millis)
        if self.version == 1:
            if (d := paths.dir("memory")) and limits.memory_bytes:
                _write(d, "memory.limit_in_bytes", str(limits.memory_bytes))
                with contextlib.suppress(OSError):  # absent where swap accounting is off
                    _write(d, "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
            if d := paths.dir("cpu"):
                _write(d, "cpu.shares", str(shares))
                if limits.cpu_limit_millis:
                    _write(d, "cpu.cfs_period_us", str(CFS_PERIOD_US))
                    _write(d, "cpu.cfs_quota_us", str(cpu_quota(limits.cpu_limit_millis)))
            return
        d = paths.dir("unified")
        assert d is not None
        if limits.memory_bytes:
            _write(d, "memory.max", str(limits.memory_bytes))
            with contextlib.suppress(OSError):
                _write(d, "memory.swap.max", "0")
        with contextlib.suppress(OSError):
            _write(d, "cpu.weight", str(cpu_weight(shares)))
        if limits.cpu_limit_millis:
            _write(d, "cpu.max", f"{cpu_quota(limits.cpu_limit_millis)} {CFS_PERIOD_US}")

    def remove(self, paths: CgroupPaths) -> bool:
        """Kill what is left in the container's cgroups and remove them (and the pod's
        directory once empty); False while killed processes are still on their way out
        (the caller tries again later)."""
        for _, path in paths.dirs:
            for pid in procs(path):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        removed = True
        for _, path in paths.dirs:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                removed = False
                continue
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(path))
        return removed

    def release(self, attempts: int = 10) -> None:
        """Remove the node's own directories if no pod is left in them (at shutdown).
        The kernel may still be retiring a just-removed child, hence a few attempts."""
        left = [b for b in self.bases.values()
                if os.path.isdir(b) and not any(e.is_dir() for e in os.scandir(b))]
        for _ in range(attempts):
            for base in list(left):
                try:
                    os.rmdir(base)
                except FileNotFoundError:
                    pass
                except OSError:
                    continue
                left.remove(base)
            if not left:
                return
            time.sleep(0.05)

    def pod_dirs(self) -> list[str]:
        return sorted({name for base in self.bases.values() if os.path.isdir(base)
                       for name in os.listdir(base) if name.startswith("pod")})


def join(paths: CgroupPaths, pid: int) -> None:
    """Move ``pid`` into the container's cgroups (called by the shim's child before exec)."""
    for _, path in paths.dirs:
        _write(path, "cgroup.procs", str(pid))


def procs(path: str) -> list[int]:
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            return [int(line) for line in f if line.strip()]
    except OSError:
        return []


def oom_kills(paths: CgroupPaths) -> int:
    """How many processes the kernel's OOM killer killed in the container's cgroup."""
    d = paths.dir("memory")
    if d is None:
        return 0
    name = "memory.oom_control" if paths.version == 1 else "memory.events"
    return _keyed(d, name).get("oom_kill", 0)


def usage(paths: CgroupPaths) -> CgroupUsage | None:
    mem_dir, cpu_dir = paths.dir("memory"), paths.dir("cpuacct") or paths.dir("cpu")
    try:
        if paths.version == 1:
            cpu_ns = int(_read(cpu_dir, "cpuacct.usage")) if cpu_dir else 0
            stat = _keyed(mem_dir, "memory.stat") if mem_dir else {}
            used = int(_read(mem_dir, "memory.usage_in_bytes")) if mem_dir else 0
            inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
            rss = stat.get("total_rss", stat.get("rss", 0))
            faults = stat.get("total_pgfault", stat.get("pgfault", 0))
            major = stat.get("total_pgmajfault", stat.get("pgmajfault", 0))
        else:
            cpu_ns = _keyed(cpu_dir, "cpu.stat").get("usage_usec", 0) * 1000 if cpu_dir else 0
            stat = _keyed(mem_dir, "memory.stat") if mem_dir else {}
            used = int(_read(mem_dir, "memory.current")) if mem_dir else 0
            inactive, rss = stat.get("inactive_file", 0), stat.get("anon", 0)
            faults, major = stat.get("pgfault", 0), stat.get("pgmajfault", 0)
    except (OSError, ValueError):
        return None
    return CgroupUsage(cpu_ns, used, max(used - inactive, 0), rss, faults, major)


def detect(node_name: str, *, mountinfo: str = "/proc/self/mountinfo",
           self_cgroup: str = "/proc/self/cgroup") -> CgroupDriver | None:
    """The writable cgroup hierarchy for this kubelet's containers, v1 preferred where its
    memory controller is mounted (hybrid hosts), else v2; None if neither works."""
    try:
        with open(mountinfo) as f:
            mounts = [_parse_mountinfo(line) for line in f]
        with open(self_cgroup) as f:
            own = _parse_self_cgroup(f.read())
    except OSError:
        return None
    leaf = f"observe-{node_name}"
    v1: dict[str, str] = {}
    unified: str | None = None
    for root, point, fstype, options in (m for m in mounts if m is not None):
        if fstype == "cgroup":
            for controller in V1_CONTROLLERS:
                if controller in options.split(",") and controller in own:
                    v1.setdefault(controller, _under(point, root, own[controller]))
        elif fstype == "cgroup2" and "" in own:
            unified = _under(point, root, own[""])
    if "memory" in v1:
        bases = {c: os.path.join(p, leaf) for c, p in v1.items()}
        if _try_create(bases.values()):
            return CgroupDriver(1, bases)
    if unified is not None and _v2_controllers(unified) >= {"memory", "cpu"}:
        base = os.path.join(unified, leaf)
        if _try_create([base]) and _enable_controllers(unified) and _enable_controllers(base):
            return CgroupDriver(2, {"unified": base})
    return None


def _parse_mountinfo(line: str) -> tuple[str, str, str, str] | None:
    fields = line.split()
    if "-" not in fields:
        return None
    sep = fields.index("-")
    if len(fields) < sep + 4:
        return None
    return fields[3], fields[4], fields[sep + 1], fields[sep + 3]


def _parse_self_cgroup(text: str) -> dict[str, str]:
    """controller -> the process's path in it ("" is the v2 hierarchy)."""
    own: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[1] == "":
            own[""] = parts[2]
        for controller in parts[1].split(","):
            if controller:
                own[controller] = parts[2]
    return own


def _under(mount_point: str, mount_root: str, own_path: str) -> str:
    # Inside a container the hierarchy may be mounted from our own cgroup downward.
    relative = own_path
    if mount_root != "/" and (own_path == mount_root or own_path.startswith(mount_root + "/")):
        relative = own_path[len(mount_root):]
    return os.path.join(mount_point, relative.lstrip("/"))


def _try_create(dirs: object) -> bool:
    try:
        for d in dirs:  # type: ignore[attr-defined]
            os.makedirs(d, exist_ok=True)
            if not os.access(os.path.join(d, "cgroup.procs"), os.W_OK):
                return False
    except OSError:
        return False
    return True


def _v2_controllers(path: str) -> set[str]:
    try:
        return set(_read(path, "cgroup.controllers").split())
    except OSError:
        return set()


def _enable_controllers(path: str) -> bool:
    wanted = [c for c in V2_CONTROLLERS if c in _v2_controllers(path)]
    try:
        _write(path, "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
    except OSError:
        return False
    return True


def _read(directory: str | None, name: str) -> str:
    assert directory is not None
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def _write(directory: str, name: str, value: str) -> None:
    with open(os.path.join(directory, name), "w") as f:
        f.write(value)


def _keyed(directory: str | None, name: str) -> dict[str, int]:
    if directory is None:
        return {}
    out: dict[str, int] = {}
    try:
        with open(os.path.join(directory, name)) as f:
            for line in f:
                key, _, value = line.partition(" ")
                with contextlib.suppress(ValueError):
                    out[key] = int(value)
    except OSError:
        pass
    return out
