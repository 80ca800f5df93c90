from __future__ import annotations

from exporters.node.collectors.entropy import EntropyCollector
from tests.exporters.node.nodefs import value


def test_available_and_pool_size(node):
    node.write("proc/sys/kernel/random/entropy_avail", "256\n")
    node.write("proc/sys/kernel/random/poolsize", "256\n")
    out = list(EntropyCollector(node.config).collect())
    assert value(out, "node_entropy_available_bits") == 256
    assert value(out, "node_entropy_pool_size_bits") == 256
