# ruff: noqa: E501 - kernel files are reproduced as the kernel writes them
from __future__ import annotations

from exporters.node.collectors.netdev import NetdevCollector
from tests.exporters.node.nodefs import families, values

NET_DEV = """\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  904060    8840    0    0    0     0          0         0   904060    8840    0    0    0     0       0          0
  eth0: 72133341    1945    1    2    3     4          5         6   118398    1180    7    8    9    10      11         12
"""


def test_counters_per_device_without_loopback(node):
    node.write("proc/net/dev", NET_DEV)
    node.write("sys/class/net/eth0/statistics/rx_nohandler", "13\n")
    out = list(NetdevCollector(node.config).collect())
    got = values(out)
    eth0 = (("device", "eth0"),)
    expected = {"receive_bytes": 72133341, "receive_packets": 1945, "receive_errs": 1,
                "receive_drop": 2, "receive_fifo": 3, "receive_frame": 4,
                "receive_compressed": 5, "receive_multicast": 6, "transmit_bytes": 118398,
                "transmit_packets": 1180, "transmit_errs": 7, "transmit_drop": 8,
                "transmit_fifo": 9, "transmit_colls": 10, "transmit_carrier": 11,
                "transmit_compressed": 12, "receive_nohandler": 13}
    assert got == {(f"node_network_{k}_total", eth0): v for k, v in expected.items()}
    assert {m.type for m in families(out).values()} == {"counter"}
