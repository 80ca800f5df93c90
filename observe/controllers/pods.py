"""What controllers read off Pods: activity, readiness, availability, and which to delete first.

Pure functions over pod dicts, shared by the ReplicaSet, Deployment, node lifecycle and pod GC
controllers. :func:`deletion_order` ranks pods the way upstream's ``ActivePodsWithRanks``
does when a ReplicaSet scales down: unscheduled before scheduled, Pending before Unknown
before Running, not ready before ready, lower ``pod-deletion-cost`` first, pods doubled up on
a node first, then the most recently ready, the most restarted and the youngest (ready and
creation times compared on a log2 scale, so pods of similar age count as equal and the uid
breaks the tie at random).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.controllers.ownership import controller_ref

Pod = dict[str, Any]

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
_INT32 = 2**31


def _status(pod: Pod) -> dict[str, Any]:
    status = pod.get("status")
    return status if isinstance(status, dict) else {}


def phase(pod: Pod) -> str:
    return str(_status(pod).get("phase") or "")


def node_name(pod: Pod) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def is_terminated(pod: Pod) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def is_active(pod: Pod) -> bool:
    """Counts towards a controller's replicas: not finished and not being deleted."""
    return not is_terminated(pod) and not m.is_terminating(pod)


def condition(pod: Pod, kind: str) -> dict[str, Any] | None:
    for cond in _status(pod).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def is_ready(pod: Pod) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Pod) -> datetime | None:
    """When a ready pod became ready (its Ready condition's lastTransitionTime)."""
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    return m.parse_time(cond.get("lastTransitionTime"))


def is_available(pod: Pod, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least ``min_ready_seconds``."""
    if not is_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = ready_since(pod)
    return since is not None and since.timestamp() + min_ready_seconds < now.timestamp()


def pod_from_template(template: dict[str, Any], owner: dict[str, Any]) -> Pod:
    """The Pod a controller creates from its template: labels, annotations and finalizers
    from the template, ``<owner>-`` as generateName, and the controller reference."""
    template_meta = template.get("metadata") or {}
    owner_meta = owner.get("metadata") or {}
    metadata: dict[str, Any] = {"generateName": f"{owner_meta.get('name', '')}-",
                                "namespace": owner_meta.get("namespace"),
                                "ownerReferences": [controller_ref(owner)]}
    for key in ("labels", "annotations", "finalizers"):
        if template_meta.get(key):
            metadata[key] = copy.deepcopy(template_meta[key])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": copy.deepcopy(template.get("spec") or {})}


# -- deletion order ----------------------------------------------------------------------------

def deletion_cost(pod: Pod) -> int:
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(DELETION_COST)
    try:
        cost = int(str(text))
    except (TypeError, ValueError):
        return 0
    return cost if -_INT32 <= cost < _INT32 else 0


def _restarts(pod: Pod) -> tuple[int, int]:
    """Most restarts of a regular container, and of a sidecar (restartable init) one."""
    spec = pod.get("spec") or {}
    sidecars = {c.get("name") for c in spec.get("initContainers") or []
                if isinstance(c, dict) and c.get("restartPolicy") == "Always"}
    status = _status(pod)
    regular = [int(s.get("restartCount") or 0) for s in status.get("containerStatuses") or []
               if isinstance(s, dict)]
    sidecar = [int(s.get("restartCount") or 0)
               for s in status.get("initContainerStatuses") or []
               if isinstance(s, dict) and s.get("name") in sidecars]
    return max(regular, default=0), max(sidecar, default=0)


def _log_rank(moment: datetime, now: datetime) -> int:
    # Upstream takes log2 of the age in nanoseconds.
    age_ns = (now - moment).total_seconds() * 1e9
    return int(math.log2(age_ns)) if age_ns > 0 else -1


def _newer_first(t1: datetime | None, t2: datetime | None, now: datetime | None,
                 uid1: str, uid2: str) -> bool | None:
    """Whether t1 sorts before t2 (newer first, unknown times first); None when equal."""
    if t1 == t2:
        return None
    if now is None or t1 is None or t2 is None:
        if t1 is None or t2 is None:
            return t1 is None
        return t1 > t2
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    if diff == 0:
        return uid1 < uid2
    return diff < 0


def _delete_first(a: Pod, b: Pod, rank_a: int, rank_b: int, now: datetime | None) -> bool:
    """Upstream's ``ActivePodsWithRanks.Less``: should ``a`` go before ``b``?"""
    node_a, node_b = node_name(a), node_name(b)
    if node_a != node_b and (not node_a or not node_b):
        return not node_a
    ord_a, ord_b = _PHASE_ORDINAL.get(phase(a), 0), _PHASE_ORDINAL.get(phase(b), 0)
    if ord_a != ord_b:
        return ord_a < ord_b
    ready_a, ready_b = is_ready(a), is_ready(b)
    if ready_a != ready_b:
        return not ready_a
    cost_a, cost_b = deletion_cost(a), deletion_cost(b)
    if cost_a != cost_b:
        return cost_a < cost_b
    if rank_a != rank_b:
        return rank_a > rank_b
    uid_a, uid_b = _uid(a), _uid(b)
    if ready_a and ready_b:
        newer = _newer_first(ready_since(a), ready_since(b), now, uid_a, uid_b)
        if newer is not None:
            return newer
    restarts_a, restarts_b = _restarts(a), _restarts(b)
    if restarts_a[0] != restarts_b[0]:
        return restarts_a[0] > restarts_b[0]
    if restarts_a[1] != restarts_b[1]:
        return restarts_a[1] > restarts_b[1]
    created = _newer_first(_created(a), _created(b), now, uid_a, uid_b)
    return bool(created)


def _uid(pod: Pod) -> str:
    return str((pod.get("metadata") or {}).get("uid") or "")


def _created(pod: Pod) -> datetime | None:
    return m.parse_time((pod.get("metadata") or {}).get("creationTimestamp"))


def deletion_order(pods: list[Pod], related: Iterable[Pod], now: datetime | None) -> list[Pod]:
    """``pods`` sorted so the first ones are the ones to delete first. ``related`` are the
    active pods of the same owner family (for the doubled-up-on-a-node rank)."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_active(pod):
            on_node[node_name(pod)] = on_node.get(node_name(pod), 0) + 1
    ranked = [(pod, on_node.get(node_name(pod), 0)) for pod in pods]

    def compare(x: tuple[Pod, int], y: tuple[Pod, int]) -> int:
        if _delete_first(x[0], y[0], x[1], y[1], now):
            return -1
        if _delete_first(y[0], x[0], y[1], x[1], now):
            return 1
        return 0

    return [pod for pod, _ in sorted(ranked, key=functools.cmp_to_key(compare))]


def pods_to_delete(pods: list[Pod], related: Iterable[Pod], count: int,
                   now: datetime | None) -> list[Pod]:
    """The ``count`` pods a ReplicaSet scaling down deletes."""
    if count >= len(pods):
        return list(pods)
    return deletion_order(pods, related, now)[:count]
