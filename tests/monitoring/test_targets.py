"""Targets computed from the Node list and the supervisor's components."""

from __future__ import annotations

import pytest

from observe.monitoring import jobs
from observe.monitoring.targets import discover, node_address


def node(name, addresses=(("InternalIP", "127.0.0.1"),), port=10250):
    status = {"addresses": [{"type": t, "address": a} for t, a in addresses]}
    if port is not None:
        status["daemonEndpoints"] = {"kubeletEndpoint": {"Port": port}}
    return {"metadata": {"name": name}, "status": status}


COMPONENTS = {
    "apiserver": {"url": "http://127.0.0.1:6443"},
    "scheduler": {"url": "http://127.0.0.1:10259"},
    "controller-manager": {"url": "http://127.0.0.1:10257"},
    "kubelet-node-1": {"url": "http://127.0.0.1:10250"},
    "node-exporter-node-1": {"url": "http://127.0.0.1:9100"},
    "node-exporter-node-2": {"url": "http://127.0.0.1:9101"},
    "pod-exporter": {"url": "http://127.0.0.1:8080"},
    "shipper-node-1": {"url": "http://127.0.0.1:2020"},
    "broken": {"url": "not a url"},
}


@pytest.mark.parametrize(("addresses", "port", "expected"), [
    ((("InternalIP", "127.0.0.1"),), 10250, "127.0.0.1:10250"),
    ((("Hostname", "node-1"), ("InternalIP", "127.0.0.2")), 10250, "127.0.0.2:10250"),
    ((("Hostname", "node-1"), ("ExternalIP", "10.0.0.1")), 1, "10.0.0.1:1"),
    ((("Hostname", "node-1"),), 10250, "node-1:10250"),
    ((("InternalIP", "::1"),), 10250, "[::1]:10250"),
    ((), 10250, None),
    ((("InternalIP", "127.0.0.1"),), None, None),
    ((("InternalIP", "127.0.0.1"),), 0, None),
])
def test_node_address(addresses, port, expected):
    assert node_address(node("n", addresses, port)) == expected


def test_kubelet_targets_one_per_node_and_path():
    nodes = [node("node-2", port=10251), node("node-1"), node("no-port", port=None)]
    groups = discover("kubelet", apiserver_url=None, components={}, nodes=nodes)
    got = [(g["targets"], g["labels"]["node"], g["labels"]["metrics_path"]) for g in groups]
    assert got == [
        (["127.0.0.1:10250"], "node-1", "/metrics"),
        (["127.0.0.1:10250"], "node-1", "/metrics/cadvisor"),
        (["127.0.0.1:10251"], "node-2", "/metrics"),
        (["127.0.0.1:10251"], "node-2", "/metrics/cadvisor"),
    ]
    assert groups[1]["labels"] == {
        "job": "kubelet", "instance": "127.0.0.1:10250", "node": "node-1",
        "metrics_path": "/metrics/cadvisor", "namespace": "kube-system",
        "service": "kubelet", "endpoint": "https-metrics", "__scheme__": "http",
        "__metrics_path__": "/metrics/cadvisor"}


@pytest.mark.parametrize(("job", "expected"), [
    ("apiserver", [("127.0.0.1:6443", {"namespace": "default", "service": "kubernetes",
                                       "instance": "127.0.0.1:6443"})]),
    ("kube-scheduler", [("127.0.0.1:10259", {"namespace": "kube-system",
                                             "service": "kube-scheduler"})]),
    ("kube-controller-manager", [("127.0.0.1:10257", {"service": "kube-controller-manager"})]),
    ("node-exporter", [("127.0.0.1:9100", {"instance": "node-1", "node": "node-1",
                                           "service": "node-exporter"}),
                       ("127.0.0.1:9101", {"instance": "node-2", "node": "node-2"})]),
    ("kube-state-metrics", [("127.0.0.1:8080", {"instance": "127.0.0.1:8080"})]),
])
def test_component_targets(job, expected):
    groups = discover(job, apiserver_url=None, components=COMPONENTS, nodes=[])
    assert len(groups) == len(expected)
    for entry, (address, labels) in zip(groups, expected, strict=True):
        assert entry["targets"] == [address]
        assert entry["labels"]["job"] == job
        assert entry["labels"].items() >= labels.items()


def test_kube_state_metrics_targets_carry_no_object_labels():
    (entry,) = discover("kube-state-metrics", apiserver_url=None, components=COMPONENTS,
                        nodes=[])
    assert not {"namespace", "pod", "service", "node"} & entry["labels"].keys()


def test_apiserver_url_wins_over_the_state_and_keeps_its_scheme():
    (entry,) = discover("apiserver", apiserver_url="https://127.0.0.9:7443/",
                        components=COMPONENTS, nodes=[])
    assert entry["targets"] == ["127.0.0.9:7443"]
    assert entry["labels"]["__scheme__"] == "https"


def test_jobs_without_their_component_have_no_targets():
    for job in jobs.BY_NAME:
        assert discover(job, apiserver_url=None, components={}, nodes=[]) == []


def test_unknown_job():
    with pytest.raises(KeyError):
        discover("nope", apiserver_url=None, components={}, nodes=[])
