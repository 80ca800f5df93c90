"""``udp_queues`` collector: bytes queued in UDP sockets' receive and transmit buffers,
summed over sockets, for IPv4 and IPv6 (/proc/net/udp, udp6)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


def sum_udp_queues(text: str) -> tuple[int, int]:
    """(tx, rx) bytes; each socket line has ``tx_queue:rx_queue`` in hex as field 4."""
    tx = rx = 0
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 4:
            tx_hex, _, rx_hex = fields[4].partition(":")
            tx += int(tx_hex, 16)
            rx += int(rx_hex, 16)
    return tx, rx


class UdpQueuesCollector:
    name = "udp_queues"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._files = {"v4": config.proc("net", "udp"), "v6": config.proc("net", "udp6")}

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("node_udp_queues",
                                   "Bytes queued in UDP socket buffers, by IP version and "
                                   "queue.", labels=["ip", "queue"])
        found = False
        for ip, path in self._files.items():
            try:
                tx, rx = sum_udp_queues(read_text(path))
            except NoData:
                continue
            found = True
            family.add_metric([ip, "rx"], rx)
            family.add_metric([ip, "tx"], tx)
        if not found:
            raise NoData("neither /proc/net/udp nor udp6 exists")
        yield family
