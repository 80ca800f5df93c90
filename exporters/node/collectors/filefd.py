"""``filefd`` collector: allocated and maximum file handles, from /proc/sys/fs/file-nr."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


def parse_file_nr(text: str) -> tuple[int, int]:
    """(allocated, maximum); the middle column is always 0 on modern kernels."""
    allocated, _unused, maximum = (int(v) for v in text.split()[:3])
    return allocated, maximum


class FilefdCollector:
    name = "filefd"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("sys", "fs", "file-nr")

    def collect(self) -> Iterable[Metric]:
        allocated, maximum = parse_file_nr(read_text(self._path))
        yield GaugeMetricFamily("node_filefd_allocated",
                                "File handles the kernel has allocated.", value=allocated)
        yield GaugeMetricFamily("node_filefd_maximum",
                                "Most file handles the kernel will allocate.", value=maximum)
