"""What the DaemonSet controller decides, as pure functions over a DaemonSet, the nodes and
its pods.

Follows upstream's ``daemon_controller.go`` and ``update.go``:

- :func:`node_fit` — a node should run the daemon pod when the pod's ``nodeName`` (if any),
  ``nodeSelector`` and required node affinity match it and every NoSchedule/NoExecute taint
  is tolerated (with the tolerations every daemon pod gets); a running pod may stay while
  only NoSchedule taints are untolerated.
- :func:`daemon_pod` — the pod for one node: pinned by a required node affinity on
  ``metadata.name`` (the scheduler still binds it), the default daemon tolerations, the
  ``controller-revision-hash`` and ``pod-template-generation`` labels.
- :func:`plan` — per node: create where a pod is missing, delete surplus duplicates, failed
  pods and pods on nodes that no longer fit; then the rolling update: old-revision pods go
  (unavailable ones first, at once) while fewer than ``maxUnavailable`` are unavailable.
- :func:`calculate_status` — the counters of ``kubectl get ds``.

Pods are matched to nodes by ``spec.nodeName`` or, before the scheduler binds them, by the
node their affinity pins (upstream's ``GetTargetNodeName``).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.api.podinfo import (
    PodInfo,
    first_untolerated,
    parse_taints,
    parse_tolerations,
)
from observe.controllers import pods as podutil
from observe.controllers.revisions import REVISION_HASH

Object = dict[str, Any]

TEMPLATE_GENERATION = "pod-template-generation"
NAME_FIELD = "metadata.name"
# AddOrUpdateDaemonPodTolerations: every daemon pod survives these node conditions.
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def _template(ds: Object) -> Object:
    return ((ds.get("spec") or {}).get("template")) or {}


def with_daemon_tolerations(spec: Object) -> Object:
    """``spec`` with the default daemon tolerations added where missing."""
    result = copy.deepcopy(spec)
    tolerations = list(result.get("tolerations") or [])
    wanted = list(DAEMON_TOLERATIONS)
    if result.get("hostNetwork"):
        wanted.append(NETWORK_UNAVAILABLE)
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    result["tolerations"] = tolerations
    return result


def pin_to_node(spec: Object, node: str) -> None:
    """Replace the required node affinity with one term naming ``node`` (the preferred
    terms stay), as upstream does for every daemon pod."""
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": NAME_FIELD, "operator": "In", "values": [node]}]}]}


def target_node(pod: Object) -> str:
    """The node a daemon pod runs on, or is pinned to before it is scheduled."""
    name = podutil.node_name(pod)
    if name:
        return name
    required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for f in term.get("matchFields") or []:
            values = f.get("values") or []
            if f.get("key") == NAME_FIELD and f.get("operator") == "In" and len(values) == 1:
                return str(values[0])
    return ""


@dataclass(frozen=True)
class Fit:
    should_run: bool
    should_continue: bool


def node_fit(ds: Object, node: Object) -> Fit:
    """Upstream's ``NodeShouldRunDaemonPod``."""
    spec = with_daemon_tolerations(_template(ds).get("spec") or {})
    node_meta = node.get("metadata") or {}
    name = str(node_meta.get("name") or "")
    pinned = spec.get("nodeName")
    if pinned and pinned != name:
        return Fit(False, False)
    affinity = PodInfo({"metadata": {}, "spec": spec}).required_node_affinity
    if affinity is not None and not affinity.matches(node_meta.get("labels") or {}, name):
        return Fit(False, False)
    taints = parse_taints((node.get("spec") or {}).get("taints"))
    tolerations = parse_tolerations(spec.get("tolerations"))
    hard = tuple(t for t in taints if t.effect in ("NoSchedule", "NoExecute"))
    evicting = tuple(t for t in taints if t.effect == "NoExecute")
    return Fit(first_untolerated(hard, tolerations) is None,
               first_untolerated(evicting, tolerations) is None)


def template_generation(ds: Object) -> int:
    generation = (ds.get("metadata") or {}).get("generation")
    return generation if isinstance(generation, int) else 1


def daemon_pod(ds: Object, node: str, revision_hash: str) -> Object:
    """The pod ``ds`` creates for ``node``."""
    template = copy.deepcopy(_template(ds))
    template.setdefault("metadata", {})
    labels = dict(template["metadata"].get("labels") or {})
    labels[REVISION_HASH] = revision_hash
    labels[TEMPLATE_GENERATION] = str(template_generation(ds))
    template["metadata"]["labels"] = labels
    template["spec"] = with_daemon_tolerations(template.get("spec") or {})
    pod = podutil.pod_from_template(template, ds)
    pin_to_node(pod["spec"], node)
    return pod


