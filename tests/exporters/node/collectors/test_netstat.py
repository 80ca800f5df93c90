from __future__ import annotations

from exporters.node.collectors.netstat import NetstatCollector
from tests.exporters.node.nodefs import families, values

NETSTAT = """\
TcpExt: SyncookiesSent SyncookiesRecv TW ListenDrops TCPTimeouts
TcpExt: 1 2 3 4 5
IpExt: InNoRoutes InOctets OutOctets
IpExt: 0 72111896 106991
"""
SNMP = """\
Ip: Forwarding DefaultTTL InReceives
Ip: 2 64 1000
Tcp: RtoAlgorithm MaxConn ActiveOpens CurrEstab InErrs
Tcp: 1 -1 26 2 0
Udp: InDatagrams NoPorts InErrors OutDatagrams
Udp: 46 0 0 47
"""
SNMP6 = """\
Ip6InReceives                   	10
Ip6InOctets                     	128
Icmp6InMsgs                     	1
Udp6InDatagrams                 	0
UdpLite6InErrors                	0
"""


def test_selected_counters_from_all_three_files(node):
    node.write("proc/net/netstat", NETSTAT)
    node.write("proc/net/snmp", SNMP)
    node.write("proc/net/snmp6", SNMP6)
    out = list(NetstatCollector(node.config).collect())
    assert {k[0]: v for k, v in values(out).items()} == {
        "node_netstat_TcpExt_SyncookiesSent": 1, "node_netstat_TcpExt_SyncookiesRecv": 2,
        "node_netstat_TcpExt_ListenDrops": 4, "node_netstat_TcpExt_TCPTimeouts": 5,
        "node_netstat_IpExt_InOctets": 72111896, "node_netstat_IpExt_OutOctets": 106991,
        "node_netstat_Ip_Forwarding": 2, "node_netstat_Tcp_ActiveOpens": 26,
        "node_netstat_Tcp_CurrEstab": 2, "node_netstat_Tcp_InErrs": 0,
        "node_netstat_Udp_InDatagrams": 46, "node_netstat_Udp_NoPorts": 0,
        "node_netstat_Udp_InErrors": 0, "node_netstat_Udp_OutDatagrams": 47,
        "node_netstat_Ip6_InOctets": 128, "node_netstat_Icmp6_InMsgs": 1,
        "node_netstat_Udp6_InDatagrams": 0, "node_netstat_UdpLite6_InErrors": 0}
    assert {m.type for m in families(out).values()} == {"unknown"}
