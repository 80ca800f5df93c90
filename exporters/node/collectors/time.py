"""``time`` collector: the system clock, its time zone offset, and the kernel's available
and current clock sources."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_value


class TimeCollector:
    name = "time"

    def __init__(self, config: NodeExporterConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self._clocksources = config.sys("devices", "system", "clocksource")
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        now = self._clock()
        yield GaugeMetricFamily("node_time_seconds",
                                "System clock, in seconds since the Unix epoch.", value=now)
        local = time.localtime(now)
        offset = GaugeMetricFamily("node_time_zone_offset_seconds",
                                   "Offset of the local time zone from UTC, in seconds.",
                                   labels=["time_zone"])
        offset.add_metric([local.tm_zone], local.tm_gmtoff)
        yield offset
        yield from self._clocksource_families()

    def _clocksource_families(self) -> Iterable[Metric]:
        available = GaugeMetricFamily("node_time_clocksource_available_info",
                                      "Constant 1 per clock source the kernel can use.",
                                      labels=["clocksource", "device"])
        current = GaugeMetricFamily("node_time_clocksource_current_info",
                                    "Constant 1 for the clock source the kernel uses.",
                                    labels=["clocksource", "device"])
        devices = (sorted(self._clocksources.glob("clocksource[0-9]*"))
                   if self._clocksources.is_dir() else [])
        for path in devices:
            device = path.name.removeprefix("clocksource")
            for source in (read_value(path / "available_clocksource") or "").split():
                available.add_metric([source, device], 1)
            for source in (read_value(path / "current_clocksource") or "").split():
                current.add_metric([source, device], 1)
        yield available
        yield current
