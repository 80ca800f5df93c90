# ruff: noqa: E501 - kernel files are reproduced as the kernel writes them
from __future__ import annotations

from exporters.node.collectors.diskstats import DiskstatsCollector
from tests.exporters.node.nodefs import families, values

DISKSTATS = """\
   7       0 loop0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 34751 9368 2781786 8979 5645 10874 3734896 14428 2 5864 23905 3644 65 98736 462 553 35
 254       1 vda1 100 0 800 5 0 0 0 0 0 4 5 0 0 0 0 0 0
 253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   8       0 sdx 5 1 16 7 2 0 8 3 0 10 10
"""


def test_counters_per_whole_device(node):
    node.write("proc/diskstats", DISKSTATS)
    node.write("udev/b254:0", "S:disk/by-path/virtio\nE:ID_PATH=pci-0000:00:05.0\n"
                              "E:ID_SERIAL_SHORT=abc123\nE:ID_MODEL=VirtIO\n")
    out = list(DiskstatsCollector(node.config).collect())
    got = values(out)
    vda = (("device", "vda"),)
    expected = {
        "node_disk_reads_completed_total": 34751, "node_disk_reads_merged_total": 9368,
        "node_disk_read_bytes_total": 2781786 * 512,
        "node_disk_read_time_seconds_total": 8.979,
        "node_disk_writes_completed_total": 5645, "node_disk_writes_merged_total": 10874,
        "node_disk_written_bytes_total": 3734896 * 512,
        "node_disk_write_time_seconds_total": 14.428, "node_disk_io_now": 2,
        "node_disk_io_time_seconds_total": 5.864,
        "node_disk_io_time_weighted_seconds_total": 23.905,
        "node_disk_discards_completed_total": 3644, "node_disk_discards_merged_total": 65,
        "node_disk_discarded_sectors_total": 98736,
        "node_disk_discard_time_seconds_total": 0.462,
        "node_disk_flush_requests_total": 553,
        "node_disk_flush_requests_time_seconds_total": 0.035,
    }
    for metric, want in expected.items():
        assert abs(got[(metric, vda)] - want) < 1e-9, metric
    devices = {dict(k[1])["device"] for k in got}
    assert devices == {"vda", "zram0", "sdx"}, "partitions and loop devices are left out"
    assert families(out)["node_disk_io_now"].type == "gauge"
    info = {k[1]: v for k, v in got.items() if k[0] == "node_disk_info"}
    assert info[(("device", "vda"), ("major", "254"), ("minor", "0"), ("model", "VirtIO"),
                 ("path", "pci-0000:00:05.0"), ("revision", ""), ("serial", "abc123"),
                 ("wwn", ""))] == 1


def test_columns_missing_on_old_kernels_give_no_samples(node):
    node.write("proc/diskstats", "   8       0 sdx 5 1 16 7 2 0 8 3 0 10 10\n")
    got = values(DiskstatsCollector(node.config).collect())
    assert ("node_disk_io_time_weighted_seconds_total", (("device", "sdx"),)) in got
    assert not any(k[0].startswith(("node_disk_discard", "node_disk_flush")) for k in got)
