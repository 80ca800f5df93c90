from __future__ import annotations

import pytest

from exporters.node.collectors.stat import StatCollector
from tests.exporters.node.collectors.test_cpu import PROC_STAT
from tests.exporters.node.nodefs import families, value


@pytest.mark.parametrize(("metric", "expected", "kind"), [
    ("node_boot_time_seconds", 1700000000, "gauge"),
    ("node_context_switches_total", 555, "counter"),
    ("node_forks_total", 4242, "counter"),
    ("node_intr_total", 123456, "counter"),
    ("node_procs_running", 3, "gauge"),
    ("node_procs_blocked", 1, "gauge"),
])
def test_kernel_counters(node, metric, expected, kind):
    node.write("proc/stat", PROC_STAT)
    out = list(StatCollector(node.config).collect())
    assert value(out, metric) == expected
    assert families(out)[metric.removesuffix("_total")].type == kind
