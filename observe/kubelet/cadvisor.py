"""``/metrics/cadvisor``: container usage in cAdvisor's metric names, types, help texts and
labels, as the kubelet serves it, so kube-prometheus' rules and dashboards work unchanged.

This module is the data model and the exposition, pure: a :class:`CgroupSeries` per cgroup
(cAdvisor's ``ContainerInfo``: identity labels, spec, latest stats, filesystems, network) in,
Prometheus text out. :mod:`observe.kubelet.cadvisorsource` reads the node into series.

What the kubelet's cAdvisor emits, and so what this does:

- Every series carries ``container, id, image, name, namespace, pod`` (blank when unknown),
  label names sorted, families sorted by name, as client_golang writes them.
- One series per container cgroup (``container`` set, ``name`` the container id) and one per
  pod cgroup (``container=""``, ``image=""``, ``name=""``). No ``POD``/pause series: like a
  containerd node, whose sandboxes carry no container name, and here there is no sandbox.
- Usage samples carry the millisecond timestamp of their reading, as cAdvisor's do; spec
  samples (``container_spec_*``, ``container_start_time_seconds``) and the machine and
  version families carry none. A consequence Prometheus users know from cAdvisor: a series
  that disappears is not marked stale at once.
- ``container_cpu_usage_seconds_total`` has ``cpu="total"`` (the kubelet turns per-CPU
  usage off); the ``container_cpu_cfs_*`` families appear only for cgroups with a CPU
  quota; spec memory limits above 2^62 ("unlimited") read 0.
- Network families are per pod, on the pod-level series, never per container (which would
  double-count in ``sum by (pod)``); a pod sharing the host's network namespace has none.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from observe.kubelet.cgroupstats import Spec, Stats
from observe.kubelet.promtext import go_float, pair

BASE_LABELS = ("container", "id", "image", "name", "namespace", "pod")
UNLIMITED_MEMORY = 1 << 62
COUNTER, GAUGE = "counter", "gauge"


@dataclass(frozen=True)
class FsUsage:
    device: str
    usage: int
    limit: int
    inodes: int
    inodes_free: int


@dataclass(frozen=True)
class Interface:
    name: str
    rx_bytes: int = 0
    rx_packets: int = 0
    rx_dropped: int = 0
    rx_errors: int = 0
    tx_bytes: int = 0
    tx_packets: int = 0
    tx_dropped: int = 0
    tx_errors: int = 0


@dataclass(frozen=True)
class CgroupSeries:
    """One cgroup as cAdvisor reports it. ``labels`` maps each of :data:`BASE_LABELS`;
    ``timestamp`` (seconds) is when ``stats`` were read."""

    labels: dict[str, str]
    start_time: float
    timestamp: float
    stats: Stats
    spec: Spec | None = None
    filesystems: tuple[FsUsage, ...] = ()
    network: tuple[Interface, ...] = ()

    @property
    def cpu_quota(self) -> bool:
        return self.spec is not None and self.spec.cpu_quota != 0


@dataclass(frozen=True)
class MachineFacts:
    machine_id: str
    system_uuid: str
    boot_id: str
    kernel_version: str
    os_version: str
    cpu_cores: int
    cpu_physical_cores: int
    memory_bytes: int


Values = Iterable[tuple[tuple[str, ...], float]]  # (extra label values, value)


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    type: str
    values: Callable[[CgroupSeries], Values]
    extra_labels: tuple[str, ...] = ()
    when: Callable[[CgroupSeries], bool] = field(default=lambda s: True)
    timestamped: bool = True


def _one(get: Callable[[CgroupSeries], float]) -> Callable[[CgroupSeries], Values]:
    return lambda s: (((), get(s)),)


def _stat(name: str, scale: float = 1.0) -> Callable[[CgroupSeries], Values]:
    return _one(lambda s: getattr(s.stats, name) * scale)


def _spec_memory(name: str) -> Callable[[CgroupSeries], Values]:
    def values(s: CgroupSeries) -> Values:
        value = getattr(s.spec, name)
        return (((), 0 if value > UNLIMITED_MEMORY else value),)
    return values


def _fs(get: Callable[[FsUsage], int]) -> Callable[[CgroupSeries], Values]:
    return lambda s: [((fs.device,), get(fs)) for fs in s.filesystems]


def _net(get: Callable[[Interface], int]) -> Callable[[CgroupSeries], Values]:
    return lambda s: [((i.name,), get(i)) for i in s.network]


def _failures(s: CgroupSeries) -> Values:
    st = s.stats
    return ((("pgfault", "container"), st.pgfault), (("pgmajfault", "container"), st.pgmajfault),
            (("pgfault", "hierarchy"), st.hierarchical_pgfault),
            (("pgmajfault", "hierarchy"), st.hierarchical_pgmajfault))


def _has_spec(s: CgroupSeries) -> bool:
    return s.spec is not None


NS = 1e-9
FAMILIES: tuple[Family, ...] = tuple(sorted((
    Family("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
           COUNTER, lambda s: ((("total",), s.stats.cpu_usage_ns * NS),), ("cpu",)),
    Family("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
           COUNTER, _stat("cpu_user_ns", NS)),
    Family("container_cpu_system_seconds_total",
           "Cumulative system cpu time consumed in seconds.", COUNTER,
           _stat("cpu_system_ns", NS)),
    Family("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
           COUNTER, _stat("cfs_periods"), when=lambda s: s.cpu_quota),
    Family("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
           COUNTER, _stat("cfs_throttled_periods"), when=lambda s: s.cpu_quota),
    Family("container_cpu_cfs_throttled_seconds_total",
           "Total time duration the container has been throttled.", COUNTER,
           _stat("cfs_throttled_ns", NS), when=lambda s: s.cpu_quota),
    Family("container_memory_cache", "Number of bytes of page cache memory.", GAUGE,
           _stat("memory_cache")),
    Family("container_memory_rss", "Size of RSS in bytes.", GAUGE, _stat("memory_rss")),
    Family("container_memory_mapped_file", "Size of memory mapped files in bytes.", GAUGE,
           _stat("memory_mapped_file")),
    Family("container_memory_swap", "Container swap usage in bytes.", GAUGE,
           _stat("memory_swap")),
    Family("container_memory_failcnt", "Number of memory usage hits limits", COUNTER,
           _stat("memory_failcnt")),
    Family("container_memory_usage_bytes", "Current memory usage in bytes, including all "
           "memory regardless of when it was accessed", GAUGE, _stat("memory_usage")),
    Family("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", GAUGE,
           _stat("memory_max_usage")),
    Family("container_memory_working_set_bytes", "Current working set in bytes.", GAUGE,
           _one(lambda s: s.stats.memory_working_set)),
    Family("container_memory_total_active_file_bytes", "Current total active file in bytes.",
           GAUGE, _stat("memory_active_file")),
    Family("container_memory_total_inactive_file_bytes",
           "Current total inactive file in bytes.", GAUGE, _stat("memory_inactive_file")),
    Family("container_memory_failures_total", "Cumulative count of memory allocation failures.",
           COUNTER, _failures, ("failure_type", "scope")),
    Family("container_oom_events_total",
           "Count of out of memory events observed for the container", COUNTER,
           _stat("oom_events")),
    Family("container_processes", "Number of processes running inside the container.", GAUGE,
           _stat("processes")),
    Family("container_threads", "Number of threads running inside the container", GAUGE,
           _stat("threads")),
    Family("container_threads_max", "Maximum number of threads allowed inside the container, "
           "infinity if value is zero", GAUGE, _one(lambda s: s.spec.threads_max),
           when=_has_spec),
    Family("container_fs_inodes_free", "Number of available Inodes", GAUGE,
           _fs(lambda f: f.inodes_free), ("device",)),
    Family("container_fs_inodes_total", "Number of Inodes", GAUGE, _fs(lambda f: f.inodes),
           ("device",)),
    Family("container_fs_limit_bytes",
           "Number of bytes that can be consumed by the container on this filesystem.", GAUGE,
           _fs(lambda f: f.limit), ("device",)),
    Family("container_fs_usage_bytes",
           "Number of bytes that are consumed by the container on this filesystem.", GAUGE,
           _fs(lambda f: f.usage), ("device",)),
    Family("container_network_receive_bytes_total", "Cumulative count of bytes received",
           COUNTER, _net(lambda i: i.rx_bytes), ("interface",)),
    Family("container_network_receive_packets_total", "Cumulative count of packets received",
           COUNTER, _net(lambda i: i.rx_packets), ("interface",)),
    Family("container_network_receive_packets_dropped_total",
           "Cumulative count of packets dropped while receiving", COUNTER,
           _net(lambda i: i.rx_dropped), ("interface",)),
    Family("container_network_receive_errors_total",
           "Cumulative count of errors encountered while receiving", COUNTER,
           _net(lambda i: i.rx_errors), ("interface",)),
    Family("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
           COUNTER, _net(lambda i: i.tx_bytes), ("interface",)),
    Family("container_network_transmit_packets_total",
           "Cumulative count of packets transmitted", COUNTER, _net(lambda i: i.tx_packets),
           ("interface",)),
    Family("container_network_transmit_packets_dropped_total",
           "Cumulative count of packets dropped while transmitting", COUNTER,
           _net(lambda i: i.tx_dropped), ("interface",)),
    Family("container_network_transmit_errors_total",
           "Cumulative count of errors encountered while transmitting", COUNTER,
           _net(lambda i: i.tx_errors), ("interface",)),
    Family("container_last_seen", "Last time a container was seen by the exporter", GAUGE,
           _one(lambda s: int(s.timestamp))),
    Family("container_start_time_seconds",
           "Start time of the container since unix epoch in seconds.", GAUGE,
           _one(lambda s: int(s.start_time)), timestamped=False),
    Family("container_spec_cpu_period", "CPU period of the container.", GAUGE,
           _one(lambda s: s.spec.cpu_period), when=_has_spec, timestamped=False),
    Family("container_spec_cpu_quota", "CPU quota of the container.", GAUGE,
           _one(lambda s: s.spec.cpu_quota), when=lambda s: s.cpu_quota, timestamped=False),
    Family("container_spec_cpu_shares", "CPU share of the container.", GAUGE,
           _one(lambda s: s.spec.cpu_shares), when=_has_spec, timestamped=False),
    Family("container_spec_memory_limit_bytes", "Memory limit for the container.", GAUGE,
           _spec_memory("memory_limit"), when=_has_spec, timestamped=False),
    Family("container_spec_memory_reservation_limit_bytes",
           "Memory reservation limit for the container.", GAUGE,
           _spec_memory("memory_reservation"), when=_has_spec, timestamped=False),
    Family("container_spec_memory_swap_limit_bytes", "Memory swap limit for the container.",
           GAUGE, _spec_memory("memory_swap_limit"), when=_has_spec, timestamped=False),
), key=lambda f: f.name))


def _base_pairs(series: CgroupSeries) -> list[str]:
    return [pair(name, series.labels.get(name, "")) for name in BASE_LABELS]


def _family_lines(family: Family, series: Sequence[CgroupSeries],
                  pairs: Sequence[list[str]], joined: Sequence[str],
                  stamps: Sequence[str]) -> list[str]:
    # Insert from the right so that earlier slots keep their meaning.
    slots = sorted(((bisect.bisect(BASE_LABELS, extra), i)
                    for i, extra in enumerate(family.extra_labels)), reverse=True)
    opening = family.name + "{"
    lines: list[str] = []
    for s, base, rendered, stamp in zip(series, pairs, joined, stamps, strict=True):
        if not family.when(s):
            continue
        suffix = stamp if family.timestamped else "\n"
        for extras, value in family.values(s):
            if extras:
                labels = list(base)
                for slot, i in slots:
                    labels.insert(slot, pair(family.extra_labels[i], extras[i]))
                lines.append(f"{opening}{','.join(labels)}}} {go_float(value)}{suffix}")
            else:
                lines.append(f"{opening}{rendered}}} {go_float(value)}{suffix}")
    return lines


def _header(name: str, help_text: str, kind: str) -> str:
    return f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n"


def _machine(machine: MachineFacts) -> list[tuple[str, str]]:
    """(name, text) of the machine and version families (no timestamps, as upstream)."""
    ids = (f'{pair("boot_id", machine.boot_id)},{pair("machine_id", machine.machine_id)},'
           f'{pair("system_uuid", machine.system_uuid)}')
    version = ",".join([pair("cadvisorRevision", ""), pair("cadvisorVersion", ""),
                        pair("dockerVersion", ""), pair("kernelVersion", machine.kernel_version),
                        pair("osVersion", machine.os_version)])
    facts = [("machine_cpu_cores", "Number of logical CPU cores.", machine.cpu_cores),
             ("machine_cpu_physical_cores", "Number of physical CPU cores.",
              machine.cpu_physical_cores),
             ("machine_memory_bytes", "Amount of memory installed on the machine.",
              machine.memory_bytes)]
    out = [(name, _header(name, text, GAUGE) + f"{name}{{{ids}}} {go_float(value)}\n")
           for name, text, value in facts]
    out.append(("cadvisor_version_info", _header(
        "cadvisor_version_info", "A metric with a constant '1' value labeled by kernel "
        "version, OS version, docker version, cadvisor version & cadvisor revision.", GAUGE)
        + f"cadvisor_version_info{{{version}}} 1\n"))
    return out


def render(series: Sequence[CgroupSeries], machine: MachineFacts | None = None,
           scrape_error: bool = False) -> str:
    """The text exposition of ``series`` (and of the machine, when given)."""
    ordered = sorted(series, key=lambda s: tuple(s.labels.get(n, "") for n in BASE_LABELS))
    pairs = [_base_pairs(s) for s in ordered]
    joined = [",".join(p) for p in pairs]
    stamps = [f" {int(s.timestamp * 1000)}\n" for s in ordered]
    blocks: list[tuple[str, str]] = []
    for family in FAMILIES:
        lines = _family_lines(family, ordered, pairs, joined, stamps)
        if lines:  # client_golang drops families without samples
            blocks.append((family.name, _header(family.name, family.help, family.type)
                           + "".join(lines)))
    blocks.append(("container_scrape_error", _header(
        "container_scrape_error",
        "1 if there was an error while getting container metrics, 0 otherwise", GAUGE)
        + f"container_scrape_error {1 if scrape_error else 0}\n"))
    if machine is not None:
        blocks.extend(_machine(machine))
    return "".join(text for _, text in sorted(blocks))
