"""From Services and EndpointSlices to proxied Service ports and listeners."""

from __future__ import annotations

import pytest

from observe.proxy.table import (
    Endpoint,
    ListenKey,
    ServicePortName,
    build_table,
    desired_listeners,
)


def service(name: str = "web", type_: str = "ClusterIP", ip: str = "127.96.0.10",
            **spec: object) -> dict:
    ports = [{"name": "http", "port": 8080, "protocol": "TCP", "nodePort": 30080}]
    return {"metadata": {"name": name, "namespace": "ns"},
            "spec": {"type": type_, "clusterIP": ip, "ports": ports, **spec}}


def slice_of(endpoints: list[tuple[str, bool | None]], service_name: str = "web",
             port: int = 9000, port_name: str = "http") -> dict:
    eps = []
    for ip, ready in endpoints:
        conditions = {} if ready is None else {"ready": ready}
        eps.append({"addresses": [ip], "conditions": conditions})
    return {"metadata": {"namespace": "ns",
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "endpoints": eps,
            "ports": [{"name": port_name, "port": port, "protocol": "TCP"}]}


WEB = ServicePortName("ns", "web", "http")


@pytest.mark.parametrize("name, slices, want", [
    ("ready endpoints only", [slice_of([("127.1.0.2", True), ("127.1.0.3", False)])],
     (Endpoint("127.1.0.2", 9000),)),
    ("absent ready counts as ready", [slice_of([("127.1.0.2", None)])],
     (Endpoint("127.1.0.2", 9000),)),
    ("an address in two slices counts once",
     [slice_of([("127.1.0.2", True)]), slice_of([("127.1.0.2", True), ("127.1.0.1", True)])],
     (Endpoint("127.1.0.1", 9000), Endpoint("127.1.0.2", 9000))),
    ("another service's slice is ignored", [slice_of([("127.1.0.2", True)], "db")], ()),
    ("a slice without the port name is ignored", [slice_of([("127.1.0.2", True)],
                                                           port_name="grpc")], ()),
])
def test_endpoints(name, slices, want):
    assert build_table([service()], slices)[WEB].endpoints == want, name


@pytest.mark.parametrize("name, svc, proxied", [
    ("ClusterIP", service(), True),
    ("headless", service(ip="None"), False),
    ("ExternalName", service(type_="ExternalName", ip=""), False),
    ("UDP port", service(ports=[{"name": "dns", "port": 53, "protocol": "UDP"}]), False),
])
def test_which_services_are_proxied(name, svc, proxied):
    assert bool(build_table([svc], [])) is proxied, name


def test_session_affinity_timeout():
    svc = service(sessionAffinity="ClientIP",
                  sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    assert build_table([svc], [])[WEB].affinity_timeout == 60.0
    assert build_table([service()], [])[WEB].affinity_timeout is None


@pytest.mark.parametrize("type_, want", [
    ("ClusterIP", {ListenKey("127.96.0.10", 8080): WEB}),
    ("NodePort", {ListenKey("127.96.0.10", 8080): WEB, ListenKey("127.0.0.5", 30080): WEB}),
])
def test_listeners(type_, want):
    assert desired_listeners(build_table([service(type_=type_)], []), "127.0.0.5") == want


def test_two_services_wanting_one_address_do_not_both_get_it():
    table = build_table([service("a"), service("b")], [])
    assert desired_listeners(table, "127.0.0.1") == {
        ListenKey("127.96.0.10", 8080): ServicePortName("ns", "a", "http")}
