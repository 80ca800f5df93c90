"""Service ClusterIP and NodePort allocation, and the default/kubernetes Service."""

from __future__ import annotations

import ipaddress

from tests.http import call


def service(name: str, kind: str = "ClusterIP", **spec) -> dict:
    return {"metadata": {"name": name},
            "spec": {"type": kind, "selector": {"app": name},
                     "ports": [{"port": 80, "targetPort": 8080}], **spec}}


def test_cluster_ips_are_allocated_from_the_loopback_range_and_unique(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/services"
    ips = set()
    for i in range(5):
        svc = call("POST", base, service(f"s{i}")).json()
        ip = svc["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network("127.96.0.0/16")
        assert svc["spec"]["clusterIPs"] == [ip]
        ips.add(ip)
    assert len(ips) == 5
    headless = call("POST", base, service("headless", clusterIP="None")).json()
    assert headless["spec"]["clusterIP"] == "None"


def test_requested_cluster_ip_must_be_free_and_in_range(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/services"
    first = call("POST", base, service("a", clusterIP="127.96.200.7"))
    assert first.status == 201 and first.json()["spec"]["clusterIP"] == "127.96.200.7"
    taken = call("POST", base, service("b", clusterIP="127.96.200.7"))
    assert taken.status == 422 and "already allocated" in taken.json()["message"]
    outside = call("POST", base, service("c", clusterIP="10.0.0.1"))
    assert outside.status == 422 and "valid range" in outside.json()["message"]


def test_node_ports_are_allocated_and_kept_on_update(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/services"
    svc = call("POST", base, service("np", "NodePort")).json()
    port = svc["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    svc["spec"]["ports"][0].pop("nodePort")  # a client replacing without it keeps it
    svc["spec"].pop("clusterIP")
    svc["spec"].pop("clusterIPs")
    updated = call("PUT", f"{base}/np", svc).json()
    assert updated["spec"]["ports"][0]["nodePort"] == port
    assert updated["spec"]["clusterIP"]
    clash = call("POST", base, service("np2", "NodePort", ports=[
        {"port": 81, "nodePort": port}]))
    assert clash.status == 422


def test_default_kubernetes_service_points_at_the_apiserver(apiserver):
    svc = call("GET", f"{apiserver.url}/api/v1/namespaces/default/services/kubernetes").json()
    assert svc["spec"]["clusterIP"] == "127.96.0.1"
    eps = call("GET", f"{apiserver.url}/api/v1/namespaces/default/endpoints/kubernetes").json()
    assert eps["subsets"][0]["ports"][0]["port"] == apiserver.port
