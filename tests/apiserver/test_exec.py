"""``pods/exec`` in the apiserver: discovery, the Statuses it answers before any upgrade
(as kube-apiserver, in its order of checks), and the websocket relayed to the node's kubelet
(here a stand-in kubelet that records what reaches it): the query in the kubelet's words,
the subprotocol the kubelet chose, frames both ways, and a kubelet's refusal reported on
the error channel as kube-apiserver's stream translator reports it."""

from __future__ import annotations

import json
import uuid

import aiohttp
import pytest
from aiohttp import web

from observe.common import remotecommand as rc
from observe.testing import free_port
from tests.http import call


class StandInKubelet:
    """Answers ``/exec``: refuses container ``down`` as the kubelet does, otherwise echoes
    stdin frames onto stdout until the v5 close signal, then reports success."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[tuple[str, str]], str | None]] = []
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["container"] == "down":
            return web.Response(status=500, text='container not found ("down")')
        ws = web.WebSocketResponse(protocols=(rc.V4,))  # prefers v4, whatever is offered
        await ws.prepare(request)
        self.seen.append((request.path, list(request.query.items()), ws.ws_protocol))
        await ws.send_bytes(rc.frame(rc.STDOUT))
        async for message in ws:
            channel, data = rc.split_frame(message.data)
            if channel == rc.STDIN:
                await ws.send_bytes(rc.frame(rc.STDOUT, data.upper()))
            elif channel == rc.CLOSE_SIGNAL:
                break
        await ws.send_bytes(rc.error_frame(ws.ws_protocol, rc.success_status()))
        await ws.close()
        return ws

    async def __aenter__(self) -> StandInKubelet:
        app = web.Application()
        app.router.add_get("/exec/{namespace}/{pod}/{container}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def make_node(apiserver, port: int) -> str:
    name = f"exec-node-{uuid.uuid4().hex[:6]}"
    base = f"{apiserver.url}/api/v1/nodes"
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    assert call("POST", base, node).status == 201
    node = call("GET", f"{base}/{name}").json()
    node["status"] = {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                      "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}
    assert call("PUT", f"{base}/{name}/status", node).status == 200
    return name


def make_pod(apiserver, namespace, name, containers, node=None):
    spec = {"containers": [{"name": c, "image": "busybox"} for c in containers]}
    if node:
        spec["nodeName"] = node
    reply = call("POST", f"{apiserver.url}/api/v1/namespaces/{namespace}/pods",
                 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                  "spec": spec})
    assert reply.status == 201, reply.body


def exec_url(apiserver, namespace, pod):
    return f"{apiserver.url}/api/v1/namespaces/{namespace}/pods/{pod}/exec"


def test_discovery_lists_pods_exec(apiserver):
    resources = call("GET", f"{apiserver.url}/api/v1").json()["resources"]
    [entry] = [r for r in resources if r["name"] == "pods/exec"]
    assert (entry["kind"], sorted(entry["verbs"])) == ("PodExecOptions", ["create", "get"])


@pytest.fixture
def pods(apiserver, namespace):
    """``one`` (a container, on a node whose kubelet is unreachable), ``two`` (two
    containers) and ``floating`` (no node)."""
    node = make_node(apiserver, free_port())
    make_pod(apiserver, namespace, "one", ["app"], node)
    make_pod(apiserver, namespace, "two", ["a", "b"], node)
    make_pod(apiserver, namespace, "floating", ["app"])
    return namespace


@pytest.mark.parametrize(("pod", "query", "headers", "code", "message"), [
    ("one", "command=ls&stdout=true", {}, 400, "Upgrade request required"),
    ("one", "command=ls&stdout=true", {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}, 400,
     'unable to upgrade connection: the "SPDY/3.1" protocol is not supported, only '
     "websockets (kubectl 1.30 or newer)"),
    ("one", "command=ls&stdout=maybe", {}, 400,
     'stdout: strconv.ParseBool: parsing "maybe": invalid syntax'),
    ("one", "command=ls&container=nope", {}, 400, "container nope is not valid for pod one"),
    ("two", "command=ls", {}, 400,
     "a container name must be specified for pod two, choose one of: [a b]"),
    ("floating", "command=ls", {}, 400, "pod floating does not have a host assigned"),
    ("ghost", "command=ls", {}, 404, 'pods "ghost" not found'),
])
async def test_statuses_before_any_upgrade(apiserver, pods, pod, query, headers, code,
                                           message):
    async with aiohttp.ClientSession() as session:
        for method in ("GET", "POST"):
            async with session.request(method, f"{exec_url(apiserver, pods, pod)}?{query}",
                                       headers=headers) as reply:
                status = await reply.json()
                assert (reply.status, status["code"], status["message"]) == (
                    code, code, message), method


async def test_a_protocol_the_server_does_not_speak_is_refused(apiserver, pods):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(exec_url(apiserver, pods, "one"), params=[
                ("command", "ls"), ("stdout", "true")], protocols=["base64.channel.k8s.io"])
    assert caught.value.status == 400


async def read_all(ws):
    frames = []
    async for message in ws:
        frames.append(rc.split_frame(message.data))
    return frames


@pytest.mark.parametrize(("container", "want"), [
    ("down", 'Internal error occurred: unable to upgrade connection: container not found '
             '("down")'),
    ("app", "Internal error occurred: error dialing backend: "),
])
async def test_a_kubelet_refusal_arrives_on_the_error_channel(apiserver, namespace,
                                                              container, want):
    async with StandInKubelet() as kubelet:
        node = make_node(apiserver, kubelet.port if container == "down" else free_port())
        make_pod(apiserver, namespace, "p", [container], node)
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(exec_url(apiserver, namespace, "p"), params=[
                ("command", "ls"), ("stdout", "true")], protocols=[rc.V5, rc.V4])
            assert ws.protocol == rc.V5
            [(channel, data)] = await read_all(ws)
    status = json.loads(data)
    assert (channel, status["reason"], status["code"]) == (rc.ERROR, "InternalError", 500)
    assert status["message"].startswith(want)


async def test_frames_are_relayed_both_ways_to_the_kubelet(apiserver, namespace):
    async with StandInKubelet() as kubelet:
        node = make_node(apiserver, kubelet.port)
        make_pod(apiserver, namespace, "p", ["app"], node)
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(exec_url(apiserver, namespace, "p"), params=[
                ("command", "sh"), ("command", "-c"), ("command", "cat"), ("stdin", "true"),
                ("stdout", "true"), ("stderr", "true"), ("container", "app")],
                protocols=[rc.V5, rc.V4])
            assert ws.protocol == rc.V4  # the kubelet's choice among the client's offers
            await ws.send_bytes(rc.frame(rc.STDIN, b"hello "))
            await ws.send_bytes(rc.frame(rc.STDIN, b"world"))
            await ws.send_bytes(bytes((rc.CLOSE_SIGNAL, rc.STDIN)))
            frames = await read_all(ws)
    assert frames[:3] == [(rc.STDOUT, b""), (rc.STDOUT, b"HELLO "), (rc.STDOUT, b"WORLD")]
    assert json.loads(frames[3][1])["status"] == "Success"
    [(path, query, protocol)] = kubelet.seen
    assert (path, protocol) == (f"/exec/{namespace}/p/app", rc.V4)
    assert query == [("command", "sh"), ("command", "-c"), ("command", "cat"),
                     ("input", "1"), ("output", "1"), ("error", "1")]


async def test_exec_requests_count_as_connect_in_metrics(apiserver, pods):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{exec_url(apiserver, pods, 'one')}?command=ls") as reply:
            assert reply.status == 400
        async with session.get(f"{apiserver.url}/metrics") as reply:
            text = await reply.text()
    assert any(line.startswith("apiserver_request_total{") and 'verb="CONNECT"' in line
               and 'subresource="exec"' in line and 'code="400"' in line
               for line in text.splitlines())
