"""``vmstat`` collector: the selected counters of /proc/vmstat (page faults, paging,
swapping and ``oom_kill``), untyped as node_exporter exposes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import UnknownMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import field_filter, read_text


def parse_vmstat(text: str, keep: Callable[[str], bool]) -> dict[str, float]:
    selected: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and keep(parts[0]):
            selected[parts[0]] = float(parts[1])
    return selected


class VmstatCollector:
    name = "vmstat"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("vmstat")
        self._keep = field_filter(config.vmstat_fields)

    def collect(self) -> Iterable[Metric]:
        for name, value in parse_vmstat(read_text(self._path), self._keep).items():
            yield UnknownMetricFamily(f"node_vmstat_{name}",
                                      f"The {name} counter of /proc/vmstat.", value=value)
