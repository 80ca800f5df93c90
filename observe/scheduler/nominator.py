"""Pods nominated to a node by preemption, held there until they are bound.

Sits between the scheduling loop (which records a nomination when preemption succeeds, and
learns others from pods' ``status.nominatedNodeName``) and the algorithm, which counts a
node's nominated pods of equal or higher priority when it filters that node for another
pod, as upstream's ``RunFilterPluginsWithNominatedPods`` does. Without this, the room a
preemption made could go to a less important pod before the preemptor's next attempt.
"""

from __future__ import annotations

from observe.api.podinfo import PodInfo
from observe.scheduler.nodeinfo import NodeInfo


class Nominator:
    def __init__(self) -> None:
        self._by_node: dict[str, dict[str, PodInfo]] = {}
        self._node_of: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._node_of)

    def add(self, pod: PodInfo, node_name: str) -> None:
        self.remove(pod.uid)
        if node_name:
            self._by_node.setdefault(node_name, {})[pod.uid] = pod
            self._node_of[pod.uid] = node_name

    def update(self, pod: PodInfo) -> None:
        """Follow a pending pod's own ``status.nominatedNodeName`` (keeping a nomination
        made here until the pod's status catches up)."""
        if pod.nominated_node_name:
            self.add(pod, pod.nominated_node_name)
        elif pod.uid in self._node_of:
            self._by_node[self._node_of[pod.uid]][pod.uid] = pod

    def remove(self, uid: str) -> None:
        node_name = self._node_of.pop(uid, None)
        if node_name is not None:
            pods = self._by_node[node_name]
            pods.pop(uid, None)
            if not pods:
                del self._by_node[node_name]

    def node_of(self, uid: str) -> str | None:
        return self._node_of.get(uid)

    def with_nominated(self, pod: PodInfo, node: NodeInfo) -> NodeInfo | None:
        """``node`` as it will be once the pods nominated to it that matter at least as much
        as ``pod`` are placed; None when there are none."""
        nominated = self._by_node.get(node.name)
        if not nominated:
            return None
        others = [p for p in nominated.values()
                  if p.uid != pod.uid and p.priority >= pod.priority]
        if not others:
            return None
        planned = node.clone()
        for other in others:
            planned.add_pod(other)
        return planned
