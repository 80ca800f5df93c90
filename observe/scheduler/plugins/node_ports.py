"""NodePorts: a pod asking for a ``hostPort`` fits only nodes where no pod holds the same
protocol and port on the same (or the wildcard) address."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.clusterevents import (
    NODE,
    POD,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
)
from observe.scheduler.framework import SKIP, Code, CycleState, PreFilterResult, Status
from observe.scheduler.nodeinfo import NodeInfo, ports_conflict

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_REJECTED = Status(Code.UNSCHEDULABLE, ERR_REASON, plugin=NAME)


class NodePorts:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        return None, (None if pod.host_ports else SKIP)

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        used = node.used_ports
        if used and any(ports_conflict(used, p) for p in pod.host_ports):
            return _REJECTED
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(ClusterEvent(POD, ActionType.DELETE, ""), _freed_a_port),
            ClusterEventWithHint(ClusterEvent(NODE, ActionType.ADD, "")),
        ]


def _freed_a_port(pod: PodInfo, old: Any, new: Any) -> bool:
    if not isinstance(old, PodInfo) or not old.node_name:
        return False
    return any(p.port == w.port and p.protocol == w.protocol
               for p in old.host_ports for w in pod.host_ports)


def new(args: Any, handle: Any) -> NodePorts:
    return NodePorts()
