from __future__ import annotations

import dataclasses
import os
import threading

from exporters.node.collectors.filesystem import FilesystemCollector, parse_mounts
from tests.exporters.node.nodefs import values

MOUNTS = """\
proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw,relatime 0 0
tmpfs /dev/shm tmpfs rw,relatime 0 0
/dev/vda / ext4 rw,relatime,discard 0 0
/dev/vdb /srv/data ext4 ro,relatime 0 0
/dev/vdb /srv/data ext4 ro,relatime 0 0
tmpfs /run tmpfs rw,nosuid 0 0
tmpfs /run/credentials/x.service tmpfs ro 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
/dev/vdc /mnt/with\\040space xfs rw 0 0
nfs:/export /mnt/hung nfs rw 0 0
"""


def fake_statvfs(path: str) -> os.statvfs_result:
    # f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_flag,
    # f_namemax
    return os.statvfs_result((4096, 4096, 1000, 600, 500, 100, 40, 40, 0, 255))


def labels(device, fstype, mountpoint):
    return (("device", device), ("fstype", fstype), ("mountpoint", mountpoint))


def test_sizes_of_selected_mounts(node):
    node.write("proc/1/mounts", MOUNTS)
    seen: list[str] = []
    gate = threading.Event()

    def statvfs(path: str) -> os.statvfs_result:
        seen.append(path)
        if path.endswith("hung"):
            gate.wait(5)  # a hung network filesystem; released at the end of the test
        if path.endswith("space"):
            raise PermissionError(13, "Permission denied")
        return fake_statvfs(path)

    node.config = dataclasses.replace(node.config, filesystem_statfs_timeout=0.2)
    collector = FilesystemCollector(node.config, statvfs=statvfs)
    try:
        got = values(collector.collect())
        mountpoints = {dict(k[1])["mountpoint"] for k in got}
        # Excluded by mount point (/proc, /sys..., /dev..., /run/credentials, docker) or by
        # type (cgroup2); the duplicate /srv/data reported once.
        assert mountpoints == {"/", "/srv/data", "/run", "/mnt/with space", "/mnt/hung"}
        root = labels("/dev/vda", "ext4", "/")
        assert got[("node_filesystem_size_bytes", root)] == 1000 * 4096
        assert got[("node_filesystem_free_bytes", root)] == 600 * 4096
        assert got[("node_filesystem_avail_bytes", root)] == 500 * 4096
        assert got[("node_filesystem_files", root)] == 100
        assert got[("node_filesystem_files_free", root)] == 40
        assert got[("node_filesystem_readonly", root)] == 0
        assert got[("node_filesystem_device_error", root)] == 0
        assert got[("node_filesystem_readonly", labels("/dev/vdb", "ext4", "/srv/data"))] == 1
        for broken in (labels("/dev/vdc", "xfs", "/mnt/with space"),
                       labels("nfs:/export", "nfs", "/mnt/hung")):
            assert got[("node_filesystem_device_error", broken)] == 1
            assert ("node_filesystem_size_bytes", broken) not in got
        # statfs goes to the path under rootfs; a hung mount is not asked again while stuck.
        assert str(node.config.rootfs / "srv/data") in seen
        calls = seen.count(str(node.config.rootfs / "mnt/hung"))
        again = values(collector.collect())
        assert again[("node_filesystem_device_error",
                      labels("nfs:/export", "nfs", "/mnt/hung"))] == 1
        assert seen.count(str(node.config.rootfs / "mnt/hung")) == calls
    finally:
        gate.set()


def test_falls_back_to_own_mount_table(node):
    node.write("proc/self/mounts", "/dev/vda / ext4 rw 0 0\n")
    got = values(FilesystemCollector(node.config, statvfs=fake_statvfs).collect())
    assert ("node_filesystem_size_bytes", labels("/dev/vda", "ext4", "/")) in got


def test_rootfs_prefix_is_stripped(node):
    root = str(node.config.rootfs)
    node.write("proc/1/mounts", f"/dev/vda {root} ext4 rw 0 0\n/dev/vdb {root}/home ext4 rw 0 0\n")
    got = values(FilesystemCollector(node.config, statvfs=fake_statvfs).collect())
    assert {dict(k[1])["mountpoint"] for k in got} == {"/", "/home"}


def test_octal_escapes_in_mount_table():
    (mount,) = parse_mounts("/dev/sda1 /media/usb\\040stick\\011x vfat rw 0 0\n")
    assert mount.mountpoint == "/media/usb stick\tx"
