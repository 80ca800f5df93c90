"""Reads the node into :class:`~observe.kubelet.cadvisor.CgroupSeries` and serves the
rendered ``/metrics/cadvisor`` text, one collection per scrape.

Which cgroups: every container instance the runtime knows whose cgroup still exists
(running, or exited and not yet garbage-collected, as cAdvisor sees every cgroup that
exists; that is how an OOM-killed container's ``container_oom_events_total`` stays
visible), and the pod cgroup above them. Where the node has no writable cgroups the runtime
measures running containers with psutil; those series carry what it measured (CPU and
memory, no spec) and the pod series is their sum.

Identity: ``id`` is the cgroup's path below its hierarchy's mount point (what cAdvisor
names a container by), ``name`` the container id (containerd's alias), ``image`` the
container's image reference.

Filesystems: a container here has no writable layer, so what it consumes on the node's
filesystem is its log files (the instance's ``<restart>.log`` and its rotations); a pod's
series counts its ``emptyDir`` volumes. Both on the device holding the kubelet's root
directory, whose size and inodes give ``limit`` and ``inodes``.

Network: pods share the host's network namespace (each has its own loopback address, not
its own interfaces), so no per-pod interface counters exist; like cAdvisor for a
host-network pod, no ``container_network_*`` series are reported. ``network`` is the seam
where a runtime with per-pod namespaces would plug its counters in.

A collection reads files, so it runs in a worker thread; concurrent scrapes share one
collection, and a result younger than :data:`MAX_AGE` is served again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import psutil

from observe.kubelet import cgroupstats
from observe.kubelet.cadvisor import CgroupSeries, FsUsage, Interface, MachineFacts, render
from observe.kubelet.layout import Layout
from observe.kubelet.machine import MachineInfo
from observe.kubelet.runtime.cgroups import CgroupPaths
from observe.kubelet.runtime.shim import CONFIG
from observe.kubelet.runtime.types import ContainerStatus, Runtime
from observe.kubelet.volumes import PLUGINS

log = logging.getLogger(__name__)

MAX_AGE = 0.5
NetworkSource = Callable[[str], tuple[Interface, ...]]  # pod uid -> its interfaces


def host_network(pod_uid: str) -> tuple[Interface, ...]:
    """Pods in the host's network namespace have no interfaces of their own."""
    return ()


def machine_facts(info: MachineInfo) -> MachineFacts:
    return MachineFacts(machine_id=info.machine_id, system_uuid=info.system_uuid,
                        boot_id=info.boot_id, kernel_version=info.kernel_version,
                        os_version=info.os_image, cpu_cores=info.cpus,
                        cpu_physical_cores=psutil.cpu_count(logical=False) or info.cpus,
                        memory_bytes=info.memory_bytes)


def mount_points(mountinfo: str = "/proc/self/mountinfo") -> list[tuple[str, str, str]]:
    """(mount point, filesystem root, source) of every mount, longest mount point first."""
    out = []
    with contextlib.suppress(OSError), open(mountinfo) as f:
        for line in f:
            fields = line.split()
            if "-" in fields and len(fields) > fields.index("-") + 2:
                sep = fields.index("-")
                out.append((fields[4], fields[3], fields[sep + 2]))
    return sorted(out, key=lambda m: len(m[0]), reverse=True)


