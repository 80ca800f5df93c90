"""NodeResourcesFit: the pod's requests (containers summed, init containers' peak, pod
overhead) must fit in what the node has left of its allocatable cpu, memory,
ephemeral-storage, extended resources and pod count. Scores with the configured strategy,
LeastAllocated by default (emptier nodes first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.clusterevents import (
    NODE,
    POD,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
)
from observe.scheduler.framework import Code, CycleState, PreFilterResult, Status
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceAllocationScorer,
    least_requested_score,
    most_requested_score,
    parse_resources,
    weighted_scorer,
)

NAME = "NodeResourcesFit"
LEAST_ALLOCATED, MOST_ALLOCATED = "LeastAllocated", "MostAllocated"
TOO_MANY_PODS = "Too many pods"


def insufficient_resources(pod: PodInfo, node: NodeInfo,
                           ignored: frozenset[str] = frozenset(),
                           ignored_groups: frozenset[str] = frozenset()) -> list[str]:
    """Upstream's ``fitsRequest``: every reason the pod does not fit, in its order."""
    reasons = []
    if len(node.pods) + 1 > node.alloc_pods:
        reasons.append(TOO_MANY_PODS)
    if not (pod.cpu or pod.memory or pod.ephemeral or pod.scalars):
        return reasons
    if pod.cpu > 0 and pod.cpu > node.alloc_cpu - node.req_cpu:
        reasons.append("Insufficient cpu")
    if pod.memory > 0 and pod.memory > node.alloc_memory - node.req_memory:
        reasons.append("Insufficient memory")
    if pod.ephemeral > 0 and pod.ephemeral > node.alloc_ephemeral - node.req_ephemeral:
        reasons.append("Insufficient ephemeral-storage")
    for name, amount in pod.scalars.items():
        if "/" in name and (name in ignored or name.split("/", 1)[0] in ignored_groups):
            continue
        if amount > node.alloc_scalars.get(name, 0) - node.req_scalars.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def fits(pod: PodInfo, node: NodeInfo) -> bool:
    return not insufficient_resources(pod, node)


class NodeResourcesFit:
    name = NAME
    default_weight = 1

    def __init__(self, args: Mapping[str, Any] | None = None) -> None:
        args = args or {}
        strategy = args.get("scoringStrategy") or {}
        kind = strategy.get("type") or LEAST_ALLOCATED
        per_resource = {LEAST_ALLOCATED: least_requested_score,
                        MOST_ALLOCATED: most_requested_score}.get(kind)
        if per_resource is None:
            raise ValueError(f"scoring strategy {kind} is not supported")
        resources = parse_resources(strategy.get("resources"))
        self.scorer = ResourceAllocationScorer(resources, use_requested=False,
                                               scorer=weighted_scorer(per_resource, resources))
        self.ignored = frozenset(args.get("ignoredResources") or ())
        self.ignored_groups = frozenset(args.get("ignoredResourceGroups") or ())
        # The default configuration gets an inlined score: it runs for every feasible node.
        self._fast_least = kind == LEAST_ALLOCATED and resources == DEFAULT_RESOURCES
        self._statuses: dict[tuple[str, ...], Status] = {}

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        return None, None  # the pod's requests were computed with its PodInfo

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if (len(node.pods) < node.alloc_pods and not pod.scalars
                and pod.cpu <= node.alloc_cpu - node.req_cpu
                and pod.memory <= node.alloc_memory - node.req_memory
                and pod.ephemeral <= node.alloc_ephemeral - node.req_ephemeral):
            return None
        reasons = tuple(insufficient_resources(pod, node, self.ignored, self.ignored_groups))
        if not reasons:
            return None
        status = self._statuses.get(reasons)
        if status is None:
            status = self._statuses[reasons] = Status(Code.UNSCHEDULABLE, *reasons,
                                                      plugin=NAME)
        return status

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return self.score_all(state, pod, [node])[0]

    def score_all(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        if not self._fast_least:
            requests = self.scorer.pod_requests(pod)
            return [self.scorer.score(requests, node) for node in nodes]
        scores = []
        pod_cpu, pod_memory = pod.nonzero_cpu, pod.nonzero_memory
        for node in nodes:
            total = weights = 0
            capacity = node.alloc_cpu
            if capacity:
                requested = node.nonzero_cpu + pod_cpu
                if requested <= capacity:
                    total = (capacity - requested) * 100 // capacity
                weights = 1
            capacity = node.alloc_memory
            if capacity:
                requested = node.nonzero_memory + pod_memory
                if requested <= capacity:
                    total += (capacity - requested) * 100 // capacity
                weights += 1
            scores.append(total // weights if weights else 0)
        return scores

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(ClusterEvent(POD, ActionType.DELETE, ""), _assigned_pod_gone),
            ClusterEventWithHint(
                ClusterEvent(NODE, ActionType.ADD | ActionType.UPDATE_NODE_ALLOCATABLE, ""),
                _node_may_fit),
        ]


def _assigned_pod_gone(pod: PodInfo, old: Any, new: Any) -> bool:
    return not isinstance(old, PodInfo) or bool(old.node_name)


def _node_may_fit(pod: PodInfo, old: Any, new: Any) -> bool:
    if not isinstance(new, NodeInfo):
        return True
    if not fits(pod, new):
        return False
    if not isinstance(old, NodeInfo):
        return True
    return (new.alloc_pods > old.alloc_pods
            or (pod.cpu > 0 and new.alloc_cpu > old.alloc_cpu)
            or (pod.memory > 0 and new.alloc_memory > old.alloc_memory)
            or (pod.ephemeral > 0 and new.alloc_ephemeral > old.alloc_ephemeral)
            or any(new.alloc_scalars.get(k, 0) > old.alloc_scalars.get(k, 0)
                   for k, v in pod.scalars.items() if v))


def new(args: Mapping[str, Any] | None, handle: Any) -> NodeResourcesFit:
    return NodeResourcesFit(args)
