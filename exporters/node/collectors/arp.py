"""``arp`` collector: the number of ARP table entries per device, from /proc/net/arp."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


def count_arp_entries(text: str) -> Counter[str]:
    # Columns: IP address, HW type, Flags, HW address, Mask, Device; one header line.
    return Counter(line.split()[5] for line in text.splitlines()[1:] if len(line.split()) >= 6)


class ArpCollector:
    name = "arp"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("net", "arp")

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("node_arp_entries", "ARP table entries of the device.",
                                   labels=["device"])
        for device, count in sorted(count_arp_entries(read_text(self._path)).items()):
            family.add_metric([device], count)
        yield family
