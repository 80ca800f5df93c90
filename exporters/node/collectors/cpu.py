"""``cpu`` collector: seconds each CPU spent in each mode, from /proc/stat.

Guest time is also counted in user and nice (the kernel adds it there), so like
node_exporter it is exposed again on its own in ``node_cpu_guest_seconds_total``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collectors.stat import CPU_MODES, GUEST_MODES, parse_proc_stat
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


class CpuCollector:
    name = "cpu"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("stat")

    def collect(self) -> Iterable[Metric]:
        cpus = parse_proc_stat(read_text(self._path)).cpus
        seconds = CounterMetricFamily("node_cpu_seconds_total",
                                      "Seconds each CPU spent in each mode since boot.",
                                      labels=["cpu", "mode"])
        guest = CounterMetricFamily("node_cpu_guest_seconds_total",
                                    "Seconds each CPU spent running guests (VMs), by mode; "
                                    "also included in the user and nice modes.",
                                    labels=["cpu", "mode"])
        for cpu, ticks in cpus.items():
            for mode, value in zip(CPU_MODES, ticks, strict=False):
                seconds.add_metric([cpu, mode], value)
            for mode, value in zip(GUEST_MODES, ticks[len(CPU_MODES):], strict=False):
                guest.add_metric([cpu, mode], value)
        yield seconds
        yield guest
