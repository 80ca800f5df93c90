"""What the node exporter reads once at start-up and hands to every collector: where the
proc, sys and root filesystems are (so a containerised exporter can read the host's through
bind mounts, and tests can point it at fixture trees) and which devices and fields each
collector leaves out.

The exclusion defaults are node_exporter's, so both expose the same series on one machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MOUNT_POINTS_EXCLUDE = (
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)")
DEFAULT_FS_TYPES_EXCLUDE = (
    r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs"
    r"|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs"
    r"|squashfs|sysfs|tracefs)$")
DEFAULT_DISKSTATS_DEVICE_EXCLUDE = r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"
DEFAULT_NETDEV_DEVICE_EXCLUDE = r"^lo$"
DEFAULT_NETCLASS_IGNORED_DEVICES = r"^$"
DEFAULT_NETSTAT_FIELDS = (
    r"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
    r"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)"
    r"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
    r"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$")
DEFAULT_VMSTAT_FIELDS = r"^(oom_kill|pgpg|pswp|pg.*fault).*"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


@dataclass(frozen=True)
class NodeExporterConfig:
    """Paths and filters shared by the collectors."""

    procfs: Path = Path("/proc")
    """Mount point of the proc filesystem to read (the host's, when containerised)."""
    sysfs: Path = Path("/sys")
    """Mount point of the sys filesystem to read."""
    rootfs: Path = Path("/")
    """Where the host's root filesystem is visible; stripped from reported mount points."""
    udev_data: Path = Path("/run/udev/data")
    """udev's database, source of the disk model/serial/path labels of ``node_disk_info``."""
    mount_points_exclude: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_MOUNT_POINTS_EXCLUDE))
    """Mount points the filesystem collector leaves out."""
    fs_types_exclude: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_FS_TYPES_EXCLUDE))
    """Filesystem types the filesystem collector leaves out."""
    diskstats_device_exclude: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_DISKSTATS_DEVICE_EXCLUDE))
    """Block devices the diskstats collector leaves out (partitions, loop and ram disks)."""
    netdev_device_exclude: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_NETDEV_DEVICE_EXCLUDE))
    """Network devices whose traffic counters are left out."""
    netclass_ignored_devices: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_NETCLASS_IGNORED_DEVICES))
    """Network devices whose sysfs properties are left out."""
    netstat_fields: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_NETSTAT_FIELDS))
    """``Protocol_Field`` names of the protocol counters to expose."""
    vmstat_fields: re.Pattern[str] = field(
        default_factory=lambda: _pattern(DEFAULT_VMSTAT_FIELDS))
    """/proc/vmstat fields to expose."""
    textfile_directory: Path | None = None
    """Directory of ``*.prom`` files (Prometheus text format) written by cron jobs and
    scripts, exposed as they are; None leaves the textfile collector with nothing to do."""
    filesystem_statfs_timeout: float = 5.0
    """Seconds a filesystem may take to answer statfs before it is reported as erroring
    (a hung network mount must not hang the scrape)."""

    def proc(self, *parts: str) -> Path:
        return self.procfs.joinpath(*parts)

    def sys(self, *parts: str) -> Path:
        return self.sysfs.joinpath(*parts)

    def root(self, path: str) -> Path:
        return self.rootfs / path.lstrip("/")
