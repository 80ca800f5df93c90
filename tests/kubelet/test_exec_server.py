"""The kubelet's ``/exec`` endpoint over a fake runtime (whose commands run on the host):
what it refuses before upgrading, and the channel.k8s.io session after — the first empty
frame, stdout/stderr, stdin with v5's half-close, a terminal with resize, the outcome on
the error channel per protocol version, and a client leaving taking its command along."""

from __future__ import annotations

import asyncio
import json
import os
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from observe.common import remotecommand as rc
from observe.common.server import health_app
from observe.kubelet.runtime.fake import FakeRuntime
from observe.kubelet.runtime.types import ContainerConfig
from observe.kubelet.server import NodeHandlers

POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}}


@pytest.fixture
async def client():
    runtime = FakeRuntime()
    for name in ("app", "gone"):
        await runtime.start(ContainerConfig(
            pod_uid="u", pod_name="p", pod_namespace="ns", name=name, attempt=0,
            argv=["sleep"], env={"GREETING": "hello"}, working_dir="/", log_path="",
            image="busybox", image_id=""))
    runtime.exit(runtime.running("gone")[0].id, 0)
    app = health_app(CollectorRegistry(), None, NodeHandlers(lambda: [POD], runtime,
                                                             None).routes())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def query(*command, **flags):
    return [*(("command", c) for c in command), *((k, "1") for k, on in flags.items() if on)]


async def session(client, params, protocol=rc.V5, send=(), path="/exec/ns/p/app"):
    """Run one exec: send ``send`` (frames, or None for the v5 close of stdin), collect
    every frame until the kubelet closes."""
    ws = await client.ws_connect(path, params=params, protocols=[protocol])
    assert ws.protocol == protocol
    for item in send:
        await ws.send_bytes(bytes((rc.CLOSE_SIGNAL, rc.STDIN)) if item is None else item)
    frames = []
    async for message in ws:
        assert message.type == aiohttp.WSMsgType.BINARY
        frames.append(rc.split_frame(message.data))
    return frames


def streams(frames):
    out = {}
    for channel, data in frames:
        out[channel] = out.get(channel, b"") + data
    return out


@pytest.mark.parametrize(("path", "params", "headers", "status", "text"), [
    ("/exec/ns/nope/app", query("true", output=True), {}, 404, "pod does not exist"),
    ("/exec/ns/p/gone", query("true", output=True), {}, 500, 'container not found ("gone")'),
    ("/exec/ns/p/other", query("true", output=True), {}, 500, 'container not found ("other")'),
    ("/exec/ns/p/app", query("true"), {}, 400,
     "you must specify at least 1 of stdin, stdout, stderr"),
    ("/exec/ns/p/app", query(output=True), {}, 400, "you must specify at least 1 command"),
    ("/exec/ns/p/app", query("true", output=True), {rc.PROTOCOL_HEADER: rc.V4}, 400,
     "Upgrade request required"),
    ("/exec/ns/p/app", query("true", output=True), {rc.PROTOCOL_HEADER: "v9.channel.k8s.io"},
     400, "requested protocol(s) are not supported: [v9.channel.k8s.io]"),
])
async def test_refusals_come_before_the_upgrade_in_plain_text(client, path, params, headers,
                                                              status, text):
    response = await client.get(path, params=params, headers=headers)
    assert response.status == status
    assert (await response.text()).startswith(text)


async def test_output_streams_and_success(client):
    frames = await session(client, query("sh", "-c", "echo $GREETING; echo oops >&2",
                                         output=True, error=True))
    assert frames[0] == (rc.STDOUT, b"")  # "connected", before anything runs
    got = streams(frames)
    assert (got[rc.STDOUT], got[rc.STDERR]) == (b"hello\n", b"oops\n")
    assert json.loads(got[rc.ERROR]) == {"metadata": {}, "status": "Success"}
    assert frames[-1][0] == rc.ERROR


@pytest.mark.parametrize(("protocol", "want"), [
    (rc.V5, {"status": "Failure", "reason": "NonZeroExitCode",
             "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}),
    (rc.V4, {"status": "Failure", "reason": "NonZeroExitCode",
             "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}),
    (rc.V2, "command terminated with non-zero exit code: command 'sh -c exit 3' exited with 3"),
])
async def test_a_non_zero_exit_per_protocol(client, protocol, want):
    got = streams(await session(client, query("sh", "-c", "exit 3", output=True), protocol))
    if isinstance(want, str):
        assert got[rc.ERROR].decode() == want
    else:
        status = json.loads(got[rc.ERROR])
        assert {k: status[k] for k in want} == want


async def test_stdin_until_the_v5_close_signal(client):
    text = b"line one\n" + b"z" * 200_000 + b"\n"
    got = streams(await session(client, query("cat", input=True, output=True),
                                send=[rc.frame(rc.STDIN, text[:1000]),
                                      rc.frame(rc.STDIN, text[1000:]), None]))
    assert got[rc.STDOUT] == text
    assert json.loads(got[rc.ERROR])["status"] == "Success"


async def test_a_terminal_with_its_size(client):
    script = b"stty size; tty >/dev/null && echo is-a-tty; exit 4\n"
    frames = await session(client, query("sh", input=True, output=True, tty=True), send=[
        rc.frame(rc.RESIZE, b'{"Width":120,"Height":40}'), rc.frame(rc.STDIN, script)])
    got = streams(frames)
    assert b"40 120\r\n" in got[rc.STDOUT] and b"is-a-tty\r\n" in got[rc.STDOUT]
    assert rc.STDERR not in got
    assert json.loads(got[rc.ERROR])["details"]["causes"][0]["message"] == "4"


async def test_a_command_that_cannot_start(client):
    got = streams(await session(client, query("no-such-tool", output=True)))
    status = json.loads(got[rc.ERROR])
    assert status["reason"] == "InternalError"
    assert 'exec: "no-such-tool": executable file not found in $PATH' in status["message"]


async def test_a_client_that_leaves_takes_the_command_with_it(client):
    ws = await client.ws_connect("/exec/ns/p/app", protocols=[rc.V5], params=query(
        "sh", "-c", "echo $$; exec sleep 300", output=True))
    pid = None
    async for message in ws:
        channel, data = rc.split_frame(message.data)
        if channel == rc.STDOUT and data:
            pid = int(data)
            break
    assert pid is not None
    await ws.close()
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and _state(pid) != "Z":
        assert time.monotonic() < deadline, f"exec'd process {pid} still running"
        await asyncio.sleep(0.05)


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