def is_current(pod: Object, revision_hash: str) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return labels.get(REVISION_HASH) == revision_hash


def max_unavailable(ds: Object, desired: int) -> int:
    """``rollingUpdate.maxUnavailable`` as a count (percentages round up; at least 1)."""
    rolling = (((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate")) or {}
    value = rolling.get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        try:
            count = math.ceil(desired * int(value[:-1]) / 100)
        except ValueError:
            count = 1
    else:
        count = value if isinstance(value, int) else 1
    return max(1, count) if desired else count


def _min_ready(ds: Object) -> int:
    value = (ds.get("spec") or {}).get("minReadySeconds")
    return value if isinstance(value, int) else 0


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)  # node names
    delete: list[Object] = field(default_factory=list)
    failed: list[tuple[Object, str]] = field(default_factory=list)  # (pod, node) to report


def pods_by_node(pods: list[Object]) -> dict[str, list[Object]]:
    result: dict[str, list[Object]] = {}
    for pod in pods:
        if not m.is_terminating(pod):
            result.setdefault(target_node(pod), []).append(pod)
    return result


def _oldest_first(pods: list[Object]) -> list[Object]:
    # Upstream keeps the oldest pod, preferring a running one.
    return sorted(pods, key=lambda p: (podutil.phase(p) != "Running",
                                       str(p["metadata"].get("creationTimestamp") or ""),
                                       p["metadata"]["name"]))


def plan(ds: Object, nodes: list[Object], pods: list[Object], revision_hash: str,
         now: datetime) -> Plan:
    """Creations and deletions that bring ``ds``'s pods in line with the nodes."""
    result = Plan()
    by_node = pods_by_node(pods)
    for node in nodes:
        name = node["metadata"]["name"]
        fit = node_fit(ds, node)
        here = by_node.get(name, [])
        if fit.should_run and not here:
            result.create.append(name)
        elif fit.should_continue:
            healthy = []
            for pod in here:
                if podutil.phase(pod) == "Failed":
                    result.delete.append(pod)
                    result.failed.append((pod, name))
                else:
                    healthy.append(pod)
            if len(healthy) > 1:
                result.delete += _oldest_first(healthy)[1:]
        else:
            result.delete += here
    if (((ds.get("spec") or {}).get("updateStrategy") or {}).get("type")) != "OnDelete":
        result.delete += _rolling_update(ds, nodes, by_node, revision_hash, result, now)
    return result


def _rolling_update(ds: Object, nodes: list[Object], by_node: dict[str, list[Object]],
                    revision_hash: str, result: Plan, now: datetime) -> list[Object]:
    """Old-revision pods to delete now, within ``maxUnavailable``."""
    going = {id(p) for p in result.delete}
    desired = [n["metadata"]["name"] for n in nodes if node_fit(ds, n).should_run]
    min_ready = _min_ready(ds)
    unavailable, candidates = 0, []
    for name in desired:
        here = [p for p in by_node.get(name, []) if id(p) not in going]
        available = [p for p in here if podutil.is_available(p, min_ready, now)]
        if not available:
            unavailable += 1
        old = [p for p in here if not is_current(p, revision_hash)]
        if old:
            candidates.append((bool(available), old))
    budget = max_unavailable(ds, len(desired))
    victims: list[Object] = []
    for was_available, old in sorted(candidates, key=lambda c: c[0]):
        if not was_available:
            victims += old  # already unavailable: replacing it costs nothing
        elif unavailable < budget:
            victims += old
            unavailable += 1
    return victims


def calculate_status(ds: Object, nodes: list[Object], pods: list[Object], revision_hash: str,
                     now: datetime) -> Object:
    by_node = pods_by_node(pods)
    desired = scheduled = misscheduled = ready = available = updated = 0
    min_ready = _min_ready(ds)
    for node in nodes:
        name = node["metadata"]["name"]
        here = by_node.get(name, [])
        if not node_fit(ds, node).should_run:
            misscheduled += 1 if here else 0
            continue
        desired += 1
        if not here:
            continue
        scheduled += 1
        pod = _oldest_first(here)[0]
        if podutil.is_ready(pod):
            ready += 1
            if podutil.is_available(pod, min_ready, now):
                available += 1
        if is_current(pod, revision_hash):
            updated += 1
    old = ds.get("status") or {}
    status: Object = {"currentNumberScheduled": scheduled, "numberMisscheduled": misscheduled,
                      "desiredNumberScheduled": desired, "numberReady": ready,
                      "observedGeneration": (ds.get("metadata") or {}).get("generation")}
    for key, value in (("updatedNumberScheduled", updated), ("numberAvailable", available),
                       ("numberUnavailable", desired - available)):
        if value:
            status[key] = value
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    return status
