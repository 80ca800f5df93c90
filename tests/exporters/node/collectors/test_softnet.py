from __future__ import annotations

from exporters.node.collectors.softnet import SoftnetCollector
from tests.exporters.node.nodefs import values


def test_hex_counters_per_cpu(node):
    node.write("proc/net/softnet_stat",
               "0024a9f6 00000000 00000003 00000000 00000000 00000000\n"
               "001daa59 00000010 00000001 00000000 00000000 00000000\n")
    got = values(SoftnetCollector(node.config).collect())
    assert got == {
        ("node_softnet_processed_total", (("cpu", "0"),)): 0x24a9f6,
        ("node_softnet_processed_total", (("cpu", "1"),)): 0x1daa59,
        ("node_softnet_dropped_total", (("cpu", "0"),)): 0,
        ("node_softnet_dropped_total", (("cpu", "1"),)): 16,
        ("node_softnet_times_squeezed_total", (("cpu", "0"),)): 3,
        ("node_softnet_times_squeezed_total", (("cpu", "1"),)): 1}
