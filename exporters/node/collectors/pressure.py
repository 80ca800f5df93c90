"""``pressure`` collector: pressure stall information (PSI) of /proc/pressure as the total
seconds tasks waited for CPU, I/O and memory ("some") and the seconds no task could progress
("full"). The kernel counts in microseconds."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

# (resource, PSI line, metric, help). CPU's "full" line is not exposed, as in node_exporter.
FAMILIES = (
    ("cpu", "some", "node_pressure_cpu_waiting_seconds_total",
     "Seconds during which at least one task waited for a CPU."),
    ("io", "some", "node_pressure_io_waiting_seconds_total",
     "Seconds during which at least one task waited for I/O."),
    ("io", "full", "node_pressure_io_stalled_seconds_total",
     "Seconds during which every non-idle task was stalled on I/O."),
    ("memory", "some", "node_pressure_memory_waiting_seconds_total",
     "Seconds during which at least one task waited for memory."),
    ("memory", "full", "node_pressure_memory_stalled_seconds_total",
     "Seconds during which every non-idle task was stalled on memory."),
)


def parse_psi(text: str) -> dict[str, float]:
    """PSI line kind ("some", "full") → total stall in seconds."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        kind, *fields = line.split()
        for f in fields:
            key, _, value = f.partition("=")
            if key == "total":
                totals[kind] = int(value) / 1e6
    return totals


class PressureCollector:
    name = "pressure"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._dir = config.proc("pressure")

    def collect(self) -> Iterable[Metric]:
        psi = {r: parse_psi(read_text(self._dir / r)) for r in ("cpu", "io", "memory")}
        for resource, kind, name, doc in FAMILIES:
            if kind in psi[resource]:
                yield CounterMetricFamily(name, doc, value=psi[resource][kind])
