from __future__ import annotations

from exporters.node.collectors.sockstat import SockstatCollector
from tests.exporters.node.nodefs import values

SOCKSTAT = """\
sockets: used 20
TCP: inuse 4 orphan 0 tw 2 alloc 4 mem 138
UDP: inuse 1 mem 3
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
"""
SOCKSTAT6 = """\
TCP6: inuse 2
UDP6: inuse 1
"""


def test_counts_and_memory_in_bytes(node):
    node.write("proc/net/sockstat", SOCKSTAT)
    node.write("proc/net/sockstat6", SOCKSTAT6)
    got = values(SockstatCollector(node.config, page_size=4096).collect())
    assert got[("node_sockstat_sockets_used", ())] == 20
    assert got[("node_sockstat_TCP_tw", ())] == 2
    assert got[("node_sockstat_TCP_mem", ())] == 138
    assert got[("node_sockstat_TCP_mem_bytes", ())] == 138 * 4096
    assert got[("node_sockstat_UDP_mem_bytes", ())] == 3 * 4096
    assert got[("node_sockstat_FRAG_memory", ())] == 0
    assert got[("node_sockstat_TCP6_inuse", ())] == 2
    assert ("node_sockstat_FRAG_memory_bytes", ()) not in got


def test_kernel_without_ipv6(node):
    node.write("proc/net/sockstat", SOCKSTAT)
    got = values(SockstatCollector(node.config).collect())
    assert ("node_sockstat_UDP_inuse", ()) in got
    assert not any("6_" in k[0] for k in got)
