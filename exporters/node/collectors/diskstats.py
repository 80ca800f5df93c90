"""``diskstats`` collector: I/O counters of each whole block device from /proc/diskstats,
plus ``node_disk_info`` with the identity udev recorded for it.

Columns the running kernel does not have (discards before 4.18, flushes before 5.5) give
no family rather than zeros. Sector counts are in the kernel's fixed 512-byte unit and times
in milliseconds, converted here to bytes and seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

SECTOR_BYTES = 512.0
MS = 0.001

# One entry per /proc/diskstats column after major, minor and name:
# (metric, type, scale, help). Discarded sectors stay in sectors, as node_exporter has them.
COLUMNS = (
    ("node_disk_reads_completed_total", "counter", 1, "Reads completed."),
    ("node_disk_reads_merged_total", "counter", 1, "Adjacent reads merged into one."),
    ("node_disk_read_bytes_total", "counter", SECTOR_BYTES, "Bytes read."),
    ("node_disk_read_time_seconds_total", "counter", MS, "Seconds spent by all reads."),
    ("node_disk_writes_completed_total", "counter", 1, "Writes completed."),
    ("node_disk_writes_merged_total", "counter", 1, "Adjacent writes merged into one."),
    ("node_disk_written_bytes_total", "counter", SECTOR_BYTES, "Bytes written."),
    ("node_disk_write_time_seconds_total", "counter", MS, "Seconds spent by all writes."),
    ("node_disk_io_now", "gauge", 1, "I/Os in progress now."),
    ("node_disk_io_time_seconds_total", "counter", MS,
     "Seconds during which the device had I/O in progress."),
    ("node_disk_io_time_weighted_seconds_total", "counter", MS,
     "Seconds spent doing I/O, weighted by the number of I/Os in progress."),
    ("node_disk_discards_completed_total", "counter", 1, "Discards completed."),
    ("node_disk_discards_merged_total", "counter", 1, "Adjacent discards merged into one."),
    ("node_disk_discarded_sectors_total", "counter", 1, "Sectors discarded."),
    ("node_disk_discard_time_seconds_total", "counter", MS,
     "Seconds spent by all discards."),
    ("node_disk_flush_requests_total", "counter", 1, "Flush requests completed."),
    ("node_disk_flush_requests_time_seconds_total", "counter", MS,
     "Seconds spent by all flush requests."),
)
INFO_LABELS = ("device", "major", "minor", "path", "wwn", "model", "serial", "revision")
# node_disk_info label → udev property.
UDEV_PROPERTIES = {"path": "ID_PATH", "wwn": "ID_WWN", "model": "ID_MODEL",
                   "serial": "ID_SERIAL_SHORT", "revision": "ID_REVISION"}


@dataclass(frozen=True)
class DiskStats:
    major: str
    minor: str
    device: str
    values: tuple[int, ...]


def parse_diskstats(text: str) -> list[DiskStats]:
    disks = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        disks.append(DiskStats(parts[0], parts[1], parts[2],
                               tuple(int(v) for v in parts[3:3 + len(COLUMNS)])))
    return disks


def parse_udev(text: str) -> dict[str, str]:
    """The ``E:KEY=value`` properties of one udev database entry."""
    properties = {}
    for line in text.splitlines():
        if line.startswith("E:"):
            key, _, value = line[2:].partition("=")
            properties[key] = value
    return properties


def disk_families(disks: Iterable[DiskStats],
                  udev: dict[str, dict[str, str]]) -> list[Metric]:
    families: list[Metric] = []
    for index, (name, kind, scale, doc) in enumerate(COLUMNS):
        cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
        family = cls(name, doc, labels=["device"])
        for disk in disks:
            if index < len(disk.values):
                family.add_metric([disk.device], disk.values[index] * scale)
        if family.samples:
            families.append(family)
    info = GaugeMetricFamily("node_disk_info",
                             "Constant 1, labelled with the block device's identity.",
                             labels=INFO_LABELS)
    for disk in disks:
        properties = udev.get(disk.device, {})
        labels = {"device": disk.device, "major": disk.major, "minor": disk.minor,
                  **{label: properties.get(key, "") for label, key in UDEV_PROPERTIES.items()}}
        info.add_metric([labels[k] for k in INFO_LABELS], 1)
    families.append(info)
    return families


class DiskstatsCollector:
    name = "diskstats"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("diskstats")
        self._udev_data = config.udev_data
        self._exclude = config.diskstats_device_exclude

    def collect(self) -> Iterable[Metric]:
        disks = [d for d in parse_diskstats(read_text(self._path))
                 if not self._exclude.search(d.device)]
        udev = {d.device: self._udev(d) for d in disks}
        return disk_families(disks, udev)

    def _udev(self, disk: DiskStats) -> dict[str, str]:
        path: Path = self._udev_data / f"b{disk.major}:{disk.minor}"
        try:
            return parse_udev(path.read_text(errors="replace"))
        except OSError:  # no udev on this machine: the identity labels stay empty
            return {}
