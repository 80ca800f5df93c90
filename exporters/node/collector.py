"""The collector contract and the scrape that runs every collector.

A collector covers one subsystem (``cpu``, ``meminfo``, ...): built once from the
:class:`~exporters.node.config.NodeExporterConfig`, its ``collect()`` takes a quick snapshot
of its kernel files and yields metric families. :class:`NodeScrape` is the one object
registered with the prometheus_client registry; per scrape it runs each collector, keeps the
families of those that finished, and reports every collector in
``node_scrape_collector_success`` and ``node_scrape_collector_duration_seconds`` — so a
collector that fails costs its own families only, never the scrape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

log = logging.getLogger("exporters.node")


class NoData(Exception):
    """This machine has nothing for the collector to report (no such file, feature or
    device). Reported as an unsuccessful collector, logged quietly: it is not a fault."""


class Collector(Protocol):
    name: str

    def collect(self) -> Iterable[Metric]: ...


class NodeScrape:
    """A prometheus_client collector that runs the node collectors in order."""

    def __init__(self, collectors: Mapping[str, Collector],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._collectors = dict(collectors)
        self._clock = clock

    def describe(self) -> list[Metric]:
        # Nothing to declare up front: the families depend on what the machine has, and an
        # empty description keeps registration from running a whole scrape.
        return []

    def collect(self) -> Iterable[Metric]:
        duration = GaugeMetricFamily("node_scrape_collector_duration_seconds",
                                     "Seconds the collector took in this scrape.",
                                     labels=["collector"])
        success = GaugeMetricFamily("node_scrape_collector_success",
                                    "1 when the collector reported in this scrape, else 0.",
                                    labels=["collector"])
        for name, collector in self._collectors.items():
            start = self._clock()
            families, ok = _run(name, collector)
            duration.add_metric([name], self._clock() - start)
            success.add_metric([name], 1.0 if ok else 0.0)
            yield from families
        yield duration
        yield success


def _run(name: str, collector: Collector) -> tuple[list[Metric], bool]:
    try:
        # Materialised here so that a collector failing half-way contributes nothing.
        return list(collector.collect()), True
    except NoData as e:
        log.debug("collector %s has no data: %s", name, e)
    except Exception:
        log.exception("collector %s failed", name)
    return [], False
