"""Hollow nodes: pure helpers, and a process hosting several hollow nodes that register,
hold leases and report bound pods Running at once without starting anything."""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path

import pytest

from observe.client.errors import ApiError
from observe.kubelet.config import KubeletConfig
from observe.kubelet.hollow import hollow_status, node_cidrs, node_names
from tests.kubelet.conftest import NODES, PODS, REGISTRY, KubeletProcess, wait_until


@pytest.mark.parametrize(("count", "prefix", "names"), [
    (1, None, ["solo"]),
    (3, "hollow-", ["hollow-0", "hollow-1", "hollow-2"]),
    (2, None, ["solo-0", "solo-1"]),
])
def test_node_names(count, prefix, names):
    config = KubeletConfig(node_name="solo", root_dir=Path("/tmp"), hollow=True,
                           hollow_nodes=count, node_name_prefix=prefix)
    assert node_names(config) == names


def test_node_cidrs_split_the_range_without_overlap():
    cidrs = node_cidrs("127.64.0.0/12", 1000)
    assert len(cidrs) == 1000 and len(set(cidrs)) == 1000
    networks = [ipaddress.ip_network(c) for c in cidrs]
    assert all(n.subnet_of(ipaddress.ip_network("127.64.0.0/12")) for n in networks)
    assert node_cidrs("127.1.0.0/16", 1) == ["127.1.0.0/16"]


def test_hollow_status_is_running_and_ready():
    pod = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"},
           "spec": {"initContainers": [{"name": "init", "image": "busybox"}],
                    "containers": [{"name": "app", "image": "nginx:1.25"}]},
           "status": {"phase": "Pending", "qosClass": "BestEffort"}}
    status = hollow_status(pod, "127.9.0.2", "127.0.0.1", 1_700_000_000.0)
    assert status["phase"] == "Running" and status["podIP"] == "127.9.0.2"
    assert all(c["status"] == "True" for c in status["conditions"])
    [app] = status["containerStatuses"]
    assert app["ready"] and app["image"] == "docker.io/library/nginx:1.25"
    assert status["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_hollow_nodes_report_pods_running(apiserver, api, namespace, tmp_path):
    prefix = f"hollow-{namespace}-"
    process = KubeletProcess(apiserver, tmp_path / "hollow", node_name="unused",
                             extra_args=("--hollow", "--hollow-nodes", "3",
                                         "--node-name-prefix", prefix))
    process.start()
    names = [f"{prefix}{i}" for i in range(3)]
    try:
        leases = REGISTRY.get("coordination.k8s.io", "leases")
        for name in names:
            node = api.get(NODES, name)
            assert {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"] \
                == "True"
            assert api.get(leases, name, namespace="kube-node-lease")["spec"][
                "holderIdentity"] == name
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ghostly"},
               "spec": {"nodeName": names[1], "containers": [{"name": "app",
                                                              "image": "nginx"}]}}
        api.create(PODS, pod, namespace=namespace)
        status = wait_until(lambda: (s := api.get(PODS, "ghostly", namespace=namespace).get(
            "status", {})).get("phase") == "Running" and s, what="hollow pod Running")
        assert status["containerStatuses"][0]["ready"] is True
        assert ipaddress.ip_address(status["podIP"]).is_loopback
        api.delete(PODS, "ghostly", namespace=namespace)
        wait_until(lambda: not [p for p in api.list(PODS, namespace=namespace)["items"]
                                if p["metadata"]["name"] == "ghostly"],
                   what="the hollow pod deleted for good")
    finally:
        process.stop()
        for name in names:
            with contextlib.suppress(ApiError):
                api.delete(NODES, name)
