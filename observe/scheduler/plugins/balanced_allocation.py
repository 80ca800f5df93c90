"""NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in equal
proportions with the pod on them (1 - standard deviation of the utilisation fractions)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from observe.scheduler.framework import MAX_NODE_SCORE, CycleState
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceAllocationScorer,
    parse_resources,
)
from observe.scheduler.podinfo import PodInfo

NAME = "NodeResourcesBalancedAllocation"


def balanced_resource_score(requested: list[int], allocatable: list[int]) -> int:
    fractions = []
    for req, alloc in zip(requested, allocatable, strict=True):
        if alloc == 0:
            continue
        fractions.append(min(req / alloc, 1.0))
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME
    default_weight = 1

    def __init__(self, args: Mapping[str, Any] | None = None) -> None:
        resources = parse_resources((args or {}).get("resources"))
        self.scorer = ResourceAllocationScorer(resources, use_requested=True,
                                               scorer=balanced_resource_score)
        # cpu and memory alone (the default) get an inlined score: it runs for every
        # feasible node.
        self._fast = resources == DEFAULT_RESOURCES

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> None:
        if not self._fast:
            state.write(NAME, self.scorer.pod_requests(pod))

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        if self._fast:
            cpu, memory = node.alloc_cpu, node.alloc_memory
            if not cpu or not memory:
                return MAX_NODE_SCORE  # one fraction or none: no deviation
            cpu_fraction = min((node.req_cpu + pod.cpu) / cpu, 1.0)
            memory_fraction = min((node.req_memory + pod.memory) / memory, 1.0)
            return int((1 - abs((cpu_fraction - memory_fraction) / 2)) * MAX_NODE_SCORE)
        return self.scorer.score(state.data[NAME], node)


def new(args: Mapping[str, Any] | None, handle: Any) -> BalancedAllocation:
    return BalancedAllocation(args)
