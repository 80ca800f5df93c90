from __future__ import annotations

from exporters.node.collectors.timex import STA_NANO, TIME_ERROR, Timex, TimexCollector
from tests.exporters.node.nodefs import values


def fake(state: int, **fields):
    tx = Timex()
    for k, v in fields.items():
        setattr(tx, k, v)
    return lambda: (state, tx)


def test_units_and_sync_status(node):
    adjtimex = fake(0, offset=1500, freq=65536 * 10, maxerror=16000000, esterror=2000,
                    status=1, constant=2, tick=10000, tai=37, jitcnt=3)
    got = values(TimexCollector(node.config, adjtimex).collect())
    assert got[("node_timex_offset_seconds", ())] == 0.0015
    assert got[("node_timex_frequency_adjustment_ratio", ())] == 1.00001
    assert got[("node_timex_maxerror_seconds", ())] == 16
    assert got[("node_timex_estimated_error_seconds", ())] == 0.002
    assert got[("node_timex_tick_seconds", ())] == 0.01
    assert got[("node_timex_tai_offset_seconds", ())] == 37
    assert got[("node_timex_pps_jitter_total", ())] == 3
    assert got[("node_timex_sync_status", ())] == 1


def test_nanosecond_mode_and_unsynchronised(node):
    got = values(TimexCollector(node.config, fake(TIME_ERROR, offset=1500,
                                                  status=STA_NANO)).collect())
    assert got[("node_timex_offset_seconds", ())] == 1.5e-6
    assert got[("node_timex_sync_status", ())] == 0


def test_real_adjtimex_answers(node):
    got = values(TimexCollector(node.config).collect())
    assert got[("node_timex_tick_seconds", ())] > 0
