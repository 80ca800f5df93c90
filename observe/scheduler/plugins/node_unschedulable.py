"""NodeUnschedulable: keeps pods off cordoned nodes (``spec.unschedulable``) unless they
tolerate the ``node.kubernetes.io/unschedulable:NoSchedule`` taint."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import (
    NO_SCHEDULE,
    TAINT_NODE_UNSCHEDULABLE,
    PodInfo,
    Taint,
    tolerates,
)
from observe.scheduler.clusterevents import NODE, ActionType, ClusterEvent, ClusterEventWithHint
from observe.scheduler.framework import Code, CycleState, Status
from observe.scheduler.nodeinfo import NodeInfo

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint(TAINT_NODE_UNSCHEDULABLE, "", NO_SCHEDULE)
_REJECTED = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_UNSCHEDULABLE, plugin=NAME)


class NodeUnschedulable:
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not node.unschedulable or tolerates(pod.tolerations, UNSCHEDULABLE_TAINT):
            return None
        return _REJECTED

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [ClusterEventWithHint(
            ClusterEvent(NODE, ActionType.ADD | ActionType.UPDATE_NODE_TAINT, ""),
            _node_now_schedulable)]


def _node_now_schedulable(pod: PodInfo, old: Any, new: Any) -> bool:
    return (not isinstance(new, NodeInfo) or not new.unschedulable
            or tolerates(pod.tolerations, UNSCHEDULABLE_TAINT))


def new(args: Any, handle: Any) -> NodeUnschedulable:
    return NodeUnschedulable()
