"""Port allocation: keep last run's ports when free, never hand out one twice."""

from __future__ import annotations

import itertools
import socket

import pytest

from observe.supervisor.ports import PortAllocator, free_port, port_is_free


@pytest.mark.parametrize(("previous", "busy", "picks", "names", "want"), [
    ({}, set(), [9001, 9002], ["a", "b"], {"a": 9001, "b": 9002}),
    ({"a": 8000}, set(), [9001], ["a", "b"], {"a": 8000, "b": 9001}),
    ({"a": 8000}, {8000}, [9001, 9002], ["a", "b"], {"a": 9001, "b": 9002}),
    # Two previous entries claiming the same port: the second gets a new one.
    ({"a": 8000, "b": 8000}, set(), [9001], ["a", "b"], {"a": 8000, "b": 9001}),
    # The kernel repeating a port that is already assigned.
    ({}, set(), [9001, 9001, 9002], ["a", "b"], {"a": 9001, "b": 9002}),
    # A pick equal to a previous port assigned to another name.
    ({"a": 8000}, set(), [8000, 9003], ["a", "b"], {"a": 8000, "b": 9003}),
])
def test_allocation(previous, busy, picks, names, want):
    pick = iter(picks)
    allocate = PortAllocator(previous, lambda p: p not in busy, lambda: next(pick))
    assert {n: allocate(n) for n in names} == want


def test_same_name_same_port():
    counter = itertools.count(9000)
    allocate = PortAllocator({}, lambda p: True, lambda: next(counter))
    assert allocate("a") == allocate("a") == 9000


def test_real_ports():
    port = free_port("127.0.0.1")
    assert port_is_free("127.0.0.1", port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free("127.0.0.1", port)
