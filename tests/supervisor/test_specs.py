"""The component registry: which components a cluster runs and how each is started."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest

from observe.logstore import install as logstore_install
from observe.supervisor.layout import ClusterLayout
from observe.supervisor.specs import (
    MAX_NODES,
    ClusterOptions,
    build_specs,
    kubelet_node,
    node_names,
    pod_cidr,
)

ALL = ("apiserver", "scheduler", "controller-manager", "kubelet")
DATA = Path("/data")


def build(nodes: int, available=ALL, es_url=None):
    ports = itertools.count(7000)
    assigned: dict[str, int] = {}
    options = ClusterOptions(ClusterLayout(DATA), node_names(nodes), "py", es_url=es_url)
    return build_specs(options, lambda name: assigned.setdefault(name, next(ports)),
                       available)


def flag(argv: tuple[str, ...], name: str) -> str:
    assert name in argv, f"{name} missing from {argv}"
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize(("nodes", "available", "names", "skipped"), [
    (2, ALL, ["apiserver", "scheduler", "controller-manager", "kubelet-node-1",
              "kubelet-node-2"], []),
    (0, ALL, ["apiserver", "scheduler", "controller-manager"], []),
    (1, ("apiserver", "kubelet"), ["apiserver", "kubelet-node-1"],
     ["scheduler", "controller-manager"]),
    (3, ("apiserver",), ["apiserver"], ["scheduler", "controller-manager", "kubelet"]),
])
def test_components_follow_nodes_and_what_this_build_has(nodes, available, names, skipped):
    specs, left_out = build(nodes, available)
    assert [s.name for s in specs] == names
    # Kinds beyond ALL (monitoring, exporters, ...) are not available here: left out too.
    assert [c for c in left_out if c in ALL] == skipped


def test_apiserver_command_health_and_url():
    specs, _ = build(1)
    api = specs[0]
    assert api.argv[:4] == ("py", "-m", "observe", "apiserver")
    assert flag(api.argv, "--data-dir") == "/data/apiserver"
    assert flag(api.argv, "--port") == str(api.port)
    assert api.url == f"http://127.0.0.1:{api.port}"
    assert api.health_url == f"{api.url}/readyz"
    assert api.depends_on == ()


@pytest.mark.parametrize("command", ["scheduler", "controller-manager"])
def test_control_plane_clients_use_the_kubeconfig_and_wait_for_the_apiserver(command):
    specs, _ = build(1)
    spec = next(s for s in specs if s.name == command)
    assert spec.argv[:4] == ("py", "-m", "observe", command)
    assert flag(spec.argv, "--kubeconfig") == "/data/kubeconfig"
    assert flag(spec.argv, "--port") == str(spec.port)
    assert spec.health_url.endswith("/healthz")
    assert spec.depends_on == ("apiserver",)


def test_each_kubelet_has_its_node_root_dir_port_and_pod_network():
    specs, _ = build(2)
    kubelets = [s for s in specs if s.name.startswith("kubelet-")]
    got = [(flag(k.argv, "--node-name"), flag(k.argv, "--root-dir"), flag(k.argv, "--pod-cidr"),
            flag(k.argv, "--address"), flag(k.argv, "--port") == str(k.port))
           for k in kubelets]
    assert got == [("node-1", "/data/nodes/node-1", "127.64.0.0/16", "127.0.0.1", True),
                   ("node-2", "/data/nodes/node-2", "127.65.0.0/16", "127.0.0.1", True)]
    assert all(k.depends_on == ("apiserver",) for k in kubelets)


def test_every_component_gets_its_own_port():
    specs, _ = build(5)
    ports = [s.port for s in specs]
    assert len(set(ports)) == len(ports)


@pytest.mark.parametrize(("index", "cidr"), [(0, "127.64.0.0/16"), (1, "127.65.0.0/16"),
                                             (MAX_NODES - 1, "127.255.0.0/16")])
def test_pod_cidr(index, cidr):
    assert pod_cidr(index) == cidr


@pytest.mark.parametrize("index", [-1, MAX_NODES])
def test_pod_cidr_out_of_range(index):
    with pytest.raises(ValueError):
        pod_cidr(index)


@pytest.mark.parametrize(("name", "node"), [("kubelet-node-1", "node-1"), ("apiserver", None),
                                            ("scheduler", None)])
def test_kubelet_node(name, node):
    assert kubelet_node(name) == node


LOGGING = ("apiserver", "shipper", "events-exporter")


@pytest.fixture
def opensearch_installed(monkeypatch):
    monkeypatch.setattr(logstore_install, "why_unavailable", lambda: None)


def test_log_pipeline_runs_opensearch_a_shipper_per_node_and_the_events_exporter(
        opensearch_installed):
    specs, _ = build(2, LOGGING)
    by_name = {s.name: s for s in specs}
    assert set(by_name) == {"apiserver", "opensearch", "shipper-node-1", "shipper-node-2",
                            "events-exporter"}
    store = by_name["opensearch"]
    assert store.argv[:3] == ("py", "-m", "observe.logstore.run")
    assert flag(store.argv, "--data-dir") == "/data/opensearch"
    assert flag(store.argv, "--port") == str(store.port)
    assert flag(store.argv, "--transport-port") != str(store.port)
    assert "wait_for_status=yellow" in store.health_url
    assert store.gates_ready is False, "observe up must not wait for the log store"
    for node in ("node-1", "node-2"):
        shipper = by_name[f"shipper-{node}"]
        assert shipper.argv[:4] == ("py", "-m", "observe", "shipper")
        assert flag(shipper.argv, "--node-name") == node
        assert flag(shipper.argv, "--root-dir") == f"/data/nodes/{node}"
        assert flag(shipper.argv, "--output") == "opensearch"
        assert flag(shipper.argv, "--url") == store.url
        assert shipper.depends_on == ("apiserver",)
        assert shipper.gates_ready
    exporter = by_name["events-exporter"]
    assert flag(exporter.argv, "--es-url") == store.url
    assert flag(exporter.argv, "--flavor") == "opensearch"
    assert flag(exporter.argv, "--kubeconfig") == "/data/kubeconfig"


def test_an_external_elasticsearch_replaces_opensearch(monkeypatch):
    monkeypatch.setattr(logstore_install, "why_unavailable", lambda: "no java")
    specs, _ = build(1, LOGGING, es_url="https://es.example:9200")
    by_name = {s.name: s for s in specs}
    assert "opensearch" not in by_name
    assert by_name["elasticsearch"].argv[:3] == ("py", "-m", "observe.logstore.external")
    assert flag(by_name["elasticsearch"].argv, "--es-url") == "https://es.example:9200"
    assert flag(by_name["shipper-node-1"].argv, "--output") == "elasticsearch"
    assert flag(by_name["shipper-node-1"].argv, "--url") == "https://es.example:9200"
    assert flag(by_name["events-exporter"].argv, "--flavor") == "elasticsearch"


def test_without_java_or_the_install_the_log_pipeline_is_left_out(monkeypatch, caplog):
    monkeypatch.setattr(logstore_install, "why_unavailable", lambda: "no java on PATH")
    with caplog.at_level(logging.WARNING, "observe.supervisor"):
        specs, _ = build(1, LOGGING)
    assert [s.name for s in specs] == ["apiserver"]
    assert "no java on PATH" in caplog.text
