"""``sockstat`` collector: socket counts per protocol and state from /proc/net/sockstat and
sockstat6 (``node_sockstat_<PROTOCOL>_<state>``), with the TCP and UDP memory also in
bytes (the kernel counts it in pages)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

PAGE_SIZE = os.sysconf("SC_PAGESIZE")


def parse_sockstat(text: str) -> dict[tuple[str, str], int]:
    """(protocol, state) → count, e.g. ``("TCP", "inuse"): 4``."""
    counts: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        protocol, _, rest = line.partition(":")
        fields = rest.split()
        for state, value in zip(fields[::2], fields[1::2], strict=False):
            counts[(protocol, state)] = int(value)
    return counts


def sockstat_families(counts: dict[tuple[str, str], int], page_size: int) -> list[Metric]:
    families: list[Metric] = []
    for (protocol, state), value in counts.items():
        if protocol == "sockets":
            families.append(GaugeMetricFamily("node_sockstat_sockets_used",
                                              "IPv4 sockets in use.", value=value))
            continue
        families.append(GaugeMetricFamily(f"node_sockstat_{protocol}_{state}",
                                          f"{protocol} sockets in state {state}.",
                                          value=value))
        if state == "mem" and protocol in ("TCP", "UDP"):
            families.append(GaugeMetricFamily(f"node_sockstat_{protocol}_mem_bytes",
                                              f"{protocol} socket memory in bytes.",
                                              value=value * page_size))
    return families


class SockstatCollector:
    name = "sockstat"

    def __init__(self, config: NodeExporterConfig, page_size: int = PAGE_SIZE) -> None:
        self._v4 = config.proc("net", "sockstat")
        self._v6 = config.proc("net", "sockstat6")
        self._page_size = page_size

    def collect(self) -> Iterable[Metric]:
        counts = parse_sockstat(read_text(self._v4))
        with contextlib.suppress(NoData):  # a kernel without IPv6 has no sockstat6
            counts.update(parse_sockstat(read_text(self._v6)))
        return sockstat_families(counts, self._page_size)
