"""One generator module per kind, each turning one object into its kube-state-metrics
samples; :data:`KINDS` lists them in ksm's output order (alphabetical by resource name)."""

from __future__ import annotations

from exporters.state.metrics import (
    cronjobs,
    daemonsets,
    deployments,
    endpoints,
    horizontalpodautoscalers,
    jobs,
    namespaces,
    nodes,
    persistentvolumeclaims,
    persistentvolumes,
    poddisruptionbudgets,
    pods,
    replicasets,
    services,
    statefulsets,
)
from exporters.state.metrics.kind import Kind

KINDS: tuple[Kind, ...] = tuple(sorted(
    (m.KIND for m in (cronjobs, daemonsets, deployments, endpoints, horizontalpodautoscalers,
                      jobs, namespaces, nodes, persistentvolumeclaims, persistentvolumes,
                      poddisruptionbudgets, pods, replicasets, services, statefulsets)),
    key=lambda kind: kind.resource))
KINDS_BY_RESOURCE = {kind.resource: kind for kind in KINDS}
