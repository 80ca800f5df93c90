"""``filesystem`` collector: size, free and available bytes, inodes and read-only state of
each mounted filesystem, labelled ``device``, ``fstype`` and ``mountpoint``.

Mounts come from PID 1's mount table (the host's view even when this process lives in
another mount namespace), falling back to our own. statfs runs on a worker thread with a
deadline: a hung network mount is reported in ``node_filesystem_device_error`` and skipped
until its pending statfs returns, instead of hanging every scrape.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

LABELS = ("device", "fstype", "mountpoint")


@dataclass(frozen=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str
    options: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [self.device, self.fstype, self.mountpoint]

    @property
    def readonly(self) -> bool:
        return "ro" in self.options


_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    # The mount table escapes space, tab, newline and backslash as octal (\040 ...).
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        mounts.append(Mount(_unescape(parts[0]), _unescape(parts[1]), parts[2],
                            tuple(parts[3].split(","))))
    return mounts


def selected_mounts(mounts: Iterable[Mount], config: NodeExporterConfig) -> list[Mount]:
    """The mounts to report: exclusions applied, rootfs prefix stripped, duplicates (the
    same filesystem mounted twice at one place) dropped."""
    root = str(config.rootfs).rstrip("/")
    seen: set[tuple[str, str, str]] = set()
    selected = []
    for mount in mounts:
        point = mount.mountpoint
        if root and (point == root or point.startswith(root + "/")):
            point = point[len(root):] or "/"
        if config.mount_points_exclude.search(point) or config.fs_types_exclude.search(
                mount.fstype):
            continue
        key = (mount.device, point, mount.fstype)
        if key in seen:
            continue
        seen.add(key)
        selected.append(Mount(mount.device, point, mount.fstype, mount.options))
    return selected


def mount_families(stats: Iterable[tuple[Mount, os.statvfs_result | None]]) -> list[Metric]:
    def family(name: str, doc: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=LABELS)

    error = family("node_filesystem_device_error",
                   "1 when the filesystem's statistics could not be read, else 0.")
    size = family("node_filesystem_size_bytes", "Size of the filesystem in bytes.")
    free = family("node_filesystem_free_bytes",
                  "Free bytes on the filesystem, including those reserved for root.")
    avail = family("node_filesystem_avail_bytes",
                   "Free bytes on the filesystem that unprivileged users may use.")
    files = family("node_filesystem_files", "Inodes (file nodes) of the filesystem.")
    files_free = family("node_filesystem_files_free", "Free inodes of the filesystem.")
    readonly = family("node_filesystem_readonly", "1 when mounted read-only, else 0.")
    for mount, st in stats:
        labels = mount.labels
        error.add_metric(labels, 0 if st is not None else 1)
        if st is None:
            continue
        size.add_metric(labels, st.f_blocks * st.f_bsize)
        free.add_metric(labels, st.f_bfree * st.f_bsize)
        avail.add_metric(labels, st.f_bavail * st.f_bsize)
        files.add_metric(labels, st.f_files)
        files_free.add_metric(labels, st.f_ffree)
        readonly.add_metric(labels, 1 if mount.readonly else 0)
    return [size, free, avail, files, files_free, readonly, error]


class FilesystemCollector:
    name = "filesystem"

    def __init__(self, config: NodeExporterConfig,
                 statvfs: Callable[[str], os.statvfs_result] = os.statvfs) -> None:
        self._config = config
        self._statvfs = statvfs
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="statfs")
        self._stuck: dict[str, Future[os.statvfs_result]] = {}

    def collect(self) -> Iterable[Metric]:
        mounts = selected_mounts(parse_mounts(self._mount_table()), self._config)
        return mount_families(zip(mounts, self._stat_all(mounts), strict=True))

    def _mount_table(self) -> str:
        try:
            return read_text(self._config.proc("1", "mounts"))
        except (NoData, PermissionError):
            return read_text(self._config.proc("self", "mounts"))

    def _stat_all(self, mounts: list[Mount]) -> list[os.statvfs_result | None]:
        """statfs of every mount, all at once under one deadline; None where it failed,
        timed out, or is still stuck from an earlier scrape."""
        pending: dict[str, Future[os.statvfs_result]] = {}
        for mount in mounts:
            stuck = self._stuck.get(mount.mountpoint)
            if stuck is not None:
                if not stuck.done():
                    continue
                del self._stuck[mount.mountpoint]
            pending[mount.mountpoint] = self._pool.submit(
                self._statvfs, str(self._config.root(mount.mountpoint)))
        _, late = wait(pending.values(), timeout=self._config.filesystem_statfs_timeout)
        for point, future in pending.items():
            if future in late:
                self._stuck[point] = future
        return [_result(pending.get(m.mountpoint)) for m in mounts]


def _result(future: Future[os.statvfs_result] | None) -> os.statvfs_result | None:
    if future is None or not future.done() or future.exception() is not None:
        return None
    return future.result()
