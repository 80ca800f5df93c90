from __future__ import annotations

from exporters.node.collectors.udp_queues import UdpQueuesCollector
from tests.exporters.node.nodefs import values

HEADER = ("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
          "  timeout inode ref pointer drops\n")
UDP = HEADER + (
    "  1: 0100007F:0035 00000000:0000 07 00000010:00000200 00:00000000 00000000  0 0 1 2 "
    "0000000000000000 0\n"
    "  2: 00000000:0044 00000000:0000 07 00000001:00000000 00:00000000 00000000  0 0 3 2 "
    "0000000000000000 0\n")


def test_queued_bytes_summed_per_ip_version(node):
    node.write("proc/net/udp", UDP)
    node.write("proc/net/udp6", HEADER)
    assert values(UdpQueuesCollector(node.config).collect()) == {
        ("node_udp_queues", (("ip", "v4"), ("queue", "rx"))): 0x200,
        ("node_udp_queues", (("ip", "v4"), ("queue", "tx"))): 0x11,
        ("node_udp_queues", (("ip", "v6"), ("queue", "rx"))): 0,
        ("node_udp_queues", (("ip", "v6"), ("queue", "tx"))): 0}
