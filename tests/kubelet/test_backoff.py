"""CrashLoopBackOff arithmetic (client-go flowcontrol.Backoff as the kubelet uses it)."""

from __future__ import annotations

import pytest

from observe.kubelet.backoff import Backoff, go_duration


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def crash_loop(backoff: Backoff, clock: Clock, crashes: int, run_for: float = 1.0
               ) -> list[float]:
    """Simulate a container that runs ``run_for`` seconds and crashes, restarted as soon as
    the kubelet allows; the waits between crash and restart."""
    waits = []
    for _ in range(crashes):
        clock.now += run_for
        finished = clock.now
        waited = backoff.remaining("c", finished)
        clock.now += waited
        assert not backoff.in_backoff_since("c", finished)
        backoff.next("c", finished)
        waits.append(waited)
    return waits


def test_restarts_wait_10s_doubling_to_300s():
    clock = Clock()
    waits = crash_loop(Backoff(clock), clock, 9)
    assert waits == [0, 10, 20, 40, 80, 160, 300, 300, 300]


def test_back_off_resets_after_ten_minutes_of_running():
    clock = Clock()
    backoff = Backoff(clock)
    assert crash_loop(backoff, clock, 4) == [0, 10, 20, 40]
    # The fourth run lasts more than 2 x 300 s: the next crash starts from scratch.
    assert crash_loop(backoff, clock, 1, run_for=601) == [0]
    assert crash_loop(backoff, clock, 2) == [10, 20]


def test_still_in_back_off_reports_the_current_delay():
    clock = Clock()
    backoff = Backoff(clock)
    backoff.next("c", clock.now)
    backoff.next("c", clock.now)
    assert backoff.get("c") == 20
    assert backoff.in_backoff_since("c", clock.now)
    clock.now += 19.5
    assert backoff.remaining("c", clock.now - 19.5) == pytest.approx(0.5)
    clock.now += 1
    assert not backoff.in_backoff_since("c", clock.now - 20.5)


def test_image_pull_back_off_counts_from_the_last_attempt():
    clock = Clock()
    backoff = Backoff(clock)
    assert not backoff.in_backoff_since_update("img")
    backoff.next("img", clock.now)
    assert backoff.in_backoff_since_update("img")
    clock.now += 10
    assert not backoff.in_backoff_since_update("img")
    backoff.next("img", clock.now)
    assert backoff.remaining_since_update("img") == 20


def test_forget_prefix():
    backoff = Backoff(Clock())
    backoff.next("pod-a/x", 0)
    backoff.next("pod-b/x", 0)
    backoff.forget_prefix("pod-a/")
    assert backoff.get("pod-a/x") == 0 and backoff.get("pod-b/x") == 10


@pytest.mark.parametrize(("seconds", "text"), [
    (10, "10s"), (20, "20s"), (80, "1m20s"), (160, "2m40s"), (300, "5m0s"), (0, "0s"),
    (1.5, "1.5s"), (0.25, "250ms"), (3725, "1h2m5s")])
def test_go_duration(seconds, text):
    assert go_duration(seconds) == text
