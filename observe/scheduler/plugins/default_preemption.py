"""DefaultPreemption: when no node fits, find a node where evicting lower-priority pods
would make room, evict them and nominate that node for the pod.

For each node whose rejection was not unresolvable, the pods of lower priority are taken
away in a copy of the node; if the pod then passes every filter, the victims are added back,
most important first, for as long as it still fits, and what remains are the victims. The
best candidate has the lowest highest-priority victim, then the lowest sum of priorities,
then the fewest victims, then the latest start among its most important victims. Without a
candidate the answer explains why per node, in upstream's words ("No preemption victims
found for incoming pod", "Preemption is not helpful for scheduling"), which becomes the
``preemption:`` half of the FailedScheduling message.

Not modelled: PodDisruptionBudgets (every candidate counts as violating none) and the
pre_filter state updates upstream makes when it removes a victim (spread and inter-pod
affinity counts still include the victims during the what-if).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any, NamedTuple

from observe.api.podinfo import PodInfo
from observe.client.errors import ClientError
from observe.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Handle,
    NodeToStatus,
    Status,
    error,
)
from observe.scheduler.nodeinfo import NodeInfo

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE_POLICY = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
_NOT_HELPFUL = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NOT_HELPFUL, plugin=NAME)
_NO_VICTIMS = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NO_VICTIMS, plugin=NAME)


class Candidate(NamedTuple):
    node: NodeInfo
    victims: list[PodInfo]


def start_time(pod: PodInfo) -> str:
    return str((pod.pod.get("status") or {}).get("startTime") or pod.creation_timestamp)


def importance(pod: PodInfo) -> tuple:
    """Sort key putting the most important pod first: higher priority, then older."""
    return (-pod.priority, start_time(pod))


def terminating_by_preemption(pod: PodInfo) -> bool:
    if not pod.terminating:
        return False
    return any(c.get("type") == "DisruptionTarget" and c.get("reason") == "PreemptionByScheduler"
               for c in (pod.pod.get("status") or {}).get("conditions") or []
               if isinstance(c, dict))


def num_candidates(num_nodes: int) -> int:
    wanted = max(num_nodes * MIN_CANDIDATE_NODES_PERCENTAGE // 100,
                 MIN_CANDIDATE_NODES_ABSOLUTE)
    return min(wanted, num_nodes)


def select_victims(pod: PodInfo, node: NodeInfo,
                   passes: Callable[[NodeInfo], Status | None]
                   ) -> tuple[list[PodInfo], Status | None]:
    """The fewest lower-priority pods to evict from ``node`` so the pod fits, or why none."""
    trial = node.clone()
    lower = sorted((p for p in node.pods.values() if p.priority < pod.priority), key=importance)
    if not lower:
        return [], _NO_VICTIMS
    for victim in lower:
        trial.remove_pod(victim.uid)
    status = passes(trial)
    if status is not None:
        return [], status
    victims = []
    for candidate in lower:
        trial.add_pod(candidate)
        if passes(trial) is not None:
            trial.remove_pod(candidate.uid)
            victims.append(candidate)
    return victims, None


def candidate_rank(candidate: Candidate) -> tuple:
    """Smaller is better (upstream's pickOneNodeForPreemption, PDBs aside)."""
    victims = candidate.victims
    highest = max(v.priority for v in victims)
    # Sum of priorities shifted to be positive, as upstream does, so more victims cost more.
    priority_sum = sum(v.priority + 2**31 for v in victims)
    earliest_of_highest = min(start_time(v) for v in victims if v.priority == highest)
    return (highest, priority_sum, len(victims), _descending(earliest_of_highest))


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


class DefaultPreemption:
    name = NAME

    def __init__(self, handle: Handle, rand: Callable[[int], int] | None = None) -> None:
        self.handle = handle
        self._randrange = rand or random.randrange

    def eligible(self, pod: PodInfo, statuses: NodeToStatus) -> str | None:
        """Why the pod may not preempt, or None if it may."""
        if pod.preemption_policy == "Never":
            return NOT_ELIGIBLE_POLICY
        nominated = pod.nominated_node_name
        if nominated:
            if statuses.get(nominated).code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return None
            node = self.handle.snapshot.get(nominated)
            if node is not None and any(p.priority < pod.priority
                                        and terminating_by_preemption(p)
                                        for p in node.pods.values()):
                return NOT_ELIGIBLE_TERMINATING
        return None

    def find_candidates(self, state: CycleState, pod: PodInfo, statuses: NodeToStatus
                        ) -> tuple[list[Candidate], NodeToStatus]:
        all_nodes = self.handle.snapshot.nodes
        outcome = NodeToStatus(absent=_NOT_HELPFUL)
        potential = []
        for node in all_nodes:
            if statuses.get(node.name).code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                outcome.set(node.name, _NOT_HELPFUL)
            else:
                potential.append(node)
        if not potential:
            return [], outcome
        framework = self.handle.framework

        def passes(node: NodeInfo) -> Status | None:
            rejected = framework.run_filters_with_nominated(state, pod, node)
            return None if rejected is None else rejected[1]

        wanted = num_candidates(len(potential))
        offset = self._randrange(len(potential))
        candidates: list[Candidate] = []
        for i in range(len(potential)):
            node = potential[(offset + i) % len(potential)]
            victims, status = select_victims(pod, node, passes)
            if status is None and victims:
                candidates.append(Candidate(node, victims))
                if len(candidates) >= wanted:
                    break
            else:
                outcome.set(node.name, status or Status(
                    Code.ERROR, f'expected at least one victim pod on node "{node.name}"'))
        return candidates, outcome

    async def post_filter(self, state: CycleState, pod: PodInfo, statuses: NodeToStatus
                          ) -> tuple[str | None, Status]:
        """The node nominated for the pod ("" to clear a nomination, None to leave it as
        it is) and the outcome."""
        reason = self.eligible(pod, statuses)
        if reason is not None:
            return None, Status(Code.UNSCHEDULABLE, "preemption: " + reason, plugin=NAME)
        candidates, outcome = self.find_candidates(state, pod, statuses)
        if not candidates:
            fit_error = FitError(pod, len(self.handle.snapshot.nodes),
                                 Diagnosis(node_to_status=outcome))
            return "", Status(Code.UNSCHEDULABLE, "preemption: " + fit_error.message,
                              plugin=NAME)
        best = min(candidates, key=candidate_rank)
        try:
            await asyncio.gather(*(self.handle.evict(victim, pod, best.node.name)
                                   for victim in best.victims))
        except ClientError as e:
            return None, error(f"preemption: {e}", NAME)
        return best.node.name, Status(Code.SUCCESS, plugin=NAME)


def new(args: Any, handle: Handle) -> DefaultPreemption:
    return DefaultPreemption(handle)
