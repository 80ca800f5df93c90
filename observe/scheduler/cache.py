"""The scheduler's cache: every node and every pod placed on one, including pods the scheduler
has decided on but whose binding has not been confirmed yet.

Sits between the informer handlers in :mod:`.scheduler` (the writers) and the scheduling
cycle, which reads it through :attr:`Cache.snapshot`. Like kube-scheduler's cache it
implements assume-then-bind: :meth:`Cache.assume_pod` counts a pod on its chosen node the
moment it is chosen, so the next pod (scheduled before the binding call returns) already
sees the resources taken; :meth:`Cache.forget_pod` undoes that when binding fails, and the
pod's own update (now carrying ``spec.nodeName``) turns the assumption into fact through
:meth:`Cache.add_pod`.

Node order in the snapshot is rebuilt lazily (:meth:`Cache.refresh`) because adding 1,000
nodes one by one must not cost 1,000 rebuilds.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.snapshot import Snapshot, zone_of


@dataclass
class _PodState:
    pod: PodInfo
    node_name: str
    assumed: bool = False
    binding_finished: bool = False


class Cache:
    def __init__(self) -> None:
        self.snapshot = Snapshot()
        self._nodes: dict[str, NodeInfo] = {}
        self._pods: dict[str, _PodState] = {}
        self._order_dirty = False

    # -- reading -----------------------------------------------------------------------------

    def refresh(self) -> Snapshot:
        """The snapshot, with node order brought up to date."""
        if self._order_dirty:
            self.snapshot.set_nodes([n for n in self._nodes.values() if n.node is not None])
            self._order_dirty = False
        return self.snapshot

    def node(self, name: str) -> NodeInfo | None:
        return self._nodes.get(name)

    def pod(self, uid: str) -> PodInfo | None:
        state = self._pods.get(uid)
        return state.pod if state is not None else None

    def is_assumed(self, uid: str) -> bool:
        state = self._pods.get(uid)
        return state is not None and state.assumed

    @property
    def node_count(self) -> int:
        return sum(1 for n in self._nodes.values() if n.node is not None)

    # -- nodes -------------------------------------------------------------------------------

    def add_node(self, node: dict[str, Any]) -> NodeInfo:
        name = (node.get("metadata") or {}).get("name") or ""
        info = self._nodes.get(name)
        if info is None:
            info = self._nodes[name] = NodeInfo(node)
        else:
            info.set_node(node)
        self._order_dirty = True
        return info

    def update_node(self, node: dict[str, Any]) -> NodeInfo:
        name = (node.get("metadata") or {}).get("name") or ""
        info = self._nodes.get(name)
        if info is None or info.node is None:
            return self.add_node(node)
        zone = zone_of(info)
        info.set_node(node)
        if zone_of(info) != zone:
            self._order_dirty = True
        return info

    def remove_node(self, name: str) -> None:
        info = self._nodes.get(name)
        if info is None:
            return
        if info.pods:
            # Its pods are still counted until their own deletions arrive, as upstream does.
            info.node = None
        else:
            del self._nodes[name]
        self._order_dirty = True

    # -- pods --------------------------------------------------------------------------------

    def _node_for_pods(self, name: str) -> NodeInfo:
        info = self._nodes.get(name)
        if info is None:
            info = self._nodes[name] = NodeInfo()
            info.name = name
        return info

    def _place(self, pod: PodInfo, node_name: str) -> None:
        self._node_for_pods(node_name).add_pod(pod)
        self._count_affinity(pod, 1)

    def _unplace(self, uid: str, node_name: str) -> None:
        info = self._nodes.get(node_name)
        if info is None:
            return
        removed = info.remove_pod(uid)
        if removed is not None:
            self._count_affinity(removed, -1)
        if info.node is None and not info.pods:
            del self._nodes[node_name]

    def _count_affinity(self, pod: PodInfo, sign: int) -> None:
        if pod.has_pod_affinity:
            self.snapshot.pods_with_affinity += sign
        if pod.required_anti_affinity_terms:
            self.snapshot.pods_with_required_anti_affinity += sign

    def assume_pod(self, pod: PodInfo, node_name: str) -> PodInfo:
        """Count ``pod`` on ``node_name`` before its binding; returns the assumed version."""
        if pod.uid in self._pods:
            raise ValueError(f"pod {pod.key} is already in the cache")
        assumed = copy.copy(pod)
        assumed.node_name = node_name
        self._pods[pod.uid] = _PodState(assumed, node_name, assumed=True)
        self._place(assumed, node_name)
        return assumed

    def finish_binding(self, uid: str) -> None:
        state = self._pods.get(uid)
        if state is not None and state.assumed:
            state.binding_finished = True

    def forget_pod(self, uid: str) -> None:
        """Undo :meth:`assume_pod` (the binding failed)."""
        state = self._pods.get(uid)
        if state is None or not state.assumed:
            return
        del self._pods[uid]
        self._unplace(uid, state.node_name)

    def add_pod(self, pod: PodInfo) -> None:
        """A pod seen on a node by the informer; confirms it if it was assumed."""
        state = self._pods.get(pod.uid)
        if state is not None:
            self._unplace(pod.uid, state.node_name)
        self._pods[pod.uid] = _PodState(pod, pod.node_name)
        self._place(pod, pod.node_name)

    def update_pod(self, pod: PodInfo) -> None:
        self.add_pod(pod)

    def remove_pod(self, uid: str) -> PodInfo | None:
        state = self._pods.pop(uid, None)
        if state is None:
            return None
        self._unplace(uid, state.node_name)
        return state.pod

    # -- namespaces --------------------------------------------------------------------------

    def set_namespace(self, namespace: dict[str, Any]) -> None:
        meta = namespace.get("metadata") or {}
        labels = meta.get("labels")
        self.snapshot.namespace_labels[str(meta.get("name") or "")] = (
            {k: v for k, v in labels.items() if isinstance(v, str)}
            if isinstance(labels, dict) else {})

    def remove_namespace(self, name: str) -> None:
        self.snapshot.namespace_labels.pop(name, None)
