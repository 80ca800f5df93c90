"""The node collectors, one module per subsystem, and the explicit registry of them.

``COLLECTORS`` maps each collector's name (node_exporter's name for the same subsystem,
which is also its ``collector`` label) to its class; :func:`build` makes the ones asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

from exporters.node.collector import Collector
from exporters.node.collectors.arp import ArpCollector
from exporters.node.collectors.conntrack import ConntrackCollector
from exporters.node.collectors.cpu import CpuCollector
from exporters.node.collectors.diskstats import DiskstatsCollector
from exporters.node.collectors.entropy import EntropyCollector
from exporters.node.collectors.filefd import FilefdCollector
from exporters.node.collectors.filesystem import FilesystemCollector
from exporters.node.collectors.loadavg import LoadavgCollector
from exporters.node.collectors.meminfo import MeminfoCollector
from exporters.node.collectors.netclass import NetclassCollector
from exporters.node.collectors.netdev import NetdevCollector
from exporters.node.collectors.netstat import NetstatCollector
from exporters.node.collectors.osrelease import OsCollector
from exporters.node.collectors.pressure import PressureCollector
from exporters.node.collectors.selinux import SelinuxCollector
from exporters.node.collectors.sockstat import SockstatCollector
from exporters.node.collectors.softnet import SoftnetCollector
from exporters.node.collectors.stat import StatCollector
from exporters.node.collectors.textfile import TextfileCollector
from exporters.node.collectors.time import TimeCollector
from exporters.node.collectors.timex import TimexCollector
from exporters.node.collectors.udp_queues import UdpQueuesCollector
from exporters.node.collectors.uname import UnameCollector
from exporters.node.collectors.vmstat import VmstatCollector
from exporters.node.config import NodeExporterConfig

COLLECTORS = {cls.name: cls for cls in (
    ArpCollector, ConntrackCollector, CpuCollector, DiskstatsCollector, EntropyCollector,
    FilefdCollector, FilesystemCollector, LoadavgCollector, MeminfoCollector,
    NetclassCollector, NetdevCollector, NetstatCollector, OsCollector, PressureCollector,
    SelinuxCollector, SockstatCollector, SoftnetCollector, StatCollector, TextfileCollector,
    TimeCollector, TimexCollector, UdpQueuesCollector, UnameCollector, VmstatCollector,
)}


def build(config: NodeExporterConfig, names: Iterable[str] | None = None
          ) -> dict[str, Collector]:
    """The named collectors (all of them when ``names`` is None), in the order given.

    Raises ValueError naming any unknown collector.
    """
    chosen = list(COLLECTORS) if names is None else list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in COLLECTORS]
    if unknown:
        raise ValueError(f"unknown collector(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(COLLECTORS))}")
    return {name: COLLECTORS[name](config) for name in chosen}
