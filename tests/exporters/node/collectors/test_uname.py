from __future__ import annotations

import os

from exporters.node.collectors.uname import UnameCollector
from tests.exporters.node.nodefs import values


def test_info_labels_from_uname_and_domainname(node):
    node.write("proc/sys/kernel/domainname", "example.test\n")
    out = list(UnameCollector(node.config).collect())
    u = os.uname()
    assert values(out) == {("node_uname_info", tuple(sorted({
        "domainname": "example.test", "machine": u.machine, "nodename": u.nodename,
        "release": u.release, "sysname": u.sysname, "version": u.version}.items()))): 1}


def test_unset_domainname_reads_none_like_the_kernel(node):
    out = list(UnameCollector(node.config).collect())
    assert out[0].samples[0].labels["domainname"] == "(none)"
