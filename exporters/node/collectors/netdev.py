"""``netdev`` collector: traffic and error counters per network device, from /proc/net/dev
(``node_network_receive_*_total``, ``node_network_transmit_*_total``).

``receive_nohandler`` (packets no protocol wanted) is not a /proc/net/dev column; it comes
from the device's sysfs statistics, where the kernel publishes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text, read_value

RECEIVE = ("bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast")
TRANSMIT = ("bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed")
STATISTICS = tuple(f"receive_{c}" for c in RECEIVE) + tuple(f"transmit_{c}" for c in TRANSMIT)
DOCS = {
    "bytes": "Bytes", "packets": "Packets", "errs": "Errors detected by the driver on",
    "drop": "Packets dropped on", "fifo": "FIFO buffer errors on",
    "frame": "Framing errors on", "compressed": "Compressed packets",
    "multicast": "Multicast packets", "colls": "Collisions detected on",
    "carrier": "Carrier losses detected on", "nohandler": "Packets no protocol handled on",
}


def parse_net_dev(text: str) -> dict[str, dict[str, int]]:
    """Device → statistic (``receive_bytes`` ...) → value."""
    devices: dict[str, dict[str, int]] = {}
    for line in text.splitlines()[2:]:  # two header lines
        name, sep, rest = line.partition(":")
        if not sep:
            continue
        values = [int(v) for v in rest.split()]
        devices[name.strip()] = dict(zip(STATISTICS, values, strict=False))
    return devices


def netdev_families(devices: dict[str, dict[str, int]]) -> list[Metric]:
    families: dict[str, CounterMetricFamily] = {}
    for device, stats in devices.items():
        for stat, value in stats.items():
            family = families.get(stat)
            if family is None:
                direction, _, column = stat.partition("_")
                doc = f"{DOCS[column]} {'received' if direction == 'receive' else 'sent'}."
                family = families[stat] = CounterMetricFamily(
                    f"node_network_{stat}_total", doc, labels=["device"])
            family.add_metric([device], value)
    return list(families.values())


class NetdevCollector:
    name = "netdev"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("net", "dev")
        self._class_net = config.sys("class", "net")
        self._exclude = config.netdev_device_exclude

    def collect(self) -> Iterable[Metric]:
        devices = {name: stats for name, stats in parse_net_dev(read_text(self._path)).items()
                   if not self._exclude.search(name)}
        for name, stats in devices.items():
            nohandler = read_value(self._class_net / name / "statistics" / "rx_nohandler")
            if nohandler is not None:
                stats["receive_nohandler"] = int(nohandler)
        return netdev_families(devices)
