"""Round-robin and client-IP affinity, on a hand-driven clock."""

from __future__ import annotations

from observe.proxy.balancer import Balancer
from observe.proxy.table import Endpoint

A, B, C = Endpoint("127.1.0.1", 80), Endpoint("127.1.0.2", 80), Endpoint("127.1.0.3", 80)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_spreads_evenly_and_survives_updates():
    balancer = Balancer()
    balancer.update([A, B, C], None)
    assert [balancer.pick("c") for _ in range(6)] == [A, B, C, A, B, C]
    balancer.update([A, C], None)
    picks = [balancer.pick("c") for _ in range(4)]
    assert B not in picks and sorted(picks) == [A, A, C, C]


def test_refused_endpoints_are_skipped_and_none_left_gives_none():
    balancer = Balancer()
    balancer.update([A, B], None)
    assert balancer.pick("c", refused={A}) == B
    assert balancer.pick("c", refused={A, B}) is None
    balancer.update([], None)
    assert balancer.pick("c") is None


def test_client_ip_affinity_sticks_until_timeout_or_endpoint_leaves():
    clock = Clock()
    balancer = Balancer(clock)
    balancer.update([A, B, C], 10.0)
    first = balancer.pick("10.0.0.1")
    assert [balancer.pick("10.0.0.1") for _ in range(5)] == [first] * 5
    other = balancer.pick("10.0.0.2")
    assert other != first, "another client still gets the next endpoint"
    clock.now = 9.0
    assert balancer.pick("10.0.0.1") == first, "use within the timeout renews it"
    clock.now = 30.0
    assert balancer.pick("10.0.0.1") is not None
    stuck = balancer.pick("10.0.0.1")
    balancer.update([e for e in (A, B, C) if e != stuck], 10.0)
    assert balancer.pick("10.0.0.1") != stuck, "an endpoint that left releases its clients"


def test_affinity_falls_back_when_the_sticky_endpoint_refuses():
    balancer = Balancer(Clock())
    balancer.update([A, B], 100.0)
    first = balancer.pick("x")
    second = balancer.pick("x", refused={first})
    assert second not in (None, first)
    assert balancer.pick("x") == second, "the client now sticks to the one that worked"
