"""Which endpoint a new connection goes to: round-robin, or sticky per client IP.

One :class:`Balancer` per Service port, like kube-proxy's userspace ``LoadBalancerRR``. The
proxier hands it the ready endpoints after every sync (:meth:`Balancer.update`); the
forwarder asks :meth:`Balancer.pick` for each new connection, passing the endpoints that
already refused it so a retry goes elsewhere. With an affinity timeout (``sessionAffinity:
ClientIP``) a client IP keeps its endpoint while it stays ready and the client came back
within the timeout. Time comes from an injected clock, so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

from observe.proxy.table import Endpoint


class Balancer:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._endpoints: tuple[Endpoint, ...] = ()
        self._next = 0
        self._affinity_timeout: float | None = None
        self._sticky: dict[str, tuple[Endpoint, float]] = {}

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return self._endpoints

    def update(self, endpoints: Sequence[Endpoint], affinity_timeout: float | None) -> None:
        """New ready endpoints: clients stuck to one that left are let go; the round-robin
        position is kept so a change does not send the next connections to the first."""
        endpoints = tuple(endpoints)
        if affinity_timeout != self._affinity_timeout:
            self._sticky.clear()
        elif endpoints != self._endpoints:
            alive = set(endpoints)
            self._sticky = {ip: v for ip, v in self._sticky.items() if v[0] in alive}
        self._affinity_timeout = affinity_timeout
        self._endpoints = endpoints
        if endpoints:
            self._next %= len(endpoints)
        else:
            self._next = 0

    def pick(self, client_ip: str, refused: Collection[Endpoint] = ()) -> Endpoint | None:
        """The endpoint for a new connection from ``client_ip``; None if none is left."""
        candidates = self._endpoints
        if not candidates:
            return None
        now = self._clock()
        if self._affinity_timeout is not None:
            stuck = self._sticky.get(client_ip)
            if stuck is not None and stuck[0] not in refused and \
                    now - stuck[1] <= self._affinity_timeout:
                self._sticky[client_ip] = (stuck[0], now)
                return stuck[0]
        for _ in range(len(candidates)):
            endpoint = candidates[self._next]
            self._next = (self._next + 1) % len(candidates)
            if endpoint not in refused:
                if self._affinity_timeout is not None:
                    self._sticky[client_ip] = (endpoint, now)
                return endpoint
        return None
