"""TCP relaying through a real listener to real backends: spreading, retries on a refused
endpoint, no endpoints, half-close, draining, and the metrics it keeps."""

from __future__ import annotations

import asyncio
import collections

import pytest
from prometheus_client import CollectorRegistry

from observe.proxy.balancer import Balancer
from observe.proxy.forwarder import Route, TcpListener
from observe.proxy.metrics import ProxyMetrics
from observe.proxy.table import Endpoint, ListenKey, ServicePortName
from observe.testing import free_port
from tests.proxy.backends import Backend, ask, random_loopback

WEB = ServicePortName("ns", "web", "http")


@pytest.fixture
async def backends():
    started = [await Backend(f"b{i}").start() for i in range(3)]
    yield started
    for backend in started:
        await backend.stop()


async def listen(endpoints: list[Endpoint], registry: CollectorRegistry | None = None
                 ) -> TcpListener:
    balancer = Balancer()
    balancer.update(endpoints, None)
    host = random_loopback(97)
    route = Route(WEB, balancer, ProxyMetrics.create(registry) if registry else None)
    listener = TcpListener(ListenKey(host, free_port(host)), route)
    await listener.start()
    return listener


async def test_connections_are_spread_round_robin(backends):
    registry = CollectorRegistry()
    listener = await listen([b.endpoint for b in backends], registry)
    try:
        served = [await ask(listener.key.address, listener.key.port) for _ in range(9)]
        assert collections.Counter(served) == {"b0": 3, "b1": 3, "b2": 3}
        labels = {"namespace": "ns", "service": "web", "port": "http"}
        assert registry.get_sample_value(
            "proxy_connections_total", {**labels, "result": "forwarded"}) == 9
        assert registry.get_sample_value(
            "proxy_bytes_total", {**labels, "direction": "in"}) == 9 * len("hi\n")
    finally:
        await listener.close(0)


async def test_a_refused_endpoint_is_skipped(backends):
    dead = Endpoint(random_loopback(), free_port())
    listener = await listen([dead, backends[0].endpoint])
    try:
        assert [await ask(listener.key.address, listener.key.port) for _ in range(3)] == \
            ["b0"] * 3
    finally:
        await listener.close(0)


async def test_no_endpoints_closes_the_connection():
    registry = CollectorRegistry()
    listener = await listen([], registry)
    try:
        assert await ask(listener.key.address, listener.key.port) == ""
        assert registry.get_sample_value("proxy_connections_total", {
            "namespace": "ns", "service": "web", "port": "http",
            "result": "no_endpoints"}) == 1
    finally:
        await listener.close(0)


async def test_half_close_lets_the_answer_through(backends):
    listener = await listen([backends[0].endpoint])
    try:
        reader, writer = await asyncio.open_connection(listener.key.address, listener.key.port)
        writer.write(b"one\n")
        writer.write_eof()
        data = await asyncio.wait_for(reader.read(), 5)
        assert data == b"b0 one\nb0 bye\n"
        writer.close()
    finally:
        await listener.close(0)


async def test_close_drains_open_connections_then_cuts_them(backends):
    listener = await listen([backends[0].endpoint])
    reader, writer = await asyncio.open_connection(listener.key.address, listener.key.port)
    writer.write(b"before\n")
    assert await reader.readline() == b"b0 before\n"
    closing = asyncio.create_task(listener.close(drain_timeout=30))
    with pytest.raises(OSError):  # no longer accepting
        await ask(listener.key.address, listener.key.port, timeout=2)
    writer.write(b"during\n")
    assert await reader.readline() == b"b0 during\n", "an open connection keeps working"
    assert not closing.done()
    writer.close()
    await asyncio.wait_for(closing, 5)  # finished as soon as the last connection did

    listener = await listen([backends[0].endpoint])
    reader, writer = await asyncio.open_connection(listener.key.address, listener.key.port)
    writer.write(b"x\n")
    await reader.readline()
    await asyncio.wait_for(listener.close(drain_timeout=0.1), 5)
    assert await asyncio.wait_for(reader.read(), 5) == b"", "cut after the drain timeout"
    writer.close()


async def test_an_endpoint_that_speaks_first_is_heard():
    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello\n")
        await writer.drain()
        await reader.read()
        writer.close()

    host = random_loopback()
    server = await asyncio.start_server(greet, host, 0)
    endpoint = Endpoint(host, server.sockets[0].getsockname()[1])
    listener = await listen([endpoint])
    try:
        for _ in range(50):  # the race is between the greeting and linking the two sides
            reader, writer = await asyncio.open_connection(listener.key.address,
                                                           listener.key.port)
            assert await asyncio.wait_for(reader.readline(), 5) == b"hello\n"
            writer.close()
    finally:
        await listener.close(0)
        server.close()
