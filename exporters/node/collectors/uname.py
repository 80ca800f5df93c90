"""``uname`` collector: ``node_uname_info``, the kernel's uname fields as labels."""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_value

LABELS = ("domainname", "machine", "nodename", "release", "sysname", "version")


class UnameCollector:
    name = "uname"

    def __init__(self, config: NodeExporterConfig) -> None:
        # os.uname() has no NIS domain name; the kernel publishes it here.
        self._domainname = config.proc("sys", "kernel", "domainname")

    def collect(self) -> Iterable[Metric]:
        u = os.uname()
        values = {"domainname": read_value(self._domainname) or "(none)",
                  "machine": u.machine, "nodename": u.nodename, "release": u.release,
                  "sysname": u.sysname, "version": u.version}
        info = GaugeMetricFamily("node_uname_info",
                                 "Constant 1, labelled with the kernel's uname fields.",
                                 labels=LABELS)
        info.add_metric([values[k] for k in LABELS], 1)
        yield info
