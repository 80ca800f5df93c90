"""The Endpoints and EndpointSlice controllers against a real apiserver: a Service's pods show
up as ready and not-ready addresses, a pod turning unready moves within a second, and a
Service without a selector is left alone. No kubelet runs: the test writes pod status."""

from __future__ import annotations

import time

from observe.api.registry import default_registry
from observe.client.errors import ApiError
from tests.controllers.cluster import PODS, eventually, ready_status

SERVICES = default_registry().get("", "services")
ENDPOINTS = default_registry().get("", "endpoints")
SLICES = default_registry().get("discovery.k8s.io", "endpointslices")


def web_service(name: str = "web", **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}], **spec}}


async def start_pod(api, ns: str, name: str, ip: str, ready: bool = True,
                    app: str = "web") -> dict:
    pod = await api.create(PODS, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": "node-1", "containers": [
            {"name": "c", "image": "busybox",
             "ports": [{"name": "http", "containerPort": 8080}]}]}}, namespace=ns)
    return await set_ready(api, pod, ready, ip)


async def set_ready(api, pod: dict, ready: bool, ip: str | None = None) -> dict:
    fresh = await api.get(PODS, pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    status = {**ready_status(fresh, ready),
              "podIP": ip or fresh["status"]["podIP"]}
    status["podIPs"] = [{"ip": status["podIP"]}]
    return await api.replace(PODS, {**fresh, "status": status}, subresource="status")


async def endpoints_ips(api, ns: str, name: str) -> tuple[list[str], list[str]]:
    try:
        ep = await api.get(ENDPOINTS, name, namespace=ns)
    except ApiError as e:
        if e.code == 404:
            return [], []
        raise
    ready, not_ready = [], []
    for subset in ep.get("subsets") or []:
        ready += [a["ip"] for a in subset.get("addresses") or []]
        not_ready += [a["ip"] for a in subset.get("notReadyAddresses") or []]
    return sorted(ready), sorted(not_ready)


async def slice_state(api, ns: str, name: str) -> dict[str, bool]:
    items = (await api.list(SLICES, namespace=ns,
                            label_selector=f"kubernetes.io/service-name={name}"))["items"]
    return {e["addresses"][0]: e["conditions"]["ready"]
            for s in items for e in s.get("endpoints") or []}


async def test_endpoints_and_slices_follow_pod_readiness(api, ns, controllers):
    await controllers("endpoint", "endpointslice")
    await api.create(SERVICES, web_service(), namespace=ns)
    pod_a = await start_pod(api, ns, "a", "127.1.0.2")
    await start_pod(api, ns, "b", "127.1.0.3", ready=False)

    async def both_listed():
        state = await endpoints_ips(api, ns, "web")
        return state if state == (["127.1.0.2"], ["127.1.0.3"]) else None

    await eventually(both_listed, "a ready and b not ready in the Endpoints")
    ep = await api.get(ENDPOINTS, "web", namespace=ns)
    [subset] = ep["subsets"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert subset["addresses"][0]["targetRef"] == {
        "kind": "Pod", "namespace": ns, "name": "a", "uid": pod_a["metadata"]["uid"]}
    assert subset["addresses"][0]["nodeName"] == "node-1"
    assert "endpoints.kubernetes.io/last-change-trigger-time" in ep["metadata"]["annotations"]

    async def slices_agree():
        state = await slice_state(api, ns, "web")
        return state if state == {"127.1.0.2": True, "127.1.0.3": False} else None

    await eventually(slices_agree, "the EndpointSlice to show a ready and b not ready")
    [slice_] = (await api.list(SLICES, namespace=ns))["items"]
    assert slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]

    # The acceptance figure: a pod turning unready leaves the ready set within a second.
    started = time.monotonic()
    await set_ready(api, pod_a, False)

    async def a_unready():
        ready, _ = await endpoints_ips(api, ns, "web")
        slices = await slice_state(api, ns, "web")
        return not ready and slices.get("127.1.0.2") is False

    await eventually(a_unready, "a to leave the ready addresses", timeout=5)
    assert time.monotonic() - started < 1.0, "removal took longer than the 1 s target"


async def test_deleting_the_service_deletes_its_endpoints(api, ns, controllers):
    await controllers("endpoint", "endpointslice")
    await api.create(SERVICES, web_service(), namespace=ns)
    await eventually(lambda: _exists(api, ENDPOINTS, ns, "web"), "the Endpoints")
    await api.delete(SERVICES, "web", namespace=ns)
    await eventually(lambda: _gone(api, ENDPOINTS, ns, "web"), "the Endpoints to be deleted")


async def test_a_service_without_selector_keeps_hand_written_endpoints(api, ns, controllers):
    await controllers("endpoint", "endpointslice")
    service = web_service("manual")
    del service["spec"]["selector"]
    await api.create(SERVICES, service, namespace=ns)
    await api.create(ENDPOINTS, {"apiVersion": "v1", "kind": "Endpoints",
                                 "metadata": {"name": "manual"},
                                 "subsets": [{"addresses": [{"ip": "127.5.0.1"}],
                                              "ports": [{"name": "http", "port": 1234}]}]},
                     namespace=ns)
    # A selecting Service created afterwards is handled, so the controllers have looked.
    await api.create(SERVICES, web_service(), namespace=ns)
    await eventually(lambda: _exists(api, ENDPOINTS, ns, "web"), "the other Endpoints")
    manual = await api.get(ENDPOINTS, "manual", namespace=ns)
    assert manual["subsets"][0]["addresses"] == [{"ip": "127.5.0.1"}]
    assert await slice_state(api, ns, "manual") == {}


async def _exists(api, rt, ns: str, name: str) -> bool:
    return not await _gone(api, rt, ns, name)


async def _gone(api, rt, ns: str, name: str) -> bool:
    try:
        await api.get(rt, name, namespace=ns)
    except ApiError as e:
        if e.code == 404:
            return True
        raise
    return False
