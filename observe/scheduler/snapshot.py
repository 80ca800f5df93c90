"""The read view of the cluster a scheduling cycle works on.

Sits between the cache (:mod:`.cache`, the only writer) and the plugins, which read nodes and
namespaces only through :class:`Snapshot`. kube-scheduler copies its cache into a snapshot
before every cycle because its informers run in other goroutines; here a cycle runs without
yielding to the event loop, so nothing can change under it and the snapshot is the cache's
live state, with no copy.

Nodes are listed in zone round-robin order (upstream's ``nodeTree``): one node of each zone
in turn, so a cycle that stops after the first N feasible nodes has looked across zones.
"""

from __future__ import annotations

from collections.abc import Mapping

from observe.api.podinfo import LABEL_ZONE
from observe.api.selectors import LabelSelector
from observe.scheduler.nodeinfo import NodeInfo

REGION_LABEL = "topology.kubernetes.io/region"


def zone_of(node: NodeInfo) -> str:
    """``utilnode.GetZoneKey``: region and zone joined, empty when neither is set."""
    region = node.labels.get(REGION_LABEL, "")
    zone = node.labels.get(LABEL_ZONE, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


def zone_round_robin(nodes: list[NodeInfo]) -> list[NodeInfo]:
    """Nodes interleaved by zone, zones in order of first appearance."""
    zones: dict[str, list[NodeInfo]] = {}
    for node in nodes:
        zones.setdefault(zone_of(node), []).append(node)
    if len(zones) <= 1:
        return list(nodes)
    out: list[NodeInfo] = []
    columns = list(zones.values())
    for i in range(max(len(c) for c in columns)):
        out.extend(c[i] for c in columns if i < len(c))
    return out


class Snapshot:
    """Nodes (with a Node object) in scheduling order, and namespaces' labels."""

    def __init__(self) -> None:
        self.nodes: list[NodeInfo] = []
        self.by_name: dict[str, NodeInfo] = {}
        self.namespace_labels: dict[str, dict[str, str]] = {}
        # Kept by the cache, so the common case (no such pods anywhere) costs no walk.
        self.pods_with_affinity = 0
        self.pods_with_required_anti_affinity = 0

    def set_nodes(self, nodes: list[NodeInfo]) -> None:
        self.nodes = zone_round_robin(nodes)
        self.by_name = {n.name: n for n in self.nodes}

    def get(self, name: str) -> NodeInfo | None:
        return self.by_name.get(name)

    def __len__(self) -> int:
        return len(self.nodes)

    def with_pods_with_affinity(self) -> list[NodeInfo]:
        if not self.pods_with_affinity:
            return []
        return [n for n in self.nodes if n.pods_with_affinity]

    def with_pods_with_required_anti_affinity(self) -> list[NodeInfo]:
        if not self.pods_with_required_anti_affinity:
            return []
        return [n for n in self.nodes if n.pods_with_required_anti_affinity]

    def labels_of_namespace(self, namespace: str) -> Mapping[str, str]:
        return self.namespace_labels.get(namespace, {})

    def namespaces_matching(self, selector: LabelSelector) -> set[str]:
        return {name for name, labels in self.namespace_labels.items()
                if selector.matches(labels)}
