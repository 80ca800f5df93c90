"""``observe prometheus-sd``'s HTTP API over a fake cluster, and the live one's reading of
``state.json``."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from observe.client.errors import ConnectionFailed
from observe.common.server import health_app
from observe.monitoring.sd import DiscoveryMetrics, LiveCluster, routes


def node(name, port):
    return {"metadata": {"name": name},
            "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}}


class FakeCluster:
    def __init__(self):
        self.apiserver_url = "http://127.0.0.1:6443"
        self.node_list = [node("node-1", 10250)]
        self.state = {"node-exporter-node-1": {"url": "http://127.0.0.1:9100"}}
        self.api_down = False

    async def nodes(self):
        if self.api_down:
            raise ConnectionFailed("connection refused")
        return list(self.node_list)

    def components(self):
        return self.state


@pytest.fixture
async def served():
    cluster = FakeCluster()
    registry = CollectorRegistry()
    app = health_app(registry, routes=routes(cluster, DiscoveryMetrics(registry)))
    async with TestClient(TestServer(app)) as client:
        yield cluster, client


async def get_json(client, path):
    response = await client.get(path)
    return response.status, await response.json()


async def test_targets_follow_nodes_as_they_come_and_go(served):
    cluster, client = served
    status, groups = await get_json(client, "/targets/kubelet")
    assert status == 200
    assert {g["labels"]["node"] for g in groups} == {"node-1"}

    cluster.node_list.append(node("node-2", 10251))
    _, groups = await get_json(client, "/targets/kubelet")
    assert {(g["labels"]["node"], g["targets"][0]) for g in groups} == {
        ("node-1", "127.0.0.1:10250"), ("node-2", "127.0.0.1:10251")}

    cluster.node_list = [node("node-2", 10251)]
    _, groups = await get_json(client, "/targets/kubelet")
    assert {g["labels"]["node"] for g in groups} == {"node-2"}


async def test_api_down_is_503_for_kubelets_only(served):
    cluster, client = served
    cluster.api_down = True
    status, body = await get_json(client, "/targets/kubelet")
    assert status == 503
    assert "connection refused" in body["error"]
    status, groups = await get_json(client, "/targets/node-exporter")
    assert status == 200
    assert [g["labels"]["instance"] for g in groups] == ["node-1"]


async def test_unknown_job_is_404(served):
    _, client = served
    status, body = await get_json(client, "/targets/nope")
    assert status == 404
    assert "kubelet" in body["error"]


async def test_every_job_at_once(served):
    cluster, client = served
    cluster.api_down = True
    status, body = await get_json(client, "/targets")
    assert status == 200
    assert set(body) == {"apiserver", "kube-scheduler", "kube-controller-manager", "kubelet",
                         "node-exporter", "kube-state-metrics"}
    assert body["apiserver"][0]["targets"] == ["127.0.0.1:6443"]
    assert "error" in body["kubelet"]


async def test_metrics_count_answers(served):
    _, client = served
    await client.get("/targets/kubelet")
    await client.get("/targets/nope")
    text = await (await client.get("/metrics")).text()
    assert 'observe_sd_requests_total{code="200",job="kubelet"} 1.0' in text
    assert 'observe_sd_requests_total{code="404",job=""} 1.0' in text
    assert 'observe_sd_targets{job="kubelet"} 2.0' in text


class _Api:
    class config:
        server = "http://127.0.0.1:1"


@pytest.mark.parametrize(("content", "expected"), [
    (None, {}),
    ("not json", {}),
    (json.dumps({"version": 1, "components": {"pod-exporter": {"url": "http://x:1"}}}),
     {"pod-exporter": {"url": "http://x:1"}}),
    (json.dumps({"version": 99, "components": {"pod-exporter": {}}}), {}),
    (json.dumps({"version": 1, "components": []}), {}),
])
def test_live_cluster_reads_components_from_state(tmp_path, content, expected):
    path = tmp_path / "state.json"
    if content is not None:
        path.write_text(content)
    assert LiveCluster(_Api(), path).components() == expected
    assert LiveCluster(_Api(), None).components() == {}
