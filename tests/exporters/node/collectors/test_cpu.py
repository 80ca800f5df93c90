from __future__ import annotations

from exporters.node.collectors.cpu import CpuCollector
from tests.exporters.node.nodefs import value

PROC_STAT = """\
cpu  3000 10 800 90000 50 0 20 5 7 1
cpu0 1000 4 300 45000 20 0 10 2 5 1
cpu1 2000 6 500 45000 30 0 10 3 2 0
intr 123456 0 9 0
ctxt 555
btime 1700000000
processes 4242
procs_running 3
procs_blocked 1
"""


def test_seconds_per_cpu_and_mode(node):
    node.write("proc/stat", PROC_STAT)
    out = list(CpuCollector(node.config).collect())
    cases = [("0", "user", 10.0), ("0", "nice", 0.04), ("0", "system", 3.0),
             ("0", "idle", 450.0), ("0", "iowait", 0.2), ("0", "irq", 0.0),
             ("0", "softirq", 0.1), ("0", "steal", 0.02), ("1", "user", 20.0)]
    for cpu, mode, seconds in cases:
        assert value(out, "node_cpu_seconds_total", cpu=cpu, mode=mode) == seconds, (cpu, mode)
    assert value(out, "node_cpu_guest_seconds_total", cpu="0", mode="user") == 0.05
    assert value(out, "node_cpu_guest_seconds_total", cpu="0", mode="nice") == 0.01
    # The aggregate "cpu" line is not a CPU.
    labels = {s.labels["cpu"] for m in out for s in m.samples}
    assert labels == {"0", "1"}


def test_old_kernel_without_guest_columns(node):
    node.write("proc/stat", "cpu0 100 0 100 100 0 0 0\n")
    out = list(CpuCollector(node.config).collect())
    assert value(out, "node_cpu_seconds_total", cpu="0", mode="steal") == 0.0
    assert value(out, "node_cpu_guest_seconds_total", cpu="0", mode="user") == 0.0
