"""NodeName: a pod that names its node (``spec.nodeName``) fits only that node."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.clusterevents import NODE, ActionType, ClusterEvent, ClusterEventWithHint
from observe.scheduler.framework import SKIP, Code, CycleState, PreFilterResult, Status
from observe.scheduler.nodeinfo import NodeInfo

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"
_REJECTED = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON, plugin=NAME)


class NodeName:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        # Without spec.nodeName every node passes; skipping saves a call per node.
        return None, (None if pod.node_name else SKIP)

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if pod.node_name and pod.node_name != node.name:
            return _REJECTED
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [ClusterEventWithHint(ClusterEvent(NODE, ActionType.ADD, ""), _is_named_node)]


def _is_named_node(pod: PodInfo, old: Any, new: Any) -> bool:
    return not isinstance(new, NodeInfo) or new.name == pod.node_name


def new(args: Any, handle: Any) -> NodeName:
    return NodeName()
