from __future__ import annotations

import time

from exporters.node.collectors.time import TimeCollector
from tests.exporters.node.nodefs import values


def test_clock_zone_and_clocksources(node):
    base = "sys/devices/system/clocksource/clocksource0"
    node.write(f"{base}/available_clocksource", "tsc kvm-clock \n")
    node.write(f"{base}/current_clocksource", "tsc\n")
    out = list(TimeCollector(node.config, clock=lambda: 1700000000.5).collect())
    got = values(out)
    assert got[("node_time_seconds", ())] == 1700000000.5
    zone = time.localtime(1700000000.5)
    assert got[("node_time_zone_offset_seconds", (("time_zone", zone.tm_zone),))] == \
        zone.tm_gmtoff
    available = {dict(k[1])["clocksource"] for k in got
                 if k[0] == "node_time_clocksource_available_info"}
    assert available == {"tsc", "kvm-clock"}
    assert got[("node_time_clocksource_current_info",
                (("clocksource", "tsc"), ("device", "0")))] == 1
