"""Restart back-off: doubling delays, a cap, and a fresh start after a long run."""

from __future__ import annotations

import pytest

from observe.supervisor.backoff import RestartBackoff


@pytest.mark.parametrize(("runs", "delays"), [
    # (started_at, exited_at) of successive runs -> delay after each exit
    ([(0, 1)], [1]),
    ([(0, 1), (2, 3), (5, 6), (10, 11)], [1, 2, 4, 8]),
    # Capped at the maximum.
    ([(0, 1), (2, 3), (5, 6), (10, 11), (19, 20), (36, 37)], [1, 2, 4, 8, 10, 10]),
    # A run as long as reset_after starts the count over.
    ([(0, 1), (2, 3), (5, 105)], [1, 2, 1]),
    ([(0, 1), (2, 3), (5, 104)], [1, 2, 4]),
])
def test_delays(runs, delays):
    backoff = RestartBackoff(initial=1, maximum=10, reset_after=100)
    assert [backoff.exited("c", s, e) for s, e in runs] == delays


def test_ready_only_after_the_delay():
    backoff = RestartBackoff(initial=1, maximum=10, reset_after=100)
    assert backoff.ready("c", 0)
    backoff.exited("c", 0, 5)
    backoff.exited("c", 5.5, 6)  # delay 2: may start again at 8
    assert [backoff.ready("c", t) for t in (6, 7.9, 8, 20)] == [False, False, True, True]
    assert backoff.restart_at("c") == 8
    assert backoff.ready("other", 6)
