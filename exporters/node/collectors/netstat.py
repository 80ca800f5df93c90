"""``netstat`` collector: the selected protocol counters of /proc/net/netstat, snmp and
snmp6 as untyped ``node_netstat_<Protocol>_<Counter>`` (``Tcp_InSegs``, ``Ip6_InOctets``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from prometheus_client.core import UnknownMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import field_filter, read_text

Keep = Callable[[str], bool]


def parse_paired(text: str, keep: Keep) -> dict[str, float]:
    """netstat/snmp format: a ``Proto: names...`` line followed by ``Proto: values...``;
    only the ``Proto_Name`` counters ``keep`` accepts."""
    counters: dict[str, float] = {}
    lines = text.splitlines()
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        protocol, _, names = header.partition(":")
        for name, value in zip(names.split(), values.partition(":")[2].split(), strict=False):
            key = f"{protocol}_{name}"
            if keep(key):
                counters[key] = float(value)
    return counters


def parse_snmp6(text: str, keep: Keep) -> dict[str, float]:
    """snmp6 format: ``Ip6InOctets 128`` — the protocol ends at its first '6'."""
    counters: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or "6" not in parts[0]:
            continue
        protocol, _, name = parts[0].partition("6")
        key = f"{protocol}6_{name}"
        if keep(key):
            counters[key] = float(parts[1])
    return counters


def netstat_families(counters: dict[str, float]) -> list[Metric]:
    return [UnknownMetricFamily(f"node_netstat_{key}",
                                f"The {key.replace('_', ' ', 1)} protocol counter.", value=value)
            for key, value in counters.items()]


class NetstatCollector:
    name = "netstat"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._netstat = config.proc("net", "netstat")
        self._snmp = config.proc("net", "snmp")
        self._snmp6 = config.proc("net", "snmp6")
        self._keep = field_filter(config.netstat_fields)

    def collect(self) -> Iterable[Metric]:
        counters = parse_paired(read_text(self._netstat), self._keep)
        counters.update(parse_paired(read_text(self._snmp), self._keep))
        with contextlib.suppress(NoData):  # a kernel without IPv6 has no snmp6
            counters.update(parse_snmp6(read_text(self._snmp6), self._keep))
        return netstat_families(counters)
