"""Node taints from node conditions, and when a NoExecute taint evicts a pod.

Pure functions behind the node lifecycle controller, following upstream's
``node_lifecycle_controller.go`` (``doNoScheduleTaintingPass``, ``processTaintBaseEviction``)
and ``taint_eviction.go``:

- :func:`desired_taints`: a node's Ready condition maps to ``node.kubernetes.io/not-ready``
  (False) or ``node.kubernetes.io/unreachable`` (Unknown), as NoSchedule and NoExecute
  taints; pressure conditions and ``spec.unschedulable`` give NoSchedule taints. Taints this
  controller does not manage are kept as they are; NoExecute taints carry ``timeAdded``.
- :func:`eviction_delay`: a pod on a node with NoExecute taints goes at once if one taint is
  not tolerated, never if its tolerations have no ``tolerationSeconds``, else after the
  shortest ``tolerationSeconds`` counted from when the taint appeared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api import meta as m

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"

# Node condition type → {condition status: taint key} for NoSchedule taints.
_CONDITION_TAINTS = {
    "Ready": {"False": NOT_READY, "Unknown": UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
MANAGED = frozenset(
    {(key, NO_SCHEDULE) for by_status in _CONDITION_TAINTS.values()
     for key in by_status.values()}
    | {(UNSCHEDULABLE, NO_SCHEDULE), (NOT_READY, NO_EXECUTE), (UNREACHABLE, NO_EXECUTE)})

Taint = dict[str, Any]
Toleration = dict[str, Any]


def node_condition(node: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def wanted_taint_keys(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, effect) of every taint the node's conditions and spec call for."""
    wanted: list[tuple[str, str]] = []
    for kind, by_status in _CONDITION_TAINTS.items():
        cond = node_condition(node, kind)
        key = by_status.get(str((cond or {}).get("status")))
        if cond is not None and key is not None:
            wanted.append((key, NO_SCHEDULE))
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.append((UNSCHEDULABLE, NO_SCHEDULE))
    ready = str((node_condition(node, "Ready") or {}).get("status"))
    if ready == "False":
        wanted.append((NOT_READY, NO_EXECUTE))
    elif ready == "Unknown":
        wanted.append((UNREACHABLE, NO_EXECUTE))
    return wanted


def desired_taints(node: dict[str, Any], now: datetime) -> list[Taint]:
    """The node's taints with the managed ones brought in line with its conditions."""
    current = [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]
    wanted = wanted_taint_keys(node)
    result = [t for t in current
              if (t.get("key"), t.get("effect")) not in MANAGED
              or (t.get("key"), t.get("effect")) in wanted]
    present = {(t.get("key"), t.get("effect")) for t in result}
    for key, effect in wanted:
        if (key, effect) in present:
            continue
        taint: Taint = {"key": key, "effect": effect}
        if effect == NO_EXECUTE:
            taint["timeAdded"] = m.rfc3339(now)
        result.append(taint)
    return result


def no_execute_taints(node: dict[str, Any]) -> list[Taint]:
    return [t for t in (node.get("spec") or {}).get("taints") or []
            if isinstance(t, dict) and t.get("effect") == NO_EXECUTE]


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """Upstream's ``ToleratesTaint``: an empty key with Exists matches every key, an empty
    effect every effect."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if toleration.get("key") and toleration.get("key") != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def matching_tolerations(taints: list[Taint], tolerations: list[Toleration]
                         ) -> tuple[bool, list[Toleration]]:
    """Whether every taint is tolerated, and the tolerations that do it."""
    used: list[Toleration] = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def min_toleration_seconds(used: list[Toleration]) -> float | None:
    """The shortest ``tolerationSeconds`` (a non-positive one means now); None when none
    sets a limit (tolerated forever)."""
    if not used:
        return 0.0
    limits = [t["tolerationSeconds"] for t in used
              if isinstance(t.get("tolerationSeconds"), int)
              and not isinstance(t.get("tolerationSeconds"), bool)]
    if not limits:
        return None
    return max(0.0, float(min(limits)))


def eviction_delay(taints: list[Taint], tolerations: list[Toleration],
                   now: datetime) -> float | None:
    """Seconds until a pod with ``tolerations`` must be evicted from a node with these
    NoExecute ``taints``: 0 for now, None for never."""
    if not taints:
        return None
    tolerated, used = matching_tolerations(taints, tolerations)
    if not tolerated:
        return 0.0
    seconds = min_toleration_seconds(used)
    if seconds is None:
        return None
    added = [t for t in (m.parse_time(x.get("timeAdded")) for x in taints) if t is not None]
    start = min(added) if added else now
    return max(0.0, start.timestamp() + seconds - now.timestamp())
