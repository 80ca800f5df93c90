"""``netclass`` collector: properties of each network interface from /sys/class/net —
link state, carrier, MTU, speed, flags, indexes — and ``node_network_info`` with its
addresses, duplex, alias and operational state.

An attribute the kernel refuses to report (carrier and speed answer EINVAL on an interface
that is down) gives no sample for that interface, as in node_exporter.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import parse_int, read_value

# (sysfs attribute, metric, type, help)
ATTRIBUTES = (
    ("addr_assign_type", "node_network_address_assign_type", "gauge",
     "How the interface's hardware address was assigned (0 permanent, 1 random, ...)."),
    ("carrier", "node_network_carrier", "gauge", "1 when the link has a carrier, else 0."),
    ("carrier_changes", "node_network_carrier_changes_total", "counter",
     "Times the link's carrier changed."),
    ("carrier_up_count", "node_network_carrier_up_changes_total", "counter",
     "Times the link's carrier came up."),
    ("carrier_down_count", "node_network_carrier_down_changes_total", "counter",
     "Times the link's carrier went down."),
    ("dev_id", "node_network_device_id", "gauge",
     "Identifier telling apart interfaces that share a hardware address."),
    ("dormant", "node_network_dormant", "gauge",
     "1 when the interface is dormant (waiting for an external event), else 0."),
    ("flags", "node_network_flags", "gauge", "The interface's flags (IFF_*) as a number."),
    ("ifindex", "node_network_iface_id", "gauge", "The interface's index."),
    ("iflink", "node_network_iface_link", "gauge",
     "Index of the interface this one sends through."),
    ("link_mode", "node_network_iface_link_mode", "gauge",
     "The interface's link mode (0 default, 1 dormant)."),
    ("mtu", "node_network_mtu_bytes", "gauge", "The interface's MTU, in bytes."),
    ("name_assign_type", "node_network_name_assign_type", "gauge",
     "How the interface's name was assigned (1 kernel, 2 predictable, 3 user, ...)."),
    ("netdev_group", "node_network_net_dev_group", "gauge", "The interface's device group."),
    ("type", "node_network_protocol_type", "gauge",
     "The interface's link-layer protocol (ARPHRD_*; 1 Ethernet, 772 loopback)."),
    ("tx_queue_len", "node_network_transmit_queue_length", "gauge",
     "Length of the interface's transmit queue, in packets."),
)
INFO_LABELS = ("address", "broadcast", "device", "duplex", "ifalias", "operstate")
INFO_ATTRIBUTES = ("address", "broadcast", "duplex", "ifalias", "operstate")
READ = (*(a for a, *_ in ATTRIBUTES), *INFO_ATTRIBUTES, "speed")


def interface_attributes(path: Path) -> dict[str, str]:
    # Plain string joins: about twenty files per interface, every scrape.
    base = f"{path}/"
    values = {name: read_value(base + name) for name in READ}
    return {name: value for name, value in values.items() if value is not None}


def netclass_families(interfaces: dict[str, dict[str, str]]) -> list[Metric]:
    families: list[Metric] = []
    for attribute, name, kind, doc in ATTRIBUTES:
        cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
        family = cls(name, doc, labels=["device"])
        for device, attrs in interfaces.items():
            if attrs.get(attribute):
                family.add_metric([device], parse_int(attrs[attribute]))
        families.append(family)
    info = GaugeMetricFamily("node_network_info",
                             "Constant 1, labelled with the interface's addresses and state.",
                             labels=INFO_LABELS)
    up = GaugeMetricFamily("node_network_up", "1 when the operational state is up, else 0.",
                           labels=["device"])
    speed = GaugeMetricFamily("node_network_speed_bytes",
                              "The link's speed in bytes per second.", labels=["device"])
    for device, attrs in interfaces.items():
        labels = {**{a: attrs.get(a, "") for a in INFO_ATTRIBUTES}, "device": device}
        info.add_metric([labels[k] for k in INFO_LABELS], 1)
        if "operstate" in attrs:
            up.add_metric([device], 1 if attrs["operstate"] == "up" else 0)
        if attrs.get("speed"):
            # sysfs gives Mbit/s; -1 (unknown) is kept, as node_exporter keeps it.
            speed.add_metric([device], int(attrs["speed"]) * 1000 * 1000 / 8)
    return [*families, info, up, speed]


class NetclassCollector:
    name = "netclass"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._dir = config.sys("class", "net")
        self._ignored = config.netclass_ignored_devices

    def collect(self) -> Iterable[Metric]:
        try:
            entries = sorted(self._dir.iterdir())
        except FileNotFoundError as e:
            raise NoData(f"{self._dir} does not exist") from e
        interfaces = {entry.name: interface_attributes(entry) for entry in entries
                      if entry.is_dir() and not self._ignored.search(entry.name)}
        return netclass_families(interfaces)
