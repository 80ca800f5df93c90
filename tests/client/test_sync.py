"""The blocking facade the CLI uses: same requests and errors as the async client, and
streams that hang up cleanly on close or Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from aiohttp import web

from observe.api.registry import default_registry
from observe.client.config import ClientConfig
from observe.client.errors import ApiError, ConnectionFailed
from observe.client.sync import SyncClient
from observe.testing import free_port
from tests.client.httpfake import ThreadedServer, event, json_answer, streamed

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
DEPLOYMENTS = REGISTRY.get("apps", "deployments")
POD = {"kind": "Pod", "metadata": {"name": "web", "namespace": "default"}}


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer() as s:
        yield s


@pytest.fixture
def client(server) -> Iterator[SyncClient]:
    with SyncClient(ClientConfig(server=server.url, token="tok")) as c:
        yield c


def following(hung_up: threading.Event, lines: int | None = None):
    """``logs -f`` that never ends by itself: a line every few milliseconds (only the first
    ``lines`` of them, then silence) until the client hangs up."""
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        n = 0
        try:
            while request.transport is not None and not request.transport.is_closing():
                if lines is None or n < lines:
                    n += 1
                    await resp.write(f"line {n}\n".encode())
                await asyncio.sleep(0.005)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        hung_up.set()
        return resp
    return answer


def _ctrl_c(*, once_waiting: bool = False) -> None:
    """Deliver a real SIGINT from another thread, as a terminal does; ``once_waiting``
    holds it back until the main thread is blocked waiting for the next streamed item."""
    main = threading.main_thread().ident

    def waiting() -> bool:
        frame = sys._current_frames().get(main)
        return frame is not None and frame.f_code.co_name == "__next__"

    def send() -> None:
        deadline = time.monotonic() + 10
        while once_waiting and not waiting() and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=send, daemon=True).start()


def test_request_returns_the_whole_response(server, client):
    server.on_json("GET", "/version", {"gitVersion": "v1.32.0"})

    resp = client.request("GET", "/version", params={"timeout": "32s"})

    assert resp.status == 200
    assert resp.json() == {"gitVersion": "v1.32.0"}
    assert resp.headers["content-type"] == "application/json"
    assert server.requests[-1].query == {"timeout": "32s"}
    assert server.requests[-1].headers["Authorization"] == "Bearer tok"


def test_errors_are_the_async_clients(server, client):
    server.on("GET", "/api/v1/namespaces/default/pods/web", json_answer(
        {"kind": "Status", "code": 404, "reason": "NotFound", "message": "not found"}, 404))

    with pytest.raises(ApiError) as caught:
        client.get(PODS, "web", namespace="default")
    assert (caught.value.code, caught.value.reason) == (404, "NotFound")


def test_unreachable_server_raises_connection_failed():
    with SyncClient(ClientConfig(server=f"http://127.0.0.1:{free_port()}")) as client, \
            pytest.raises(ConnectionFailed):
        client.request("GET", "/version")


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda c: c.get(PODS, "web", namespace="default"), "GET",
         "/api/v1/namespaces/default/pods/web"),
        (lambda c: c.list(PODS, namespace="default", label_selector="a=b"), "GET",
         "/api/v1/namespaces/default/pods"),
        (lambda c: c.list_all(DEPLOYMENTS), "GET", "/apis/apps/v1/deployments"),
        (lambda c: c.create(PODS, POD), "POST", "/api/v1/namespaces/default/pods"),
        (lambda c: c.replace(PODS, POD), "PUT", "/api/v1/namespaces/default/pods/web"),
        (lambda c: c.patch(DEPLOYMENTS, "api", {"spec": {}}, namespace="d",
                           patch_type="merge", subresource="scale"),
         "PATCH", "/apis/apps/v1/namespaces/d/deployments/api/scale"),
        (lambda c: c.delete(PODS, "web", namespace="default", propagation_policy="Orphan"),
         "DELETE", "/api/v1/namespaces/default/pods/web"),
    ],
    ids=["get", "list", "list_all", "create", "replace", "patch", "delete"],
)
def test_typed_verbs_mirror_the_async_client(server, client, call, method, path):
    server.on_json(method, path, {"kind": "Thing", "metadata": {}, "items": []})

    assert call(client) == {"kind": "Thing", "metadata": {}, "items": []}
    assert (server.requests[-1].method, server.requests[-1].path) == (method, path)


def test_watch_iterates_events(server, client):
    server.on("GET", "/api/v1/pods", streamed(event("ADDED", POD), event("DELETED", POD)))

    with client.watch(PODS, resource_version="5") as events:
        assert [t for t, _ in events] == ["ADDED", "DELETED"]
    assert server.requests[-1].query == {"watch": "true", "resourceVersion": "5"}


def test_stream_error_surfaces_after_the_good_lines(server, client):
    server.on("GET", "/api/v1/pods", streamed(event("ADDED", POD), b"garbage\n"))
    seen = []
    with pytest.raises(ConnectionFailed), client.watch(PODS) as events:
        for event_type, _ in events:
            seen.append(event_type)
    assert seen == ["ADDED"]


def test_closing_a_stream_hangs_up(server, client):
    hung_up = threading.Event()
    server.on("GET", "/api/v1/namespaces/d/pods/p/log", following(hung_up))

    with client.stream_lines("GET", "/api/v1/namespaces/d/pods/p/log",
                             params={"follow": True}) as lines:
        first = next(lines)
    assert first == b"line 1\n"
    assert lines.closed
    assert hung_up.wait(10), "the server never saw the client hang up"
    assert list(lines) == [], "a closed stream yields nothing more"


def test_ctrl_c_while_waiting_for_a_line_hangs_up_and_reaches_the_caller(server, client):
    hung_up = threading.Event()
    server.on("GET", "/follow", following(hung_up, lines=3))
    lines = client.stream_lines("GET", "/follow")
    got = []

    with pytest.raises(KeyboardInterrupt):
        for line in lines:
            got.append(line)
            if len(got) == 3:
                _ctrl_c(once_waiting=True)  # while waiting for a 4th line that never comes

    assert got == [b"line 1\n", b"line 2\n", b"line 3\n"]
    assert lines.closed, "the interrupted stream released its connection"
    assert hung_up.wait(10), "the server never saw the client hang up"
    server.on_json("GET", "/version", {"ok": True})
    assert client.request("GET", "/version").json() == {"ok": True}, "the client still works"


def test_ctrl_c_anywhere_in_a_with_block_hangs_up(server, client):
    hung_up = threading.Event()
    server.on("GET", "/follow", following(hung_up))

    with pytest.raises(KeyboardInterrupt), client.stream_lines("GET", "/follow") as lines:
        for n, _ in enumerate(lines):
            if n == 2:
                _ctrl_c()  # lands wherever the busy loop happens to be

    assert lines.closed
    assert hung_up.wait(10), "the server never saw the client hang up"


def test_a_closed_client_refuses_work_and_closes_once(server):
    client = SyncClient(ClientConfig(server=server.url))
    client.close()
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.request("GET", "/version")
    with pytest.raises(RuntimeError, match="closed"):
        client.stream_lines("GET", "/version")
