"""A Node as scheduling reads it, with running totals of the pods placed on it.

Sits next to :mod:`.podinfo` at the bottom of the scheduler. :class:`NodeInfo` is
kube-scheduler's ``framework.NodeInfo``: the node's allocatable resources, taints and labels
parsed once per node update, and aggregates (requested and non-zero-requested resources,
used host ports, pods with affinity terms) kept up to date as pods are added and removed, so
a filter or score costs a few integer comparisons instead of a walk over the node's pods.
The cache (:mod:`.cache`) owns the NodeInfos and is the only writer.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from observe.api.podinfo import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    NO_EXECUTE,
    NO_SCHEDULE,
    PODS,
    PREFER_NO_SCHEDULE,
    HostPort,
    PodInfo,
    Taint,
    parse_taints,
    resource_list,
)

ANY_IP = "0.0.0.0"


def ports_conflict(used: Counter[HostPort], wanted: HostPort) -> bool:
    """``HostPortInfo.CheckConflict``: 0.0.0.0 clashes with the same protocol and port on
    any address; a specific address clashes with itself and with 0.0.0.0."""
    if wanted.port <= 0 or not used:
        return False
    if wanted.ip == ANY_IP:
        return any(p.protocol == wanted.protocol and p.port == wanted.port and n > 0
                   for p, n in used.items())
    return (used.get(wanted, 0) > 0
            or used.get(HostPort(ANY_IP, wanted.protocol, wanted.port), 0) > 0)


class NodeInfo:
    """One node and the pods the scheduler believes are on it (assumed ones included)."""

    __slots__ = (
        "alloc_cpu", "alloc_ephemeral", "alloc_memory", "alloc_pods", "alloc_scalars",
        "generation", "labels", "name", "no_schedule_taints", "node", "nonzero_cpu",
        "nonzero_memory", "pods", "pods_with_affinity", "pods_with_required_anti_affinity",
        "prefer_no_schedule_taints", "req_cpu", "req_ephemeral", "req_memory", "req_scalars",
        "taints", "unschedulable", "used_ports"
    )

    def __init__(self, node: dict[str, Any] | None = None) -> None:
        self.node: dict[str, Any] | None = None
        self.name = ""
        self.labels: dict[str, str] = {}
        self.unschedulable = False
        self.taints: tuple[Taint, ...] = ()
        self.no_schedule_taints: tuple[Taint, ...] = ()
        self.prefer_no_schedule_taints: tuple[Taint, ...] = ()
        self.alloc_cpu = self.alloc_memory = self.alloc_ephemeral = self.alloc_pods = 0
        self.alloc_scalars: dict[str, int] = {}
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.req_cpu = self.req_memory = self.req_ephemeral = 0
        self.req_scalars: dict[str, int] = {}
        self.nonzero_cpu = self.nonzero_memory = 0
        self.used_ports: Counter[HostPort] = Counter()
        self.generation = 0
        if node is not None:
            self.set_node(node)

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pods)}>"

    def set_node(self, node: dict[str, Any]) -> None:
        meta = node.get("metadata") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.node = node
        self.name = str(meta.get("name") or "")
        labels = meta.get("labels")
        self.labels = {k: v for k, v in labels.items() if isinstance(v, str)} \
            if isinstance(labels, dict) else {}
        self.unschedulable = spec.get("unschedulable") is True
        self.taints = parse_taints(spec.get("taints"))
        self.no_schedule_taints = tuple(t for t in self.taints
                                        if t.effect in (NO_SCHEDULE, NO_EXECUTE))
        self.prefer_no_schedule_taints = tuple(t for t in self.taints
                                               if t.effect == PREFER_NO_SCHEDULE)
        allocatable = resource_list(status.get("allocatable"))
        self.alloc_cpu = allocatable.pop(CPU, 0)
        self.alloc_memory = allocatable.pop(MEMORY, 0)
        self.alloc_ephemeral = allocatable.pop(EPHEMERAL_STORAGE, 0)
        self.alloc_pods = allocatable.pop(PODS, 0)
        self.alloc_scalars = allocatable
        self.generation += 1

    def add_pod(self, pod: PodInfo) -> None:
        self.pods[pod.uid] = pod
        if pod.has_pod_affinity:
            self.pods_with_affinity[pod.uid] = pod
        if pod.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity[pod.uid] = pod
        self._account(pod, 1)

    def remove_pod(self, uid: str) -> PodInfo | None:
        pod = self.pods.pop(uid, None)
        if pod is None:
            return None
        self.pods_with_affinity.pop(uid, None)
        self.pods_with_required_anti_affinity.pop(uid, None)
        self._account(pod, -1)
        return pod

    def _account(self, pod: PodInfo, sign: int) -> None:
        self.req_cpu += sign * pod.cpu
        self.req_memory += sign * pod.memory
        self.req_ephemeral += sign * pod.ephemeral
        for name, amount in pod.scalars.items():
            self.req_scalars[name] = self.req_scalars.get(name, 0) + sign * amount
        self.nonzero_cpu += sign * pod.nonzero_cpu
        self.nonzero_memory += sign * pod.nonzero_memory
        for port in pod.host_ports:
            self.used_ports[port] += sign
            if self.used_ports[port] <= 0:
                del self.used_ports[port]
        self.generation += 1

    def clone(self) -> NodeInfo:
        """A copy whose pods can be changed without touching this one (preemption's
        what-if), sharing the parsed node."""
        other = NodeInfo.__new__(NodeInfo)
        for slot in NodeInfo.__slots__:
            setattr(other, slot, getattr(self, slot))
        other.pods = dict(self.pods)
        other.pods_with_affinity = dict(self.pods_with_affinity)
        other.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        other.req_scalars = dict(self.req_scalars)
        other.used_ports = Counter(self.used_ports)
        return other
