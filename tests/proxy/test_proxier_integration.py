"""The proxy against a real apiserver, with the EndpointSlice controller running and real
backends at the pods' addresses: a ClusterIP spreads connections over the ready replicas and
stops using one within a probe period of it turning unready; NodePorts; client-IP affinity;
a port held by another process gives an event, not a crash. The test plays the kubelet by
writing pod status."""

from __future__ import annotations

import asyncio
import collections
import random
import socket
import time

import pytest

from observe.api.registry import default_registry
from observe.proxy.table import ListenKey
from observe.testing import free_port
from tests.controllers.cluster import EVENTS, PODS, eventually, ready_status
from tests.proxy.backends import Backend, ask, random_loopback

SERVICES = default_registry().get("", "services")
PROBE_PERIOD = 1.0  # the readiness periodSeconds the acceptance criterion is stated against


@pytest.fixture
async def replicas():
    """Three backends on one port number, each at its own loopback address (a pod IP)."""
    port = free_port()
    started = [await Backend(f"pod-{i}", random_loopback()).start(port) for i in range(3)]
    yield started
    for backend in started:
        await backend.stop()


async def run_pods(api, ns: str, backends: list[Backend]) -> list[dict]:
    pods = []
    for backend in backends:
        pod = await api.create(PODS, {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": backend.name, "labels": {"app": "web"}},
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "c", "image": "busybox"}]}}, namespace=ns)
        pods.append(await set_ready(api, pod, True, backend.host))
    return pods


async def set_ready(api, pod: dict, ready: bool, ip: str | None = None) -> dict:
    fresh = await api.get(PODS, pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    status = {**ready_status(fresh, ready), "podIP": ip or fresh["status"]["podIP"]}
    return await api.replace(PODS, {**fresh, "status": status}, subresource="status")


async def create_service(api, ns: str, target_port: int, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"},
                     "ports": [{"name": "http", "port": random.randint(20000, 29999),
                                "targetPort": target_port}], **spec}}
    return await api.create(SERVICES, body, namespace=ns)


def route_endpoints(proxy, ns: str) -> set[str]:
    route = next((r for n, r in proxy.routes.items() if n.namespace == ns), None)
    return {e.ip for e in route.balancer.endpoints} if route else set()


async def test_cluster_ip_spreads_over_ready_replicas_and_drops_an_unready_one(
        api, ns, controllers, proxier, replicas):
    await controllers("endpointslice")
    proxy = await proxier()
    pods = await run_pods(api, ns, replicas)
    svc = await create_service(api, ns, replicas[0].port)
    ip, port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["port"]
    await eventually(lambda: _true(len(route_endpoints(proxy, ns)) == 3), "3 endpoints")

    served = collections.Counter([await ask(ip, port) for _ in range(30)])
    assert served == {"pod-0": 10, "pod-1": 10, "pod-2": 10}, served

    started = time.monotonic()
    await set_ready(api, pods[1], False)
    await eventually(lambda: _true(replicas[1].host not in route_endpoints(proxy, ns)),
                     "pod-1 to leave the proxy's endpoints", timeout=10)
    elapsed = time.monotonic() - started
    assert elapsed < PROBE_PERIOD, f"took {elapsed:.3f}s, more than one probe period"
    served = collections.Counter([await ask(ip, port) for _ in range(10)])
    assert set(served) == {"pod-0", "pod-2"}, served

    registry = proxy.registry
    assert registry.get_sample_value("kubeproxy_sync_proxy_rules_duration_seconds_count") > 0
    assert registry.get_sample_value(
        "kubeproxy_network_programming_duration_seconds_count") > 0


async def test_node_port_and_client_ip_affinity(api, ns, controllers, proxier, replicas):
    await controllers("endpointslice")
    node_address = random_loopback(77)
    proxy = await proxier(node_address=node_address)
    await run_pods(api, ns, replicas)
    svc = await create_service(api, ns, replicas[0].port, type="NodePort",
                               sessionAffinity="ClientIP")
    node_port = svc["spec"]["ports"][0]["nodePort"]
    await eventually(lambda: _true(len(route_endpoints(proxy, ns)) == 3), "3 endpoints")
    served = {await ask(node_address, node_port) for _ in range(6)}
    assert len(served) == 1, f"one client must stick to one replica, got {served}"


async def test_a_port_held_elsewhere_gives_an_event_and_the_rest_still_works(
        api, ns, controllers, proxier, replicas):
    await controllers("endpointslice")
    node_address = random_loopback(77)
    proxy = await proxier(node_address=node_address)
    await run_pods(api, ns, replicas)
    with socket.socket() as squatter:
        node_port = random.randint(30000, 32767)
        squatter.bind((node_address, node_port))
        squatter.listen()
        svc = await create_service(api, ns, replicas[0].port, type="NodePort")
        await api.patch(SERVICES, "web",
                        {"spec": {"ports": [{"name": "http", "port": svc["spec"]["ports"][0][
                            "port"], "targetPort": replicas[0].port, "nodePort": node_port}]}},
                        namespace=ns, patch_type="merge")

        async def event():
            items = (await api.list(EVENTS, namespace=ns))["items"]
            return [e for e in items if e["reason"] == "FailedToStartServiceListener"]

        [found] = await eventually(event, "a FailedToStartServiceListener event")
        assert found["type"] == "Warning" and found["involvedObject"]["name"] == "web"
        assert f"{node_address}:{node_port}" in found["message"]
        assert found["message"].endswith("bind: address already in use"), found["message"]
        assert found["source"] == {"component": "kube-proxy", "host": "node-1"}
        await eventually(lambda: _true(len(route_endpoints(proxy, ns)) == 3), "3 endpoints")
        ip, port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["port"]
        assert await ask(ip, port) in {b.name for b in replicas}
        assert ListenKey(node_address, node_port) not in proxy.listeners
    # Freed: the proxy keeps trying, and takes the port without any change to the Service.
    await eventually(lambda: _true(ListenKey(node_address, node_port) in proxy.listeners),
                     "the NodePort listener once the port is free")


async def _true(value: bool) -> bool:
    await asyncio.sleep(0)
    return value
