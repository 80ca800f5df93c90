"""The framework handle of a running scheduler: what plugins reach through the API.

Sits between the plugins (which see only :class:`~observe.scheduler.framework.Handle`) and
the API client and informer caches the scheduler owns. Binding posts the pod's ``binding``
subresource as DefaultBinder does; eviction marks the victim with a ``DisruptionTarget``
condition, deletes it and records ``Preempted``; the default spreading selector is read
from the Service, ReplicaSet and StatefulSet caches.
"""

from __future__ import annotations

from typing import Any

from observe.api import meta as m
from observe.api.podinfo import PodInfo
from observe.api.registry import ResourceType
from observe.api.selectors import EQUALS, LabelSelector, Requirement, label_selector_from_dict
from observe.client.errors import ApiError
from observe.client.informer import Informer
from observe.scheduler.eventsink import EventSink
from observe.scheduler.snapshot import Snapshot

_OWNER_KINDS = {("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")}


def controller_ref(pod: PodInfo) -> dict[str, Any] | None:
    for ref in pod.owner_references:
        if isinstance(ref, dict) and ref.get("controller") is True:
            return ref
    return None


def service_selects(service: dict[str, Any], labels: dict[str, str]) -> bool:
    selector = (service.get("spec") or {}).get("selector")
    if not isinstance(selector, dict):
        return False
    return all(labels.get(k) == v for k, v in selector.items())


class ApiHandle:
    def __init__(self, api: Any, pods: ResourceType, snapshot: Snapshot, events: EventSink,
                 scheduler_name: str, *, services: Informer | None = None,
                 owners: dict[str, Informer] | None = None) -> None:
        self.api = api
        self.pods = pods
        self.snapshot = snapshot
        self.events = events
        self.scheduler_name = scheduler_name
        self.services = services
        self.owners = owners or {}
        self.framework: Any = None

    def spread_selector(self, pod: PodInfo) -> LabelSelector:
        """Upstream's ``DefaultSelector``: the labels every Service selecting the pod
        requires, plus the selector of its controlling ReplicaSet or StatefulSet."""
        merged: dict[str, str] = {}
        if self.services is not None:
            for service in self.services.list(pod.namespace):
                if service_selects(service, pod.labels):
                    merged.update((service.get("spec") or {}).get("selector") or {})
        requirements = [Requirement(k, EQUALS, (v,)) for k, v in merged.items()]
        ref = controller_ref(pod)
        if ref is not None and (ref.get("apiVersion"), ref.get("kind")) in _OWNER_KINDS:
            informer = self.owners.get(str(ref.get("kind")))
            owner = informer.get(pod.namespace, str(ref.get("name"))) if informer else None
            if owner is not None:
                selector = label_selector_from_dict((owner.get("spec") or {}).get("selector"))
                if not selector.nothing:
                    requirements.extend(selector.requirements)
        return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))

    async def bind(self, pod: PodInfo, node_name: str) -> None:
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
        await self.api.create(self.pods, body, namespace=pod.namespace, name=pod.name,
                              subresource="binding")

    async def evict(self, victim: PodInfo, preemptor: PodInfo, node_name: str) -> None:
        condition = {"type": "DisruptionTarget", "status": "True",
                     "reason": "PreemptionByScheduler",
                     "message": f"{self.scheduler_name}: preempting to accommodate a higher "
                                "priority pod",
                     "lastTransitionTime": m.rfc3339(m.now())}
        try:
            await self.api.patch(self.pods, victim.name, {"status": {"conditions": [condition]}},
                                 namespace=victim.namespace, subresource="status")
            await self.api.delete(self.pods, victim.name, namespace=victim.namespace)
        except ApiError as e:
            if e.code != 404:
                raise
            return
        self.events.emit(victim.pod, "Normal", "Preempted",
                         f"Preempted by pod {preemptor.uid} on node {node_name}")
