"""``entropy`` collector: the kernel random pool's available and total bits."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


class EntropyCollector:
    name = "entropy"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._dir = config.proc("sys", "kernel", "random")

    def collect(self) -> Iterable[Metric]:
        available = int(read_text(self._dir / "entropy_avail"))
        pool = int(read_text(self._dir / "poolsize"))
        yield GaugeMetricFamily("node_entropy_available_bits",
                                "Entropy the kernel random pool holds, in bits.",
                                value=available)
        yield GaugeMetricFamily("node_entropy_pool_size_bits",
                                "Size of the kernel random pool, in bits.", value=pool)
