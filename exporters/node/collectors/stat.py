"""``stat`` collector: kernel-wide counters of /proc/stat — boot time, context switches,
forks, interrupts and the running/blocked process counts — and the parser of /proc/stat
that the ``cpu`` collector shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

# /proc/stat counts CPU time in USER_HZ ticks, which the kernel fixes at 100 for userspace.
USER_HZ = 100.0
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
GUEST_MODES = ("user", "nice")  # the columns guest and guest_nice


@dataclass
class ProcStat:
    cpus: dict[str, list[float]] = field(default_factory=dict)
    """Per CPU number, the tick columns in seconds (user ... steal, guest, guest_nice)."""
    counters: dict[str, int] = field(default_factory=dict)
    """Single-value lines: btime, ctxt, processes, procs_running, procs_blocked, intr."""


def parse_proc_stat(text: str) -> ProcStat:
    stat = ProcStat()
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        values = rest.split()
        if not values:
            continue
        if key.startswith("cpu") and key != "cpu":
            ticks = [float(v) / USER_HZ for v in values]
            stat.cpus[key[3:]] = ticks + [0.0] * (10 - len(ticks))  # old kernels: fewer
        elif key in ("btime", "ctxt", "processes", "procs_running", "procs_blocked", "intr"):
            stat.counters[key] = int(values[0])  # intr: the total precedes per-IRQ counts
    return stat


class StatCollector:
    name = "stat"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("stat")

    def collect(self) -> Iterable[Metric]:
        counters = parse_proc_stat(read_text(self._path)).counters
        families = (
            (GaugeMetricFamily, "node_boot_time_seconds", "btime",
             "When the node booted, in seconds since the Unix epoch."),
            (CounterMetricFamily, "node_context_switches_total", "ctxt",
             "Context switches since boot."),
            (CounterMetricFamily, "node_forks_total", "processes",
             "Processes and threads created since boot."),
            (CounterMetricFamily, "node_intr_total", "intr",
             "Interrupts serviced since boot."),
            (GaugeMetricFamily, "node_procs_running", "procs_running",
             "Processes currently runnable."),
            (GaugeMetricFamily, "node_procs_blocked", "procs_blocked",
             "Processes currently blocked waiting for I/O."),
        )
        for family, name, key, doc in families:
            if key in counters:
                yield family(name, doc, value=counters[key])
