from __future__ import annotations

import pytest

from exporters.node.collector import NoData
from exporters.node.collectors.pressure import PressureCollector
from tests.exporters.node.nodefs import families, values


def write_psi(node):
    node.write("proc/pressure/cpu", "some avg10=1.00 avg60=2.00 avg300=3.00 total=10372789\n"
                                    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    node.write("proc/pressure/io", "some avg10=0.83 avg60=1.56 avg300=0.77 total=2615882\n"
                                   "full avg10=0.39 avg60=0.87 avg300=0.37 total=2362386\n")
    node.write("proc/pressure/memory", "some avg10=0 avg60=0 avg300=0 total=4216\n"
                                       "full avg10=0 avg60=0 avg300=0 total=3919\n")


def test_totals_in_seconds(node):
    write_psi(node)
    out = list(PressureCollector(node.config).collect())
    assert values(out) == {
        ("node_pressure_cpu_waiting_seconds_total", ()): 10.372789,
        ("node_pressure_io_waiting_seconds_total", ()): 2.615882,
        ("node_pressure_io_stalled_seconds_total", ()): 2.362386,
        ("node_pressure_memory_waiting_seconds_total", ()): 0.004216,
        ("node_pressure_memory_stalled_seconds_total", ()): 0.003919}
    assert {m.type for m in families(out).values()} == {"counter"}


def test_kernel_without_psi_is_no_data(node):
    with pytest.raises(NoData):
        list(PressureCollector(node.config).collect())
