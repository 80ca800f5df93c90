from __future__ import annotations

from exporters.node.collectors.arp import ArpCollector
from tests.exporters.node.nodefs import values

ARP = """\
IP address       HW type     Flags       HW address            Mask     Device
192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
192.0.2.7        0x1         0x2         02:fc:00:00:00:07     *        eth0
198.51.100.1     0x1         0x2         02:fc:00:00:01:01     *        eth1
"""


def test_entries_per_device(node):
    node.write("proc/net/arp", ARP)
    assert values(ArpCollector(node.config).collect()) == {
        ("node_arp_entries", (("device", "eth0"),)): 2,
        ("node_arp_entries", (("device", "eth1"),)): 1}
