"""Probes: threshold counting, the three handlers against real sockets, and the manager's
published results and Unhealthy events."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web

from observe.kubelet.probes import (
    LIVENESS,
    READINESS,
    ProbeCounter,
    ProbeManager,
    probe_port,
    run_probe,
)
from observe.kubelet.runtime.fake import FakeRuntime
from observe.kubelet.runtime.types import RUNNING, ContainerStatus


@pytest.mark.parametrize(("success", "failure", "initial", "outcomes", "results"), [
    # readiness: starts unready, one success makes it ready, three failures unready again
    (1, 3, False, [True, False, False, False], [True, True, True, False]),
    # a success between failures resets the failure run
    (1, 3, True, [False, False, True, False, False, False], [True] * 5 + [False]),
    # successThreshold 2: two successes in a row needed
    (2, 1, False, [True, False, True, True], [False, False, False, True]),
    # startup probes start unknown
    (1, 3, None, [False, False, False], [None, None, False]),
])
def test_thresholds(success, failure, initial, outcomes, results):
    counter = ProbeCounter(success, failure, initial)
    seen = []
    for outcome in outcomes:
        counter.observe(outcome)
        seen.append(counter.result)
    assert seen == results


@pytest.mark.parametrize(("port", "want"), [
    (8080, 8080), ("8080", 8080), ("http", 80), ("nope", None)])
def test_named_ports(port, want):
    assert probe_port(port, {"ports": [{"name": "http", "containerPort": 80}]}) == want


@pytest.fixture
async def http_server():
    async def handler(request):
        code = int(request.match_info["code"])
        return web.Response(status=code, text=f"answered {code}")

    app = web.Application()
    app.add_routes([web.get("/status/{code}", handler)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]
    await runner.cleanup()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def probe(spec, runtime=None):
    async with aiohttp.ClientSession() as session:
        return await run_probe(spec, runtime=runtime or FakeRuntime(), container={},
                               container_id="c1", pod_ip="127.0.0.1", session=session)


async def test_http_probe(http_server):
    ok = await probe({"httpGet": {"path": "/status/204", "port": http_server}})
    assert ok.success
    bad = await probe({"httpGet": {"path": "/status/500", "port": http_server}})
    assert (bad.success, bad.output) == (False, "HTTP probe failed with statuscode: 500")
    port = closed_port()
    refused = await probe({"httpGet": {"path": "/healthz", "port": port}})
    assert refused.output == (f'Get "http://127.0.0.1:{port}/healthz": dial tcp '
                              f"127.0.0.1:{port}: connect: connection refused")


async def test_tcp_probe(http_server):
    assert (await probe({"tcpSocket": {"port": http_server}})).success
    port = closed_port()
    refused = await probe({"tcpSocket": {"port": port}})
    assert (refused.success, refused.output) == (
        False, f"dial tcp 127.0.0.1:{port}: connect: connection refused")


async def test_exec_probe_runs_in_the_container():
    runtime = FakeRuntime()
    runtime.exec_result = (1, b"cat: /tmp/healthy: No such file or directory\n")
    outcome = await probe({"exec": {"command": ["cat", "/tmp/healthy"]}}, runtime)
    assert not outcome.success
    assert outcome.output == "cat: /tmp/healthy: No such file or directory\n"
    assert runtime.execs == [("c1", ["cat", "/tmp/healthy"])]


def running(cid="c1"):
    return ContainerStatus(id=cid, pod_uid="u", pod_name="p", pod_namespace="ns", name="app",
                           attempt=0, image="", image_id="", spec_hash="", log_path="",
                           state=RUNNING, created_at=0, started_at=0)


async def test_manager_publishes_failures_and_records_unhealthy():
    runtime = FakeRuntime()
    runtime.exec_result = (1, b"boom")
    events, woken = [], []
    manager = ProbeManager(runtime, lambda *args: events.append(args), woken.append,
                           lambda: 100.0)
    pod = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}}
    container = {"name": "app",
                 "livenessProbe": {"exec": {"command": ["check"]}, "periodSeconds": 1,
                                   "failureThreshold": 1},
                 "readinessProbe": {"exec": {"command": ["check"]}, "periodSeconds": 1}}
    manager.add(pod, container, running(), "127.0.0.1")
    assert manager.readiness() == {"c1": False}, "readiness starts unready"
    deadline = asyncio.get_running_loop().time() + 5
    while "c1" not in manager.failed(LIVENESS):
        assert asyncio.get_running_loop().time() < deadline, "liveness never failed"
        await asyncio.sleep(0.01)
    assert woken == ["u"]
    kinds = {e[2] for e in events}
    assert kinds == {"Unhealthy"}
    messages = {e[3] for e in events}
    assert "Liveness probe failed: boom" in messages
    assert events[0][4] == "spec.containers{app}"
    manager.remove("c1")
    assert manager.failed(LIVENESS) == set() and READINESS not in str(manager.readiness())
    await manager.close()
