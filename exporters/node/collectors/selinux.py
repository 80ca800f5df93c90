"""``selinux`` collector: whether SELinux is enabled and, when it is, its configured and
current modes (1 enforcing, 0 permissive)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collectors.osrelease import parse_assignments
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_value


class SelinuxCollector:
    name = "selinux"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._enforce = config.sys("fs", "selinux", "enforce")
        self._config = config.root("etc/selinux/config")

    def collect(self) -> Iterable[Metric]:
        enforce = read_value(self._enforce)
        yield GaugeMetricFamily("node_selinux_enabled",
                                "1 when SELinux is enabled, else 0.",
                                value=0 if enforce is None else 1)
        if enforce is None:
            return
        yield GaugeMetricFamily("node_selinux_current_mode",
                                "SELinux's current mode: 1 enforcing, 0 permissive.",
                                value=int(enforce))
        configured = parse_assignments(read_value(self._config) or "").get("selinux", "")
        yield GaugeMetricFamily("node_selinux_config_mode",
                                "SELinux's configured mode: 1 enforcing, 0 permissive, "
                                "-1 disabled.",
                                value={"enforcing": 1, "permissive": 0}.get(configured, -1))
