"""Loopback ports for the components, picked at ``observe up``.

A component keeps the port it had the last time this data directory ran, when that port
is still free, so URLs (and the kubeconfig) stay the same across ``down``/``up``; otherwise
it gets a fresh ephemeral port from the kernel.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping


def free_port(host: str) -> int:
    """An ephemeral port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        # The same option the components' servers set: a port in TIME_WAIT from the last
        # run is free for them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class PortAllocator:
    """``allocate(name) -> port``: the previous port of ``name`` if free, else a new one;
    never the same port twice."""

    def __init__(self, previous: Mapping[str, int], is_free: Callable[[int], bool],
                 pick: Callable[[], int]) -> None:
        self._previous = dict(previous)
        self._is_free = is_free
        self._pick = pick
        self.assigned: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        if name in self.assigned:
            return self.assigned[name]
        taken = set(self.assigned.values())
        port = self._previous.get(name)
        if port is None or port in taken or not self._is_free(port):
            port = self._pick()
            # The kernel may hand out a port it just gave us, since nothing listens yet.
            while port in taken:
                port = self._pick()
        self.assigned[name] = port
        return port
