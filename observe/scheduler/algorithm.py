"""One scheduling attempt: which node, if any, should this pod go to.

Sits between the scheduling loop (:mod:`.scheduler`) and the framework
(:mod:`.framework`). :meth:`Algorithm.schedule_pod` is upstream's ``schedulePod``: run the
pre_filters, run the filters over nodes starting where the previous attempt stopped (so
successive pods spread their search over the cluster) until enough feasible nodes are found
(``percentageOfNodesToScore``: adaptive, 50% minus one point per 125 nodes, at least 5% and
at least 100 nodes), score those, and pick the highest total, ties broken at random. It is
synchronous and touches no I/O, so it can be tested over a hand-built cache.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple

from observe.api.podinfo import PodInfo
from observe.scheduler.cache import Cache
from observe.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Framework,
    Status,
    nodes_named,
)
from observe.scheduler.nodeinfo import NodeInfo

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NO_NODES_AVAILABLE = "no nodes available to schedule pods"


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """How many feasible nodes are enough to stop filtering (upstream's
    ``numFeasibleNodesToFind``); ``percentage`` 0 means adaptive."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage <= 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    wanted = num_all_nodes * min(percentage, 100) // 100
    return max(wanted, MIN_FEASIBLE_NODES_TO_FIND)


def select_host(nodes: list[NodeInfo], totals: list[int],
                randrange: Callable[[int], int] = random.randrange) -> NodeInfo:
    """The node with the highest total; among equals each is equally likely (what
    upstream's reservoir sampling in selectHost amounts to)."""
    best = max(totals)
    tied = [i for i, score in enumerate(totals) if score == best]
    return nodes[tied[randrange(len(tied))] if len(tied) > 1 else tied[0]]


class ScheduleResult(NamedTuple):
    suggested_host: str
    evaluated_nodes: int
    feasible_nodes: int


class Algorithm:
    def __init__(self, framework: Framework, cache: Cache, *,
                 percentage_of_nodes_to_score: int = 0,
                 randrange: Callable[[int], int] = random.randrange) -> None:
        self.framework = framework
        self.cache = cache
        self.percentage = percentage_of_nodes_to_score
        self.randrange = randrange
        self.next_start_node_index = 0

    def schedule_pod(self, state: CycleState, pod: PodInfo
                     ) -> ScheduleResult | FitError | Status:
        """A result, a FitError (no node fits: the pod is unschedulable for now) or an
        error Status."""
        snapshot = self.cache.refresh()
        if not snapshot.nodes:
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NO_NODES_AVAILABLE)
        found = self.find_nodes_that_fit(state, pod)
        if isinstance(found, Status):
            return found
        feasible, diagnosis = found
        evaluated = len(feasible) + len(diagnosis.node_to_status)
        if not feasible:
            return FitError(pod, len(snapshot.nodes), diagnosis)
        if len(feasible) == 1:
            return ScheduleResult(feasible[0].name, evaluated, 1)
        status = self.framework.run_pre_score(state, pod, feasible)
        if status is not None:
            return status
        totals = self.framework.run_score(state, pod, feasible)
        host = select_host(feasible, totals, self.randrange)
        return ScheduleResult(host.name, evaluated, len(feasible))

    def find_nodes_that_fit(self, state: CycleState, pod: PodInfo
                            ) -> tuple[list[NodeInfo], Diagnosis] | Status:
        framework = self.framework
        snapshot = self.cache.refresh()
        all_nodes = snapshot.nodes
        diagnosis = Diagnosis()
        pre_result, status, plugins = framework.run_pre_filter(state, pod)
        diagnosis.unschedulable_plugins = set(plugins)
        if status is not None:
            if not status.is_rejected:
                return status
            # Every node shares the pre_filter's verdict; the message names it once.
            diagnosis.node_to_status.absent = status
            diagnosis.pre_filter_msg = status.message
            return [], diagnosis
        if pod.nominated_node_name:
            nominated = snapshot.get(pod.nominated_node_name)
            if nominated is not None and framework.run_filters_with_nominated(
                    state, pod, nominated) is None:
                return [nominated], diagnosis
        nodes = all_nodes
        if pre_result is not None and pre_result.node_names is not None:
            nodes = nodes_named(snapshot, sorted(pre_result.node_names))
            diagnosis.node_to_status.absent = Status(
                Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(plugins))}]")
        feasible = self._pass_filters(state, pod, nodes, diagnosis)
        if isinstance(feasible, Status):
            return feasible
        processed = len(feasible) + len(diagnosis.node_to_status)
        self.next_start_node_index = (self.next_start_node_index + processed) % len(all_nodes)
        return feasible, diagnosis

    def _pass_filters(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo],
                      diagnosis: Diagnosis) -> list[NodeInfo] | Status:
        count = len(nodes)
        if not count:
            return []
        wanted = num_feasible_nodes_to_find(self.percentage, count)
        start = self.next_start_node_index % count
        ordered = nodes[start:] + nodes[:start] if start else nodes
        filters = state.filters
        if not filters:
            return ordered[:wanted]
        feasible: list[NodeInfo] = []
        statuses = diagnosis.node_to_status.statuses
        nominated = bool(self.framework.nominator)
        with_nominated = self.framework.run_filters_with_nominated
        for node in ordered:
            rejected = None
            if nominated:
                rejected = with_nominated(state, pod, node)
            else:
                # run_filters() inlined: this loop is the hottest code of the scheduler.
                for name, check in filters:
                    status = check(state, pod, node)
                    if status is not None:
                        rejected = name, status
                        break
            if rejected is None:
                feasible.append(node)
                if len(feasible) >= wanted:
                    break
                continue
            name, status = rejected
            if status.code == Code.ERROR:
                return status.with_plugin(name)
            statuses[node.name] = status
            if status.code == Code.PENDING:
                diagnosis.pending_plugins.add(name)
            else:
                diagnosis.unschedulable_plugins.add(name)
        return feasible
