"""Relaying TCP connections from one listening address to a Service port's endpoints.

A :class:`TcpListener` owns one listening socket (a ClusterIP:port or a NodePort). Each
accepted connection stops reading until its :class:`Route`'s balancer has picked an
endpoint and the upstream connection is open (an endpoint that refuses or times out is
skipped and the next one tried, as kube-proxy's userspace mode did); then bytes are relayed
both ways by two small protocols with back-pressure (a side whose peer's buffer is full stops
reading) and half-close (an EOF is passed on, the other direction keeps flowing).

Draining: a route change affects only new connections — established ones stay with their
endpoint until either side closes, even if it turned unready. :meth:`TcpListener.close`
stops accepting at once and gives open connections ``drain_timeout`` seconds to finish
before cutting them. Sockets are bound with ``SO_REUSEPORT`` because every node's proxy
serves every ClusterIP and on one machine they share the address; a foreign process holding
the port still makes the bind fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from observe.proxy.balancer import Balancer
from observe.proxy.metrics import ProxyMetrics
from observe.proxy.table import Endpoint, ListenKey, ServicePortName

log = logging.getLogger("observe.proxy")

CONNECT_TIMEOUT = 1.0


@dataclass
class Route:
    """Where a listener sends new connections; the proxier swaps it on each sync."""

    service: ServicePortName
    balancer: Balancer
    metrics: ProxyMetrics | None = None
    _children: dict[str, Any] = field(default_factory=dict, repr=False)

    def counter(self, family: str, *extra: str) -> Any:
        """The labelled child of a metric family for this Service port (cached: label
        look-ups cost more than the increment itself)."""
        key = "/".join((family, *extra))
        child = self._children.get(key)
        if child is None:
            labels = (self.service.namespace, self.service.name, self.service.port, *extra)
            child = getattr(self.metrics, family).labels(*labels) if self.metrics else _Null()
            self._children[key] = child
        return child


class _Null:
    def inc(self, amount: float = 1) -> None:
        pass

    def dec(self, amount: float = 1) -> None:
        pass


class _Side(asyncio.Protocol):
    """One TCP connection of a relayed pair; writes what it reads to its peer."""

    def __init__(self, conn: _Connection, bytes_read: Any) -> None:
        self.conn = conn
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self._bytes = bytes_read
        self.eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.conn.made(self)

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is not None and peer.transport is not None and not self.conn.closed:
            peer.transport.write(data)
            self._bytes.inc(len(data))

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def eof_received(self) -> bool:
        self.eof = True
        peer = self.peer
        if peer is None or peer.transport is None or peer.eof:
            self.conn.close()
            return False
        if peer.transport.can_write_eof():
            peer.transport.write_eof()
        return True  # keep the other direction open

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.close()


class _Connection:
    """A client connection and, once connected, its upstream one."""

    def __init__(self, listener: TcpListener, route: Route) -> None:
        self.listener = listener
        self.route = route
        self.client = _Side(self, route.counter("bytes", "in"))
        self.upstream: _Side | None = None
        self.closed = False

    def made(self, side: _Side) -> None:
        if side is self.client:
            assert side.transport is not None
            side.transport.pause_reading()
            self.listener.opened(self)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None:
                side.transport.close()
        self.listener.finished(self)

    def abort(self) -> None:
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None:
                side.transport.abort()
        self.close()

    async def connect(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        client = self.client
        assert client.transport is not None
        peer = client.transport.get_extra_info("peername") or ("", 0)
        refused: set[Endpoint] = set()
        while not self.closed:
            endpoint = self.route.balancer.pick(str(peer[0]), refused)
            if endpoint is None:
                result = "failed" if refused else "no_endpoints"
                self.route.counter("connections", result).inc()
                self.close()
                return
            upstream = _Side(self, self.route.counter("bytes", "out"))
            # Linked before connecting: the endpoint may speak first, and its first bytes can
            # arrive before this coroutine resumes.
            upstream.peer = client
            try:
                await asyncio.wait_for(
                    loop.create_connection(lambda u=upstream: u, endpoint.ip, endpoint.port),
                    timeout)
            except (OSError, TimeoutError) as e:
                log.debug("%s: endpoint %s refused: %s", self.route.service, endpoint, e)
                refused.add(endpoint)
                continue
            if self.closed:  # the client went away meanwhile
                assert upstream.transport is not None
                upstream.transport.close()
                return
            self.upstream, client.peer = upstream, upstream
            self.route.counter("connections", "forwarded").inc()
            client.transport.resume_reading()
            return


class TcpListener:
    """One listening address forwarding to the current :attr:`route`."""

    def __init__(self, key: ListenKey, route: Route, *,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.key = key
        self.route = route
        self.connect_timeout = connect_timeout
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def active(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        """Bind and listen; raises :class:`OSError` (address in use, not available)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self, self.route).client, self.key.address, self.key.port,
            reuse_port=True, backlog=1024)

    def opened(self, conn: _Connection) -> None:
        self._connections.add(conn)
        self._idle.clear()
        conn.route.counter("active_connections").inc()
        task = asyncio.get_running_loop().create_task(conn.connect(self.connect_timeout))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def finished(self, conn: _Connection) -> None:
        if conn in self._connections:
            self._connections.discard(conn)
            conn.route.counter("active_connections").dec()
        if not self._connections:
            self._idle.set()

    async def close(self, drain_timeout: float) -> None:
        """Stop accepting now; cut what is still open after ``drain_timeout`` seconds."""
        if self._server is not None:
            self._server.close()
            self._server = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), drain_timeout)
        for conn in list(self._connections):
            conn.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
