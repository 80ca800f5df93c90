"""NodeAffinity: ``spec.nodeSelector`` and required node affinity filter nodes (operators
In, NotIn, Exists, DoesNotExist, Gt, Lt on labels; ``metadata.name`` through matchFields);
preferred terms add their weights to a node's score."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.clusterevents import NODE, ActionType, ClusterEvent, ClusterEventWithHint
from observe.scheduler.framework import (
    SKIP,
    Code,
    CycleState,
    PreFilterResult,
    Status,
    default_normalize,
)
from observe.scheduler.nodeinfo import NodeInfo

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_REJECTED = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_POD, plugin=NAME)
_CONFLICT = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_CONFLICT, plugin=NAME)


def pinned_node_names(pod: PodInfo) -> frozenset[str] | None:
    """Nodes the required terms name through ``metadata.name In`` (DaemonSet pods do this),
    or None when some term allows any node. The terms are ORed, a term's fields ANDed."""
    affinity = pod.required_node_affinity
    if affinity is None or not affinity.terms:
        return None
    names: frozenset[str] = frozenset()
    for term in affinity.terms:
        term_names = term.node_names()
        if term_names is None:
            return None
        names |= term_names
    return names


class NodeAffinity:
    name = NAME
    default_weight = 2

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        if pod.required_node_affinity is None:
            return None, SKIP
        names = pinned_node_names(pod)
        if names is None:
            return None, None
        if not names:
            return None, _CONFLICT
        return PreFilterResult(names), None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        affinity = pod.required_node_affinity
        if affinity is None or affinity.matches(node.labels, node.name):
            return None
        return _REJECTED

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        return None if pod.preferred_node_affinity else SKIP

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return sum(p.weight for p in pod.preferred_node_affinity
                   if p.term.matches(node.labels, node.name))

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo],
                        scores: list[int]) -> None:
        default_normalize(scores, reverse=False)

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [ClusterEventWithHint(
            ClusterEvent(NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL, ""),
            _node_matches)]


def _node_matches(pod: PodInfo, old: Any, new: Any) -> bool:
    affinity = pod.required_node_affinity
    if affinity is None or not isinstance(new, NodeInfo):
        return True
    return affinity.matches(new.labels, new.name)


def new(args: Any, handle: Any) -> NodeAffinity:
    return NodeAffinity()
