from __future__ import annotations

import pytest

from exporters.node.collector import NoData
from exporters.node.collectors.netclass import NetclassCollector
from tests.exporters.node.nodefs import values

ETH0 = {"addr_assign_type": "0", "address": "02:fc:00:00:00:01",
        "broadcast": "ff:ff:ff:ff:ff:ff", "carrier": "1", "carrier_changes": "2",
        "carrier_up_count": "1", "carrier_down_count": "1", "dev_id": "0x0", "dormant": "0",
        "duplex": "full", "flags": "0x1003", "ifalias": "", "ifindex": "4", "iflink": "4",
        "link_mode": "0", "mtu": "1400", "name_assign_type": "1", "netdev_group": "0",
        "operstate": "up", "speed": "1000", "tx_queue_len": "1000", "type": "1"}
# A down interface: the kernel refuses carrier, speed, duplex, dormant (EINVAL); a test
# tree simply lacks those files.
IFB0 = {"addr_assign_type": "1", "address": "7a:e8:3c:f8:7a:b4", "operstate": "down",
        "flags": "0x82", "mtu": "1500", "type": "1", "ifindex": "2", "iflink": "2"}


def test_properties_per_interface(node):
    for device, attrs in (("eth0", ETH0), ("ifb0", IFB0)):
        for name, text in attrs.items():
            node.write(f"sys/class/net/{device}/{name}", text + "\n")
    node.write("sys/class/net/bonding_masters", "")  # a file, not an interface
    got = values(NetclassCollector(node.config).collect())
    eth0, ifb0 = (("device", "eth0"),), (("device", "ifb0"),)
    assert got[("node_network_flags", eth0)] == 4099
    assert got[("node_network_flags", ifb0)] == 130
    assert got[("node_network_mtu_bytes", eth0)] == 1400
    assert got[("node_network_speed_bytes", eth0)] == 125_000_000
    assert got[("node_network_carrier_changes_total", eth0)] == 2
    assert got[("node_network_up", eth0)] == 1
    assert got[("node_network_up", ifb0)] == 0
    assert got[("node_network_iface_id", ifb0)] == 2
    assert ("node_network_carrier", ifb0) not in got
    assert ("node_network_speed_bytes", ifb0) not in got
    info = [dict(k[1]) for k in got if k[0] == "node_network_info"]
    assert {"address": "7a:e8:3c:f8:7a:b4", "broadcast": "", "device": "ifb0", "duplex": "",
            "ifalias": "", "operstate": "down"} in info
    assert {d["device"] for d in info} == {"eth0", "ifb0"}


def test_unknown_speed_is_kept_negative(node):
    node.write("sys/class/net/eth0/speed", "-1\n")
    got = values(NetclassCollector(node.config).collect())
    assert got[("node_network_speed_bytes", (("device", "eth0"),))] == -125000


def test_no_sysfs_is_no_data(node):
    with pytest.raises(NoData):
        list(NetclassCollector(node.config).collect())
