"""``conntrack`` collector: the connection tracking table's size and limit, and its
event counters summed over CPUs (/proc/net/stat/nf_conntrack). No netfilter, no data."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

# (column of nf_conntrack stat, help); each becomes node_nf_conntrack_stat_<column>.
STAT_COLUMNS = (
    ("found", "Connection lookups that found an entry."),
    ("invalid", "Packets that could not be tracked."),
    ("ignore", "Packets that were already tracked."),
    ("insert", "Entries inserted into the table."),
    ("insert_failed", "Entries whose insertion failed."),
    ("drop", "Packets dropped because tracking failed."),
    ("early_drop", "Entries dropped to make room when the table was full."),
    ("search_restart", "Table lookups restarted because the table was resized."),
)


def parse_conntrack_stat(text: str) -> dict[str, int]:
    """Column → sum over the per-CPU rows (hexadecimal values under a header row)."""
    lines = text.splitlines()
    if not lines:
        return {}
    names = lines[0].split()
    totals = dict.fromkeys(names, 0)
    for line in lines[1:]:
        for name, value in zip(names, line.split(), strict=False):
            totals[name] += int(value, 16)
    return totals


class ConntrackCollector:
    name = "conntrack"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._netfilter = config.proc("sys", "net", "netfilter")
        self._stat = config.proc("net", "stat", "nf_conntrack")

    def collect(self) -> Iterable[Metric]:
        count = int(read_text(self._netfilter / "nf_conntrack_count"))
        limit = int(read_text(self._netfilter / "nf_conntrack_max"))
        families: list[Metric] = [
            GaugeMetricFamily("node_nf_conntrack_entries",
                              "Connections the tracking table holds now.", value=count),
            GaugeMetricFamily("node_nf_conntrack_entries_limit",
                              "Most connections the tracking table can hold.", value=limit),
        ]
        try:
            totals = parse_conntrack_stat(read_text(self._stat))
        except NoData:
            return families
        families.extend(GaugeMetricFamily(f"node_nf_conntrack_stat_{column}", doc,
                                          value=totals[column])
                        for column, doc in STAT_COLUMNS if column in totals)
        return families
