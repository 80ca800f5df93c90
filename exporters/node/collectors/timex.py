"""``timex`` collector: the kernel clock discipline's state from adjtimex(2) in read-only
mode — offset, frequency adjustment, error bounds, synchronisation status and the
pulse-per-second counters.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable, Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig

STA_NANO = 0x2000  # status bit: offsets and jitter are in nanoseconds, not microseconds
TIME_ERROR = 5  # adjtimex's answer when the clock is not synchronised
# freq, ppsfreq and stabil are in parts per million with a 16-bit binary fraction.
PPM16 = 1e6 * 65536


class Timex(ctypes.Structure):
    """struct timex of <sys/timex.h>; ctypes supplies the same padding as the C compiler."""

    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long), ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long), ("shift", ctypes.c_int), ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long), ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("_reserved", ctypes.c_int * 11),
    ]


@functools.cache
def _libc() -> ctypes.CDLL:
    # Looked up once: find_library runs ldconfig, far too slow for every scrape.
    name = ctypes.util.find_library("c")
    if name is None:
        raise NoData("no C library to call adjtimex through")
    return ctypes.CDLL(name, use_errno=True)


def read_adjtimex() -> tuple[int, Timex]:
    """(clock state, timex) without changing anything (modes = 0)."""
    tx = Timex()
    state = _libc().adjtimex(ctypes.byref(tx))
    if state < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return state, tx


def timex_families(state: int, tx: Timex) -> Iterable[Metric]:
    divisor = 1e9 if tx.status & STA_NANO else 1e6
    gauges = (
        ("node_timex_offset_seconds", "Offset between the local clock and its reference.",
         tx.offset / divisor),
        ("node_timex_frequency_adjustment_ratio", "Frequency correction applied to the "
         "local clock, as a ratio (1 is none).", 1 + tx.freq / PPM16),
        ("node_timex_maxerror_seconds", "Largest error the clock may have, in seconds.",
         tx.maxerror / 1e6),
        ("node_timex_estimated_error_seconds", "Estimated error of the clock, in seconds.",
         tx.esterror / 1e6),
        ("node_timex_status", "The clock status bits.", tx.status),
        ("node_timex_loop_time_constant", "Time constant of the phase-locked loop.",
         tx.constant),
        ("node_timex_tick_seconds", "Seconds between clock ticks.", tx.tick / 1e6),
        ("node_timex_pps_frequency_hertz", "Pulse-per-second frequency.",
         tx.ppsfreq / PPM16),
        ("node_timex_pps_jitter_seconds", "Pulse-per-second jitter.", tx.jitter / divisor),
        ("node_timex_pps_shift_seconds", "Pulse-per-second interval duration.", tx.shift),
        ("node_timex_pps_stability_hertz", "Pulse-per-second stability (average of recent "
         "frequency changes).", tx.stabil / PPM16),
        ("node_timex_tai_offset_seconds", "Offset of International Atomic Time from UTC.",
         tx.tai),
        ("node_timex_sync_status", "1 when the clock is synchronised to a reliable "
         "reference, else 0.", 0 if state == TIME_ERROR else 1),
    )
    for name, doc, value in gauges:
        yield GaugeMetricFamily(name, doc, value=value)
    counters = (
        ("node_timex_pps_jitter_total", "Pulse-per-second jitter limit exceedances.",
         tx.jitcnt),
        ("node_timex_pps_calibration_total", "Pulse-per-second calibration intervals.",
         tx.calcnt),
        ("node_timex_pps_error_total", "Pulse-per-second calibration errors.", tx.errcnt),
        ("node_timex_pps_stability_exceeded_total", "Pulse-per-second stability limit "
         "exceedances.", tx.stbcnt),
    )
    for name, doc, value in counters:
        yield CounterMetricFamily(name, doc, value=value)


class TimexCollector:
    name = "timex"

    def __init__(self, config: NodeExporterConfig,
                 adjtimex: Callable[[], tuple[int, Timex]] = read_adjtimex) -> None:
        self._adjtimex = adjtimex

    def collect(self) -> Iterable[Metric]:
        state, tx = self._adjtimex()
        return list(timex_families(state, tx))
