from __future__ import annotations

import pytest

from exporters.node.collector import NoData
from exporters.node.collectors.loadavg import LoadavgCollector
from tests.exporters.node.nodefs import value


def test_load_averages(node):
    node.write("proc/loadavg", "0.52 0.26 0.11 2/114 32240\n")
    out = list(LoadavgCollector(node.config).collect())
    assert [value(out, f"node_load{m}") for m in (1, 5, 15)] == [0.52, 0.26, 0.11]


def test_missing_file_is_no_data(node):
    with pytest.raises(NoData):
        list(LoadavgCollector(node.config).collect())
