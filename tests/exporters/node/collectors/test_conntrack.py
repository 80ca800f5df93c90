# ruff: noqa: E501 - kernel files are reproduced as the kernel writes them
from __future__ import annotations

import pytest

from exporters.node.collector import NoData
from exporters.node.collectors.conntrack import ConntrackCollector
from tests.exporters.node.nodefs import values

STAT = """\
entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
00000005  00000000 00000001 00000000 0000000a 00000002 00000000 00000000 00000003 00000000 00000001 00000000 00000000  00000000 00000000 00000000 00000004
00000005  00000000 00000002 00000000 00000001 00000000 00000000 00000000 00000003 00000001 00000000 00000000 00000000  00000000 00000000 00000000 00000000
"""


def test_entries_limit_and_summed_stats(node):
    node.write("proc/sys/net/netfilter/nf_conntrack_count", "7\n")
    node.write("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
    node.write("proc/net/stat/nf_conntrack", STAT)
    got = {k[0]: v for k, v in values(ConntrackCollector(node.config).collect()).items()}
    assert got == {"node_nf_conntrack_entries": 7, "node_nf_conntrack_entries_limit": 262144,
                   "node_nf_conntrack_stat_found": 3, "node_nf_conntrack_stat_invalid": 11,
                   "node_nf_conntrack_stat_ignore": 2, "node_nf_conntrack_stat_insert": 6,
                   "node_nf_conntrack_stat_insert_failed": 1,
                   "node_nf_conntrack_stat_drop": 1, "node_nf_conntrack_stat_early_drop": 0,
                   "node_nf_conntrack_stat_search_restart": 4}


def test_no_netfilter_is_no_data(node):
    with pytest.raises(NoData):
        list(ConntrackCollector(node.config).collect())
