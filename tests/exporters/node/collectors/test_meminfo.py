from __future__ import annotations

import pytest

from exporters.node.collectors.meminfo import MeminfoCollector
from tests.exporters.node.nodefs import value

MEMINFO = """\
MemTotal:       24684084 kB
MemFree:        20000000 kB
Active(anon):      12345 kB
Inactive(file):      100 kB
HugePages_Total:       4
Hugepagesize:       2048 kB
"""


@pytest.mark.parametrize(("metric", "expected"), [
    ("node_memory_MemTotal_bytes", 24684084 * 1024),
    ("node_memory_MemFree_bytes", 20000000 * 1024),
    ("node_memory_Active_anon_bytes", 12345 * 1024),
    ("node_memory_Inactive_file_bytes", 100 * 1024),
    ("node_memory_HugePages_Total", 4),
    ("node_memory_Hugepagesize_bytes", 2048 * 1024),
])
def test_fields_become_bytes_gauges(node, metric, expected):
    node.write("proc/meminfo", MEMINFO)
    out = list(MeminfoCollector(node.config).collect())
    assert value(out, metric) == expected
    assert all(m.type == "gauge" for m in out)
