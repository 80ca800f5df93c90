"""NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in equal
proportions with the pod on them (1 - standard deviation of the utilisation fractions)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.framework import MAX_NODE_SCORE, CycleState
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceAllocationScorer,
    parse_resources,
)

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
        return self.score_all(state, pod, [node])[0]

    def score_all(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        if not self._fast:
            requests = state.data[NAME]
            return [self.scorer.score(requests, node) for node in nodes]
        scores = []
        pod_cpu, pod_memory = pod.cpu, pod.memory
        for node in nodes:
            cpu, memory = node.alloc_cpu, node.alloc_memory
            if not cpu or not memory:
                scores.append(MAX_NODE_SCORE)  # one fraction or none: no deviation
                continue
            # balanced_resource_score for two resources, spelled out: this runs per node.
            cpu_fraction = (node.req_cpu + pod_cpu) / cpu
            if cpu_fraction > 1.0:
                cpu_fraction = 1.0
            memory_fraction = (node.req_memory + pod_memory) / memory
            if memory_fraction > 1.0:
                memory_fraction = 1.0
            deviation = (cpu_fraction - memory_fraction) / 2
            if deviation < 0:
                deviation = -deviation
            scores.append(int((1 - deviation) * MAX_NODE_SCORE))
        return scores


def new(args: Mapping[str, Any] | None, handle: Any) -> BalancedAllocation:
    return BalancedAllocation(args)
