"""``softnet`` collector: per-CPU packet processing counters of /proc/net/softnet_stat
(processed, dropped, and times the budget ran out)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

# (column, metric, help); the file is one row of hexadecimal columns per CPU.
COLUMNS = (
    (0, "node_softnet_processed_total", "Packets processed by the CPU's network softirq."),
    (1, "node_softnet_dropped_total", "Packets dropped because the CPU's backlog was full."),
    (2, "node_softnet_times_squeezed_total",
     "Times the CPU's network softirq ran out of budget with work left."),
)


def parse_softnet(text: str) -> list[list[int]]:
    return [[int(v, 16) for v in line.split()] for line in text.splitlines() if line.strip()]


class SoftnetCollector:
    name = "softnet"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("net", "softnet_stat")

    def collect(self) -> Iterable[Metric]:
        rows = parse_softnet(read_text(self._path))
        for column, name, doc in COLUMNS:
            family = CounterMetricFamily(name, doc, labels=["cpu"])
            for cpu, row in enumerate(rows):
                family.add_metric([str(cpu)], row[column])
            yield family
