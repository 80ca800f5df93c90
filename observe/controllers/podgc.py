"""The pod garbage collector: delete pods nobody else will.

Follows upstream's ``podgc/gc_controller.go``. Every ``--pod-gc-period`` it looks at the pod
and node caches and force-deletes (grace period 0):

- finished pods (Succeeded/Failed) beyond ``--terminated-pod-gc-threshold``, evicted ones
  first, then the oldest (:func:`terminated_to_delete`; a threshold of 0 keeps them all);
- pods bound to a node that no longer exists — after the node has been missing from the
  cache for a quarantine period and the apiserver confirms it is gone — marked Failed with a
  ``DisruptionTarget`` condition ("PodGC: node no longer exists") first;
- pods being deleted that were never scheduled (no kubelet will ever finish them).

It counts what it deletes in ``pod_gc_collector_force_delete_pods_total{namespace,reason}``.
"""

from __future__ import annotations

import copy
from typing import Any

from prometheus_client import Counter

from observe.api import meta as m
from observe.client.cache import Object
from observe.client.errors import ApiError
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, ControllerContext, is_not_found

GC_KEY = "gc"
TERMINATED, ORPHANED, UNSCHEDULED = "terminated", "orphaned", "unscheduled_terminating"
NODE_GONE = "PodGC: node no longer exists"


def _evicted(pod: Object) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Failed" and status.get("reason") == "Evicted"


def terminated_to_delete(pods: list[Object], threshold: int) -> list[Object]:
    """The finished pods over ``threshold``: evicted first, then oldest, name breaking ties."""
    finished = [p for p in pods if podutil.is_terminated(p)]
    excess = len(finished) - threshold
    if threshold <= 0 or excess <= 0:
        return []

    def order(pod: Object) -> tuple[bool, float, str]:
        created = m.parse_time((pod.get("metadata") or {}).get("creationTimestamp"))
        return (not _evicted(pod), created.timestamp() if created else 0.0,
                pod["metadata"].get("name", ""))

    return sorted(finished, key=order)[:excess]


def on_missing_nodes(pods: list[Object], nodes: set[str]) -> dict[str, list[Object]]:
    """Pods bound to nodes not in ``nodes``, by node name."""
    missing: dict[str, list[Object]] = {}
    for pod in pods:
        node = podutil.node_name(pod)
        if node and node not in nodes:
            missing.setdefault(node, []).append(pod)
    return missing


def unscheduled_terminating(pods: list[Object]) -> list[Object]:
    return [p for p in pods if m.is_terminating(p) and not podutil.node_name(p)]


class PodGC(Controller):
    name = "podgc"
    queue_name = "pod_gc"
    component = "pod-garbage-collector"

    def __init__(self, ctx: ControllerContext, *, threshold: int, period: float,
                 quarantine: float) -> None:
        self.threshold = threshold
        self.quarantine = quarantine
        super().__init__(ctx)
        self.tick_period = period
        self._deleted = Counter(
            "pod_gc_collector_force_delete_pods",
            "Pods deleted by the pod garbage collector, by namespace and reason.",
            ["namespace", "reason"], registry=ctx.metrics) if ctx.metrics else None

    def register(self) -> None:
        self.pods = self.informer("", "pods")
        self.nodes = self.informer("", "nodes")
        self._pod_type = self.pods.resource_type
        self._node_type = self.nodes.resource_type
        # Node name -> when (controller clock) its pods were first seen without it.
        self._missing_since: dict[str, float] = {}

    def tick(self) -> None:
        self.queue.add(GC_KEY)

    async def sync(self, key: str) -> None:
        pods = self.pods.list()
        for pod in terminated_to_delete(pods, self.threshold):
            await self._force_delete(pod, TERMINATED)
        await self._collect_orphans(pods)
        for pod in unscheduled_terminating(pods):
            await self._force_delete(pod, UNSCHEDULED, mark_failed=True)

    async def _collect_orphans(self, pods: list[Object]) -> None:
        now = self.ctx.clock.now()
        missing = on_missing_nodes(pods, {n["metadata"]["name"] for n in self.nodes.list()})
        self._missing_since = {name: self._missing_since.get(name, now) for name in missing}
        for name, stranded in missing.items():
            if now - self._missing_since[name] < self.quarantine:
                continue
            if await self._node_exists(name):  # the cache was behind
                del self._missing_since[name]
                continue
            for pod in stranded:
                await self._force_delete(pod, ORPHANED, mark_failed=True, message=NODE_GONE)

    async def _node_exists(self, name: str) -> bool:
        try:
            await self.ctx.api.get(self._node_type, name)
        except ApiError as e:
            if is_not_found(e):
                return False
            raise
        return True

    async def _force_delete(self, pod: Object, reason: str, *, mark_failed: bool = False,
                            message: str | None = None) -> None:
        meta = pod["metadata"]
        try:
            if mark_failed and not podutil.is_terminated(pod):
                await self.ctx.api.replace(self._pod_type, {**pod, "status": self._failed(
                    pod, message)}, subresource="status")
            await self.ctx.api.delete(self._pod_type, meta["name"],
                                      namespace=meta.get("namespace"), grace_period=0)
        except ApiError as e:
            if is_not_found(e):
                return
            raise
        self.log.info("force-deleted pod %s/%s (%s)", meta.get("namespace"), meta["name"],
                      reason)
        if self._deleted is not None:
            self._deleted.labels(namespace=meta.get("namespace", ""), reason=reason).inc()

    def _failed(self, pod: Object, message: str | None) -> dict[str, Any]:
        status = copy.deepcopy(pod.get("status") or {})
        status["phase"] = "Failed"
        if message:
            conditions = [c for c in status.get("conditions") or []
                          if c.get("type") != "DisruptionTarget"]
            conditions.append({"type": "DisruptionTarget", "status": "True",
                               "lastTransitionTime": m.rfc3339(self.ctx.now()),
                               "reason": "DeletionByPodGC", "message": message})
            status["conditions"] = conditions
        return status
