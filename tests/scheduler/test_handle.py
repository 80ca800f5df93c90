"""The API-backed handle: the default spreading selector and the binding it posts."""

from __future__ import annotations

import asyncio
from typing import Any

from observe.api.podinfo import PodInfo
from observe.api.registry import default_registry
from observe.scheduler.handle import ApiHandle
from observe.scheduler.snapshot import Snapshot
from tests.scheduler.builders import pod

PODS = default_registry().get("", "pods")


class Listing:
    """The two reads ApiHandle makes of an informer."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects = objects

    def list(self, namespace: str | None = None) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["metadata"].get("namespace") == namespace]

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        return next((o for o in self.list(namespace) if o["metadata"]["name"] == name), None)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    async def create(self, resource_type: Any, body: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("create", body, kwargs))
        return {}


def handle(api: Any = None, services: Listing | None = None,
           replicasets: Listing | None = None) -> ApiHandle:
    return ApiHandle(api, PODS, Snapshot(), events=None, scheduler_name="default-scheduler",
                     services=services, owners={"ReplicaSet": replicasets or Listing()})


def obj(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def owned_by_rs(name: str, labels: dict[str, str]) -> PodInfo:
    body = pod("p", labels=labels)
    body["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                            "name": name, "uid": "u", "controller": True}]
    return PodInfo(body)


def test_a_lone_pod_has_no_default_spreading_selector() -> None:
    assert handle(services=Listing()).spread_selector(PodInfo(pod("p"))).empty


def test_selectors_of_services_and_the_owning_replicaset_combine() -> None:
    services = Listing(obj("Service", "web", {"selector": {"app": "web"}}),
                       obj("Service", "other", {"selector": {"app": "db"}}))
    replicasets = Listing(obj("ReplicaSet", "web-1", {"selector": {
        "matchLabels": {"app": "web", "pod-template-hash": "1"}}}))
    selector = handle(services=services, replicasets=replicasets).spread_selector(
        owned_by_rs("web-1", {"app": "web", "pod-template-hash": "1", "extra": "x"}))
    assert str(selector) == "app=web,app=web,pod-template-hash=1"
    assert selector.matches({"app": "web", "pod-template-hash": "1"})
    assert not selector.matches({"app": "web", "pod-template-hash": "2"})


def test_binding_names_the_pod_and_the_node() -> None:
    api = Recorder()
    p = PodInfo(pod("web", namespace="shop"))
    asyncio.run(handle(api=api).bind(p, "n1"))
    [(_, body, kwargs)] = api.calls
    assert body["kind"] == "Binding"
    assert body["metadata"] == {"name": "web", "namespace": "shop", "uid": p.uid}
    assert body["target"] == {"apiVersion": "v1", "kind": "Node", "name": "n1"}
    assert kwargs == {"namespace": "shop", "name": "web", "subresource": "binding"}
