"""TaintToleration: a pod may only land on a node whose NoSchedule and NoExecute taints it
all tolerates; among those, nodes with fewer untolerated PreferNoSchedule taints score
higher."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import (
    PREFER_NO_SCHEDULE,
    PodInfo,
    Taint,
    first_untolerated,
    tolerates,
)
from observe.scheduler.clusterevents import (
    NODE,
    POD,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
)
from observe.scheduler.framework import SKIP, Code, CycleState, Status, default_normalize
from observe.scheduler.nodeinfo import NodeInfo

NAME = "TaintToleration"


def untolerated_status(taint: Taint) -> Status:
    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                  f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}", plugin=NAME)


class TaintToleration:
    name = NAME
    default_weight = 3

    def __init__(self) -> None:
        self._statuses: dict[Taint, Status] = {}

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not node.no_schedule_taints:
            return None
        taint = first_untolerated(node.no_schedule_taints, pod.tolerations)
        if taint is None:
            return None
        status = self._statuses.get(taint)
        if status is None:
            status = self._statuses[taint] = untolerated_status(taint)
        return status

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        # No PreferNoSchedule taint anywhere: every node would score the same.
        if not any(n.prefer_no_schedule_taints for n in nodes):
            return SKIP
        state.write(NAME, tuple(t for t in pod.tolerations
                                if t.effect in ("", PREFER_NO_SCHEDULE)))
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        tolerations = state.data[NAME]
        return sum(1 for taint in node.prefer_no_schedule_taints
                   if not tolerates(tolerations, taint))

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo],
                        scores: list[int]) -> None:
        default_normalize(scores, reverse=True)

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(NODE, ActionType.ADD | ActionType.UPDATE_NODE_TAINT, ""),
                _node_tolerated),
            ClusterEventWithHint(ClusterEvent(POD, ActionType.UPDATE_POD_TOLERATIONS, "")),
        ]


def _node_tolerated(pod: PodInfo, old: Any, new: Any) -> bool:
    if not isinstance(new, NodeInfo):
        return True
    return first_untolerated(new.no_schedule_taints, pod.tolerations) is None


def new(args: Any, handle: Any) -> TaintToleration:
    return TaintToleration()
