"""The node API: which container instance a log request reads, query parsing, and the
aiohttp handlers over a fake runtime."""

from __future__ import annotations

import dataclasses
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from observe.common.server import health_app
from observe.kubelet.logs import encode_line
from observe.kubelet.runtime.types import EXITED, RUNNING, ContainerStatus
from observe.kubelet.server import LogRequestError, NodeHandlers, log_options, pick_instance


def instance(attempt, state, log_path="", init=False, name="app"):
    return ContainerStatus(id=f"id{attempt}", pod_uid="u", pod_name="p", pod_namespace="ns",
                           name=name, attempt=attempt, image="", image_id="", spec_hash="",
                           log_path=log_path, state=state, created_at=attempt, init=init)


def pod_with(state, last=None, container_id=None):
    status = {"name": "app", "state": state, "lastState": last or {}}
    if container_id:
        status["containerID"] = container_id
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u"},
            "status": {"containerStatuses": [status]}}


TERMINATED_0 = {"terminated": {"exitCode": 1, "containerID": "observe://id0"}}
TERMINATED_1 = {"terminated": {"exitCode": 1, "containerID": "observe://id1"}}
HISTORY = [instance(0, EXITED), instance(1, EXITED)]


@pytest.mark.parametrize(("pod", "instances", "previous", "want"), [
    ("running restarted", [instance(0, EXITED), instance(1, RUNNING)], False, "id1"),
    ("running restarted", [instance(0, EXITED), instance(1, RUNNING)], True, "id0"),
    ("crash loop", HISTORY, False, "id1"),
    ("crash loop", HISTORY, True, "id1"),
    ("no status yet", [instance(0, RUNNING)], False, "id0"),
])
def test_pick_instance(pod, instances, previous, want):
    pods = {
        "running restarted": pod_with({"running": {}}, TERMINATED_0, "observe://id1"),
        "crash loop": pod_with({"waiting": {"reason": "CrashLoopBackOff"}}, TERMINATED_1,
                               "observe://id1"),
        "no status yet": {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}},
    }
    assert pick_instance(pods[pod], "app", instances, previous).id == want


@pytest.mark.parametrize(("state", "previous", "message"), [
    ({"waiting": {"reason": "ContainerCreating"}}, False,
     'container "app" in pod "p" is waiting to start: ContainerCreating'),
    ({"waiting": {"reason": "ErrImagePull"}}, False,
     'container "app" in pod "p" is waiting to start: image can\'t be pulled'),
    ({"waiting": {"reason": "ImagePullBackOff"}}, False,
     'container "app" in pod "p" is waiting to start: trying and failing to pull image'),
    ({"running": {}}, True, 'previous terminated container "app" in pod "p" not found'),
])
def test_pick_instance_errors(state, previous, message):
    with pytest.raises(LogRequestError) as raised:
        pick_instance(pod_with(state), "app", [], previous)
    assert (raised.value.code, raised.value.message) == (400, message)


def test_log_options():
    options = log_options({"tailLines": "5", "timestamps": "true", "sinceSeconds": "10",
                           "limitBytes": "100", "follow": "1"}, now=1000.0)
    assert (options.tail_lines, options.timestamps, options.since_ns, options.limit_bytes,
            options.follow) == (5, True, 990 * 10**9, 100, True)
    assert log_options({"sinceTime": "1970-01-01T00:16:40Z"}, 0).since_ns == 1000 * 10**9
    with pytest.raises(LogRequestError):
        log_options({"tailLines": "x"}, 0)


class Runtime:
    def __init__(self, containers):
        self._containers = containers

    def containers(self):
        return self._containers


@pytest.fixture
async def client(tmp_path):
    log = tmp_path / "0.log"
    log.write_bytes(b"".join(encode_line(10**18 + i, "stdout", False, f"l{i}".encode())
                             for i in range(3)))
    running = dataclasses.replace(instance(0, RUNNING, str(log)))
    pod = pod_with({"running": {}}, None, "observe://id0")
    handlers = NodeHandlers(lambda: [pod], Runtime([running]), None)
    app = health_app(CollectorRegistry(), routes=handlers.routes())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_container_logs_handler(client):
    response = await client.get("/containerLogs/ns/p/app", params={"tailLines": "2"})
    assert response.status == 200 and response.headers["Content-Type"] == "text/plain"
    assert await response.text() == "l1\nl2\n"
    missing = await client.get("/containerLogs/ns/nope/app")
    assert missing.status == 404
    status = json.loads(await missing.text())
    assert (status["kind"], status["reason"]) == ("Status", "NotFound")


async def test_pods_handler(client):
    response = await client.get("/pods")
    body = await response.json()
    assert body["kind"] == "PodList" and [p["metadata"]["name"] for p in body["items"]] == ["p"]
    assert (await client.get("/stats/summary")).status == 404