def _mount_of(path: str, mounts: Sequence[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    for mount in mounts:
        point = mount[0]
        if path == point or path.startswith(point.rstrip("/") + "/"):
            return mount
    return None


def cgroup_id(directory: str, mounts: Sequence[tuple[str, str, str]]) -> str:
    """A cgroup directory as cAdvisor names the container: its path in the hierarchy."""
    mount = _mount_of(directory, mounts)
    if mount is None:
        return directory
    point, root = mount[0], mount[1]
    relative = directory[len(point.rstrip("/")):] or "/"
    return os.path.normpath(root.rstrip("/") + relative) if root != "/" else relative


def _fs_device(path: str, mounts: Sequence[tuple[str, str, str]]) -> str:
    mount = _mount_of(os.path.realpath(path), mounts)
    return mount[2] if mount else ""


def log_bytes(log_path: str) -> int:
    """Bytes of one container instance's log and its rotated files."""
    directory, base = os.path.split(log_path)
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if entry.name.startswith(base):
                with contextlib.suppress(OSError):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def tree_bytes(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


@dataclass(frozen=True)
class _Filesystem:
    device: str
    capacity: int
    inodes: int
    inodes_free: int

    def usage(self, used: int) -> FsUsage:
        return FsUsage(self.device, used, self.capacity, self.inodes, self.inodes_free)


def _pod_labels(c: ContainerStatus, cgroup: str) -> dict[str, str]:
    return {"container": "", "id": cgroup, "image": "", "name": "",
            "namespace": c.pod_namespace, "pod": c.pod_name}


def _container_labels(c: ContainerStatus, cgroup: str) -> dict[str, str]:
    return {"container": c.name, "id": cgroup, "image": c.image, "name": c.id,
            "namespace": c.pod_namespace, "pod": c.pod_name}


class CadvisorSource:
    def __init__(self, node_name: str, layout: Layout, runtime: Runtime,
                 machine: MachineFacts | None = None, *, network: NetworkSource = host_network,
                 mountinfo: str = "/proc/self/mountinfo",
                 clock: Callable[[], float] = time.time) -> None:
        self._node_name = node_name
        self._layout = layout
        self._runtime = runtime
        self._machine = machine
        self._network = network
        self._clock = clock
        self._mounts = mount_points(mountinfo)
        self._device = _fs_device(str(layout.root), self._mounts)
        self._pods_dir = str(layout.pods)
        self._paths: dict[str, CgroupPaths | None] = {}  # container id -> its cgroups
        self._specs: dict[str, cgroupstats.Spec] = {}  # cgroup directory -> its limits
        self._lock = asyncio.Lock()
        self._cached: tuple[float, bytes] | None = None

    async def scrape(self) -> bytes:
        """The current exposition; collected off the event loop, once per :data:`MAX_AGE`."""
        async with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < MAX_AGE:
                return self._cached[1]
            # The runtime's bookkeeping belongs to the loop: snapshot it here.
            containers = self._runtime.containers()
            usage = {} if self._runtime.cgroups_enabled else {
                c.id: u for c in containers if c.running
                and (u := self._runtime.usage(c.id)) is not None}
            body = await asyncio.to_thread(self.render, containers, usage)
            self._cached = (time.monotonic(), body)
            return body

    def render(self, containers: Sequence[ContainerStatus], usage: dict | None = None) -> bytes:
        series, failed = self.collect(containers, usage or {})
        return render(series, self._machine, scrape_error=failed).encode()

    def collect(self, containers: Sequence[ContainerStatus], usage: dict
                ) -> tuple[list[CgroupSeries], bool]:
        """Every cgroup's series, and whether reading any of them failed unexpectedly."""
        fs = self._filesystem()
        by_pod: dict[str, list[ContainerStatus]] = {}
        for c in containers:
            by_pod.setdefault(c.pod_uid, []).append(c)
        out: list[CgroupSeries] = []
        failed = False
        seen: set[str] = set()
        for uid, members in by_pod.items():
            try:
                out.extend(self._pod_series(uid, members, usage, fs, seen))
            except Exception:  # one pod's trouble must not cost the node its metrics
                log.exception("reading the cgroups of pod %s failed", uid)
                failed = True
        for key in [k for k in self._specs if k not in seen]:
            del self._specs[key]
        known = {c.id for c in containers}
        for key in [k for k in self._paths if k not in known]:
            del self._paths[key]
        return out, failed

    def _pod_series(self, uid: str, members: list[ContainerStatus], usage: dict,
                    fs: _Filesystem | None, seen: set[str]) -> list[CgroupSeries]:
        out: list[CgroupSeries] = []
        pod_paths: CgroupPaths | None = None
        fallback: list[cgroupstats.Stats] = []
        for c in members:
            paths = self._cgroups(c.id)
            if paths is not None:
                series = self._cgroup_series(paths, _container_labels, c, seen)
                pod_paths = pod_paths or cgroupstats.parent(paths)
            elif (reading := usage.get(c.id)) is not None:
                stats = cgroupstats.Stats(
                    cpu_usage_ns=reading.cpu_ns, memory_usage=reading.memory_usage,
                    memory_rss=reading.rss, memory_inactive_file=max(
                        reading.memory_usage - reading.working_set, 0),
                    pgfault=reading.page_faults, pgmajfault=reading.major_page_faults,
                    hierarchical_pgfault=reading.page_faults,
                    hierarchical_pgmajfault=reading.major_page_faults,
                    processes=reading.processes)
                fallback.append(stats)
                series = CgroupSeries(_container_labels(c, self._fallback_id(uid, c.id)),
                                      c.created_at, reading.timestamp, stats)
            else:
                continue
            if series is not None:
                if fs is not None:
                    series = replace(series, filesystems=(fs.usage(log_bytes(c.log_path)),))
                out.append(series)
        first = min(members, key=lambda c: c.created_at)
        if pod_paths is not None:
            pod = self._cgroup_series(pod_paths, _pod_labels, first, seen)
        elif fallback:
            pod = CgroupSeries(_pod_labels(first, self._fallback_id(uid)), first.created_at,
                               self._clock(), cgroupstats.add(fallback))
        else:
            pod = None
        if pod is not None:
            volumes = os.path.join(self._pods_dir, uid, "volumes", PLUGINS["emptyDir"])
            filesystems = (fs.usage(tree_bytes(volumes)),) if fs is not None else ()
            out.append(replace(pod, filesystems=filesystems,
                               network=self._network(uid)))
        return out

    def _cgroup_series(self, paths: CgroupPaths, labels: Callable, c: ContainerStatus,
                       seen: set[str]) -> CgroupSeries | None:
        key = paths.dirs[0][1]
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = cgroupstats.read_spec(paths)
        stats = cgroupstats.read_stats(paths, with_cfs=spec.cpu_quota != 0)
        if stats is None:  # removed meanwhile
            self._specs.pop(key, None)
            return None
        seen.add(key)
        memory_dir = paths.dir("memory") or key
        return CgroupSeries(labels(c, cgroup_id(memory_dir, self._mounts)), c.created_at,
                            self._clock(), stats, spec)

    def _cgroups(self, container_id: str) -> CgroupPaths | None:
        """The container's cgroups from the runtime's config file (written once)."""
        if container_id not in self._paths:
            try:
                config = json.loads((self._layout.containers / container_id / CONFIG)
                                    .read_text())
                self._paths[container_id] = CgroupPaths.from_json(config.get("cgroups"))
            except (OSError, ValueError):
                return None  # not written yet, or not this runtime: try again next time
        return self._paths[container_id]

    def _fallback_id(self, uid: str, container_id: str = "") -> str:
        # Where the container's cgroup would be: ids must be unique and stable per series.
        pod = f"/observe-{self._node_name}/pod{uid}"
        return f"{pod}/{container_id}" if container_id else pod

    def _filesystem(self) -> _Filesystem | None:
        try:
            st = os.statvfs(self._layout.root)
        except OSError:
            return None
        return _Filesystem(self._device, st.f_blocks * st.f_frsize, st.f_files, st.f_ffree)
