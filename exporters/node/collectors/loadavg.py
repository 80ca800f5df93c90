"""``loadavg`` collector: the 1, 5 and 15 minute load averages of /proc/loadavg."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


def parse_loadavg(text: str) -> tuple[float, float, float]:
    one, five, fifteen = (float(v) for v in text.split()[:3])
    return one, five, fifteen


class LoadavgCollector:
    name = "loadavg"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("loadavg")

    def collect(self) -> Iterable[Metric]:
        loads = parse_loadavg(read_text(self._path))
        for minutes, value in zip((1, 5, 15), loads, strict=True):
            yield GaugeMetricFamily(f"node_load{minutes}",
                                    f"Load average over the last {minutes} minute(s).",
                                    value=value)
