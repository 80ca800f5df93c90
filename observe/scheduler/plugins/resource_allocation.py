"""How full a node would be with the pod on it, scored per resource and weighted: the
scoring half of NodeResourcesFit (LeastAllocated, MostAllocated) and the input of
NodeResourcesBalancedAllocation.

Mirrors upstream's ``resourceAllocationScorer``, including its choice of what counts as
requested: the least/most-allocated strategies count pods without requests as 100m cpu and
200Mi memory ("non-zero" requests, and nothing else), balanced allocation counts what pods
really request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from observe.api.podinfo import CPU, EPHEMERAL_STORAGE, MEMORY, PodInfo
from observe.scheduler.framework import MAX_NODE_SCORE
from observe.scheduler.nodeinfo import NodeInfo


class ResourceSpec(NamedTuple):
    name: str
    weight: int = 1


DEFAULT_RESOURCES = (ResourceSpec(CPU, 1), ResourceSpec(MEMORY, 1))


def parse_resources(specs: Any) -> tuple[ResourceSpec, ...]:
    if not isinstance(specs, list) or not specs:
        return DEFAULT_RESOURCES
    return tuple(ResourceSpec(str(s.get("name")), int(s.get("weight") or 1))
                 for s in specs if isinstance(s, dict) and s.get("name"))


def pod_amount(pod: PodInfo, name: str, use_requested: bool) -> int:
    if name == CPU:
        return pod.cpu if use_requested else pod.nonzero_cpu
    if name == MEMORY:
        return pod.memory if use_requested else pod.nonzero_memory
    return pod.requests.get(name, 0)


def allocatable_and_requested(node: NodeInfo, name: str, pod_request: int,
                              use_requested: bool) -> tuple[int, int]:
    """``(allocatable, requested including the pod)``; ``(0, 0)`` leaves the resource out."""
    if name == CPU:
        used = node.req_cpu if use_requested else node.nonzero_cpu
        return node.alloc_cpu, used + pod_request
    if name == MEMORY:
        used = node.req_memory if use_requested else node.nonzero_memory
        return node.alloc_memory, used + pod_request
    # The non-zero totals only track cpu and memory; upstream reads 0 for the rest.
    if name == EPHEMERAL_STORAGE:
        return node.alloc_ephemeral, (node.req_ephemeral if use_requested else 0) + pod_request
    if pod_request == 0:
        return 0, 0  # extended resources the pod does not want do not count
    used = node.req_scalars.get(name, 0) if use_requested else 0
    return node.alloc_scalars.get(name, 0), used + pod_request


def least_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def weighted_scorer(per_resource: Callable[[int, int], int], resources: Sequence[ResourceSpec]
                    ) -> Callable[[list[int], list[int]], int]:
    weights = [r.weight for r in resources]

    def score(requested: list[int], allocatable: list[int]) -> int:
        total = weight_sum = 0
        for req, alloc, weight in zip(requested, allocatable, weights, strict=True):
            if alloc == 0:
                continue
            total += per_resource(req, alloc) * weight
            weight_sum += weight
        return total // weight_sum if weight_sum else 0

    return score


class ResourceAllocationScorer:
    """Scores a node from the requested/allocatable vectors of the configured resources."""

    def __init__(self, resources: Sequence[ResourceSpec], use_requested: bool,
                 scorer: Callable[[list[int], list[int]], int]) -> None:
        self.resources = tuple(resources)
        self.use_requested = use_requested
        self.scorer = scorer

    def pod_requests(self, pod: PodInfo) -> list[int]:
        return [pod_amount(pod, r.name, self.use_requested) for r in self.resources]

    def score(self, pod_requests: list[int], node: NodeInfo) -> int:
        requested, allocatable = [], []
        for r, amount in zip(self.resources, pod_requests, strict=True):
            alloc, req = allocatable_and_requested(node, r.name, amount, self.use_requested)
            allocatable.append(alloc)
            requested.append(req if alloc else 0)
        return self.scorer(requested, allocatable)
