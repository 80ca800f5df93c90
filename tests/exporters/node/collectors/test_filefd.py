from __future__ import annotations

from exporters.node.collectors.filefd import FilefdCollector
from tests.exporters.node.nodefs import value


def test_allocated_and_maximum(node):
    node.write("proc/sys/fs/file-nr", "852\t0\t2466170\n")
    out = list(FilefdCollector(node.config).collect())
    assert value(out, "node_filefd_allocated") == 852
    assert value(out, "node_filefd_maximum") == 2466170
