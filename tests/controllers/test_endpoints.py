"""The Endpoints controller's pure parts: which pods count, ports resolved from targetPort
names, ready and not-ready addresses, and the packing of subsets."""

from __future__ import annotations

import pytest

from observe.controllers import endpointutil as eu
from observe.controllers.endpoints import desired_subsets, endpoints_object, needs_update


def service(name: str = "web", ports: list | None = None, **spec: object) -> dict:
    default_ports = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "ns", "uid": "svc-uid",
                         "labels": {"team": "a"},
                         "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {"selector": {"app": "web"}, "clusterIP": "127.96.0.10",
                     "ports": default_ports if ports is None else ports, **spec}}


def pod(name: str, ip: str | None = "127.1.0.2", ready: bool = True, labels: dict | None = None,
        phase: str = "Running", deleting: bool = False, node: str = "n1",
        ports: list | None = None, **spec: object) -> dict:
    meta: dict = {"name": name, "namespace": "ns", "uid": f"uid-{name}",
                  "labels": {"app": "web"} if labels is None else labels,
                  "creationTimestamp": "2024-01-01T00:00:01Z"}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:01:00Z"
    status: dict = {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False",
         "lastTransitionTime": "2024-01-01T00:00:05Z"}]}
    if ip:
        status["podIP"] = ip
    container_ports = [{"name": "http", "containerPort": 8080, "protocol": "TCP"}] \
        if ports is None else ports
    return {"metadata": meta, "status": status,
            "spec": {"nodeName": node, "containers": [{"name": "c", "ports": container_ports}],
                     **spec}}


def address(name: str, ip: str, node: str = "n1") -> dict:
    return {"ip": ip, "nodeName": node,
            "targetRef": {"kind": "Pod", "namespace": "ns", "name": name, "uid": f"uid-{name}"}}


HTTP = {"name": "http", "port": 8080, "protocol": "TCP"}


@pytest.mark.parametrize("name, pods, want", [
    ("ready and not-ready pods are split", [pod("a", "127.1.0.3"), pod("b", "127.1.0.2",
                                                                       ready=False)],
     [{"addresses": [address("a", "127.1.0.3")],
       "notReadyAddresses": [address("b", "127.1.0.2")], "ports": [HTTP]}]),
    ("addresses are sorted by IP", [pod("a", "127.1.0.9"), pod("b", "127.1.0.2")],
     [{"addresses": [address("b", "127.1.0.2"), address("a", "127.1.0.9")], "ports": [HTTP]}]),
    ("a pod without an IP is left out", [pod("a", None)], []),
    ("a finished pod is left out", [pod("a", phase="Succeeded")], []),
    ("a pod being deleted is left out", [pod("a", deleting=True)], []),
    ("a pod the selector does not match is left out", [pod("a", labels={"app": "db"})], []),
    ("a pod without the named port is left out", [pod("a", ports=[])], []),
    ("pods offering different ports get different subsets",
     [pod("a", "127.1.0.2"),
      pod("b", "127.1.0.3", ports=[{"name": "http", "containerPort": 9090}])],
     [{"addresses": [address("a", "127.1.0.2")], "ports": [HTTP]},
      {"addresses": [address("b", "127.1.0.3")], "ports": [{**HTTP, "port": 9090}]}]),
])
def test_subsets(name, pods, want):
    assert desired_subsets(service(), pods) == want, name


def test_numeric_target_port_and_several_ports_share_one_subset():
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                         {"name": "admin", "port": 81, "targetPort": 9000, "protocol": "TCP",
                          "appProtocol": "http"}])
    subsets = desired_subsets(svc, [pod("a", ports=[])])
    assert subsets == [{"addresses": [address("a", "127.1.0.2")],
                        "ports": [{"name": "admin", "port": 9000, "protocol": "TCP",
                                   "appProtocol": "http"}, HTTP]}]


def test_publish_not_ready_addresses_lists_unready_and_terminating_pods_as_ready():
    svc = service(publishNotReadyAddresses=True)
    subsets = desired_subsets(svc, [pod("a", ready=False), pod("b", "127.1.0.3", deleting=True)])
    assert subsets == [{"addresses": [address("a", "127.1.0.2"), address("b", "127.1.0.3")],
                        "ports": [HTTP]}]


def test_headless_service_without_ports_lists_addresses_with_hostnames():
    svc = service(ports=[], clusterIP="None")
    subsets = desired_subsets(svc, [pod("a", hostname="a0", subdomain="web")])
    assert subsets == [{"addresses": [{**address("a", "127.1.0.2"), "hostname": "a0"}]}]


@pytest.mark.parametrize("target, protocol, want", [
    (8080, "TCP", 8080),
    ("http", "TCP", 8080),
    ("http", "UDP", None),
    ("metrics", "TCP", None),
])
def test_find_port(target, protocol, want):
    assert eu.find_port(pod("a"), {"port": 80, "targetPort": target,
                                   "protocol": protocol}) == want


@pytest.mark.parametrize("spec, managed", [
    ({"selector": {"app": "web"}}, True),
    ({}, False),
    ({"selector": {}}, False),
    ({"selector": {"app": "web"}, "type": "ExternalName"}, False),
])
def test_which_services_are_managed(spec, managed):
    assert eu.manages({"metadata": {"name": "s"}, "spec": spec}) is managed


def test_object_carries_labels_trigger_time_and_only_changes_when_content_does():
    svc = service(clusterIP="None")
    subsets = desired_subsets(svc, [pod("a")])
    body = endpoints_object(svc, subsets, None, "2024-01-01T00:00:05Z")
    assert body["metadata"] == {
        "name": "web", "namespace": "ns",
        "labels": {"team": "a", "service.kubernetes.io/headless": ""},
        "annotations": {eu.TRIGGER_TIME: "2024-01-01T00:00:05Z"}}
    assert not needs_update(body, svc, subsets)
    assert needs_update(body, svc, []), "losing the only address is a change"
    assert needs_update(None, svc, []), "a missing Endpoints object must be created"
    empty = endpoints_object(svc, [], body, None)
    assert "subsets" not in empty, "no subsets is written as an absent field, as upstream"


def test_trigger_time_is_the_latest_ready_transition():
    later = pod("b")
    later["status"]["conditions"][0]["lastTransitionTime"] = "2024-01-01T00:00:09Z"
    stamp = eu.last_change_trigger_time(service(), [pod("a"), later])
    assert stamp is not None and stamp.isoformat().startswith("2024-01-01T00:00:09")
