"""The shipper's ``/metrics``: a collector that reads the pipeline's counters at scrape time.

Nothing is counted twice: the tailer and the delivery loop keep plain integers on the hot
path, and this collector turns a snapshot of them into metric families (the
``prometheus_client`` custom-collector pattern), so a scrape costs nothing per log line.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from observe.shipper.shipper import Shipper

PREFIX = "observe_shipper"


class ShipperCollector(Collector):
    def __init__(self, shipper: Shipper) -> None:
        self.shipper = shipper

    def collect(self) -> Iterator[Metric]:
        shipper = self.shipper
        tailer = shipper.tailer
        stats = shipper.delivery.stats
        output = shipper.output.name
        yield _counter("lines_read", "Complete lines read from log files.", tailer.lines_read)
        yield _counter("bytes_read", "Bytes read from log files.", tailer.bytes_read)
        shipped = CounterMetricFamily(f"{PREFIX}_records_shipped",
                                      "Records the output acknowledged, by outcome "
                                      "(duplicate: already stored by an earlier send).",
                                      labels=["output", "outcome"])
        shipped.add_metric([output, "delivered"], stats.records_delivered)
        shipped.add_metric([output, "duplicate"], stats.records_duplicate)
        yield shipped
        yield _counter("retries", "Records sent again (429/5xx items, or whole batches "
                       "while the output was unavailable).", stats.retries, output)
        yield _counter("dead_lettered", "Records the store refused for good, written to the "
                       "dead letters.", stats.records_dead_lettered, output)
        yield _counter("records_excluded", "Records not shipped because of an "
                       "observe.io/exclude annotation.", shipper.records_excluded)
        up = GaugeMetricFamily(f"{PREFIX}_output_up",
                               "1 while the last request to the output got through.",
                               labels=["output"])
        up.add_metric([output], 1 if stats.output_up else 0)
        yield up
        yield GaugeMetricFamily(f"{PREFIX}_inflight_bytes",
                                "Bytes of records read but not yet acknowledged.",
                                value=shipper.delivery.inflight_bytes)
        yield GaugeMetricFamily(f"{PREFIX}_files_open", "Log files being read.",
                                value=len(tailer.files))
        lag = GaugeMetricFamily(f"{PREFIX}_file_lag_bytes",
                                "Bytes of a file not yet acknowledged by the output.",
                                labels=["path"])
        total = 0
        for state in list(tailer.files.values()):
            behind = state.lag_bytes()
            total += behind
            lag.add_metric([state.path], behind)
        yield lag
        yield GaugeMetricFamily(f"{PREFIX}_lag_bytes",
                                "Bytes of all files not yet acknowledged by the output.",
                                value=total)


def _counter(name: str, documentation: str, value: float,
             output: str | None = None) -> CounterMetricFamily:
    if output is None:
        return CounterMetricFamily(f"{PREFIX}_{name}", documentation, value=value)
    family = CounterMetricFamily(f"{PREFIX}_{name}", documentation, labels=["output"])
    family.add_metric([output], value)
    return family
