"""``/stats/summary``: node, pod and container resource usage in the kubelet's Summary API
shape (``stats/v1alpha1``), which metrics-server-style consumers and the pod exporter read.

Container usage comes from the runtime (cgroups, or psutil over the process tree); the node's
from psutil. CPU is reported both as a cumulative ``usageCoreNanoSeconds`` and as a rate,
``usageNanoCores``, over the interval since the previous sample (taken by the background
sampler every :data:`SAMPLE_PERIOD` seconds and by each request), as cAdvisor does.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from observe.kubelet.layout import Layout
from observe.kubelet.runtime.types import ContainerStatus, ContainerUsage, Runtime

Object = dict[str, Any]
SAMPLE_PERIOD = 10.0
MIN_RATE_INTERVAL = 1.0


def _rfc3339(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass
class _Sample:
    at: float
    cpu_ns: int
    rate: int | None = None


class CpuRates:
    """Per-key CPU rate from successive cumulative readings."""

    def __init__(self) -> None:
        self._samples: dict[str, _Sample] = {}

    def update(self, key: str, at: float, cpu_ns: int) -> int | None:
        previous = self._samples.get(key)
        if previous is None:
            self._samples[key] = _Sample(at, cpu_ns)
            return None
        if at - previous.at < MIN_RATE_INTERVAL:
            return previous.rate
        rate = max(int((cpu_ns - previous.cpu_ns) / (at - previous.at)), 0)
        self._samples[key] = _Sample(at, cpu_ns, rate)
        return rate

    def retain(self, keys: set[str]) -> None:
        for key in [k for k in self._samples if k not in keys]:
            del self._samples[key]


def fs_stats(path: str, at: float, used: int | None = None) -> Object:
    try:
        st = os.statvfs(path)
    except OSError:
        return {"time": _rfc3339(at)}
    capacity, available = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
    return {"time": _rfc3339(at), "availableBytes": available, "capacityBytes": capacity,
            "usedBytes": used if used is not None else capacity - st.f_bfree * st.f_frsize,
            "inodesFree": st.f_favail, "inodes": st.f_files,
            "inodesUsed": st.f_files - st.f_ffree}


def du(path: Path) -> tuple[int, int]:
    """(bytes, inodes) under ``path``."""
    total = inodes = 0
    for root, dirs, files in os.walk(path):
        inodes += len(dirs) + len(files)
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total, inodes


def cpu_block(at: float, cpu_ns: int, rate: int | None) -> Object:
    block: Object = {"time": _rfc3339(at), "usageCoreNanoSeconds": cpu_ns}
    if rate is not None:
        block["usageNanoCores"] = rate
    return block


def memory_block(at: float, usage: ContainerUsage | None, available: int | None = None
                 ) -> Object:
    block: Object = {"time": _rfc3339(at)}
    if usage is not None:
        block.update({"usageBytes": usage.memory_usage, "workingSetBytes": usage.working_set,
                      "rssBytes": usage.rss, "pageFaults": usage.page_faults,
                      "majorPageFaults": usage.major_page_faults})
    if available is not None:
        block["availableBytes"] = available
    return block


class StatsProvider:
    def __init__(self, node_name: str, layout: Layout, runtime: Runtime,
                 pods: Callable[[], Sequence[Object]]) -> None:
        self._node_name = node_name
        self._layout = layout
        self._runtime = runtime
        self._pods = pods
        self._rates = CpuRates()
        self._started = time.time()

    def sample(self) -> None:
        """Take a CPU reading of the node and of every running container (for rates)."""
        now = time.time()
        self._rates.update("node", now, _node_cpu_ns())
        keys = {"node"}
        for c in self._runtime.containers():
            if c.running and (usage := self._runtime.usage(c.id)) is not None:
                self._rates.update(c.id, usage.timestamp, usage.cpu_ns)
                keys.add(c.id)
        self._rates.retain(keys)

    def summary(self) -> Object:
        now = time.time()
        containers = self._runtime.containers()
        return {"node": self._node(now), "pods": self._pod_stats(now, containers)}

    def _node(self, now: float) -> Object:
        memory = psutil.virtual_memory()
        cpu_ns = _node_cpu_ns()
        rate = self._rates.update("node", now, cpu_ns)
        nics = psutil.net_io_counters(pernic=True)
        interfaces = [{"name": name, "rxBytes": c.bytes_recv, "rxErrors": c.errin,
                       "txBytes": c.bytes_sent, "txErrors": c.errout}
                      for name, c in sorted(nics.items())]
        primary = next((i for i in interfaces if i["name"] != "lo"),
                       interfaces[0] if interfaces else None)
        root = str(self._layout.root)
        node: Object = {
            "nodeName": self._node_name,
            "systemContainers": [{
                "name": "kubelet", "startTime": _rfc3339(self._started),
                "cpu": cpu_block(now, int(sum(psutil.Process().cpu_times()[:2]) * 1e9), None),
                "memory": {"time": _rfc3339(now),
                           "usageBytes": psutil.Process().memory_info().rss,
                           "workingSetBytes": psutil.Process().memory_info().rss,
                           "rssBytes": psutil.Process().memory_info().rss}}],
            "startTime": _rfc3339(psutil.boot_time()),
            "cpu": cpu_block(now, cpu_ns, rate),
            "memory": {"time": _rfc3339(now), "availableBytes": memory.available,
                       "usageBytes": memory.total - memory.free,
                       "workingSetBytes": memory.total - memory.available,
                       "rssBytes": memory.used, "pageFaults": 0, "majorPageFaults": 0},
            "fs": fs_stats(root, now),
            "runtime": {"imageFs": fs_stats(root, now), "containerFs": fs_stats(root, now)},
            "rlimit": {"time": _rfc3339(now), "maxpid": _pid_max(),
                       "curproc": len(psutil.pids())},
        }
        if primary is not None:
            node["network"] = {"time": _rfc3339(now), **primary, "interfaces": interfaces}
        return node

    def _pod_stats(self, now: float, containers: Sequence[ContainerStatus]) -> list[Object]:
        by_pod: dict[str, list[ContainerStatus]] = {}
        for c in containers:
            if c.running:
                by_pod.setdefault(c.pod_uid, []).append(c)
        out = []
        for pod in self._pods():
            meta = pod.get("metadata") or {}
            uid = meta.get("uid", "")
            entries, pod_cpu, pod_mem = [], [0, 0, False], [0, 0, 0]
            processes = 0
            for c in by_pod.get(uid, []):
                usage = self._runtime.usage(c.id)
                rate = self._rates.update(c.id, usage.timestamp, usage.cpu_ns) if usage else None
                log_dir = Path(c.log_path).parent
                used, inodes = du(log_dir)
                entry: Object = {
                    "name": c.name, "startTime": _rfc3339(c.started_at or c.created_at),
                    "cpu": cpu_block(now, usage.cpu_ns if usage else 0, rate),
                    "memory": memory_block(now, usage),
                    "rootfs": {**fs_stats(str(self._layout.root), now, 0), "inodesUsed": 0},
                    "logs": {**fs_stats(str(log_dir), now, used), "inodesUsed": inodes},
                }
                entries.append(entry)
                if usage is not None:
                    pod_cpu[0] += usage.cpu_ns
                    pod_mem[0] += usage.memory_usage
                    pod_mem[1] += usage.working_set
                    pod_mem[2] += usage.rss
                    processes += usage.processes
                if rate is not None:
                    pod_cpu[1] += rate
                    pod_cpu[2] = True
            volumes = self._volume_stats(uid, now)
            ephemeral_used = sum(e["logs"].get("usedBytes", 0) for e in entries) + \
                sum(v.get("usedBytes", 0) for v in volumes)
            status = pod.get("status") or {}
            stats: Object = {
                "podRef": {"name": meta.get("name", ""), "namespace": meta.get("namespace", ""),
                           "uid": uid},
                "startTime": status.get("startTime") or meta.get("creationTimestamp", ""),
                "containers": entries,
                "cpu": cpu_block(now, pod_cpu[0], pod_cpu[1] if pod_cpu[2] else None),
                "memory": {"time": _rfc3339(now), "usageBytes": pod_mem[0],
                           "workingSetBytes": pod_mem[1], "rssBytes": pod_mem[2],
                           "pageFaults": 0, "majorPageFaults": 0},
                "volume": volumes,
                "ephemeral-storage": {**fs_stats(str(self._layout.root), now, ephemeral_used)},
                "process_stats": {"process_count": processes},
            }
            out.append(stats)
        return out

    def _volume_stats(self, uid: str, now: float) -> list[Object]:
        base = self._layout.pod_dir(uid) / "volumes"
        out = []
        if not base.is_dir():
            return out
        for plugin in sorted(base.iterdir()):
            for volume in sorted(plugin.iterdir()):
                used, inodes = du(volume)
                out.append({**fs_stats(str(volume), now, used), "inodesUsed": inodes,
                            "name": volume.name})
        return out


def _node_cpu_ns() -> int:
    times = psutil.cpu_times()
    busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
    return int(busy * 1e9)


def _pid_max() -> int:
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 32768
