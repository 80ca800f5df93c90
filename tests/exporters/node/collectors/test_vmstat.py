from __future__ import annotations

from exporters.node.collectors.vmstat import VmstatCollector
from tests.exporters.node.nodefs import families, values

VMSTAT = """\
nr_free_pages 5000
pgpgin 1390889
pgpgout 1867448
pswpin 0
pswpout 0
pgfault 3049794
pgmajfault 827
pgalloc_normal 99
oom_kill 1
"""


def test_default_fields_only_untyped(node):
    node.write("proc/vmstat", VMSTAT)
    out = list(VmstatCollector(node.config).collect())
    assert values(out) == {
        ("node_vmstat_pgpgin", ()): 1390889, ("node_vmstat_pgpgout", ()): 1867448,
        ("node_vmstat_pswpin", ()): 0, ("node_vmstat_pswpout", ()): 0,
        ("node_vmstat_pgfault", ()): 3049794, ("node_vmstat_pgmajfault", ()): 827,
        ("node_vmstat_oom_kill", ()): 1}
    assert {m.type for m in families(out).values()} == {"unknown"}
