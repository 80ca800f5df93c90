"""The Deployment controller's arithmetic: how many pods each ReplicaSet should have.

Pure functions over Deployment and ReplicaSet dicts, following upstream's
``deployment/util`` and ``rolling.go``/``sync.go``:

- :func:`resolve_fenceposts` turns ``maxSurge``/``maxUnavailable`` (ints or percentages of
  ``spec.replicas``; surge rounds up, unavailable down; both zero means one unavailable);
- :func:`new_rs_replicas` is how far the new ReplicaSet may grow (RollingUpdate: up to
  replicas + maxSurge pods in total; Recreate: all at once);
- :func:`old_rs_scale_downs` is how far old ReplicaSets may shrink without dropping below
  replicas - maxUnavailable available pods (unhealthy replicas go first);
- :func:`proportional_sizes` spreads a scaling event over the active ReplicaSets by their
  share of ``max-replicas``, leftovers to the largest;
- selection helpers: which ReplicaSet is new (same template), which are old, which old ones
  ``revisionHistoryLimit`` lets go.
"""

from __future__ import annotations

import math
from typing import Any

from observe.api import meta as m
from observe.controllers.deployment_revisions import (
    desired_replicas_annotation,
    max_replicas_annotation,
    revision,
)
from observe.controllers.podtemplate import equal_ignore_hash

Object = dict[str, Any]
# What a Deployment keeps when revisionHistoryLimit or progressDeadlineSeconds is "forever".
MAX_INT32 = 2**31 - 1


# -- reading specs -----------------------------------------------------------------------------

def replicas(obj: Object | None) -> int:
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return value if isinstance(value, int) else 1


def status_count(obj: Object | None, key: str) -> int:
    if obj is None:
        return 0
    value = (obj.get("status") or {}).get(key)
    return value if isinstance(value, int) else 0


def is_rolling_update(deployment: Object) -> bool:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return strategy.get("type", "RollingUpdate") == "RollingUpdate"


def int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """An IntOrString scaled against ``total`` (``"25%"`` of 10 is 3 rounded up, 2 down)."""
    if isinstance(value, bool):
        raise ValueError(f"invalid int-or-percent value {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"invalid int-or-percent value {value!r}")


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """``(surge, unavailable)`` in pods. Both resolving to zero (rounding down a small
    percentage) gives one unavailable pod, so a rollout can always make progress."""
    surge = int_or_percent(0 if max_surge is None else max_surge, desired, True)
    unavailable = int_or_percent(0 if max_unavailable is None else max_unavailable, desired,
                                 False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling(deployment: Object) -> dict[str, Any]:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return strategy.get("rollingUpdate") or {}


def max_surge(deployment: Object) -> int:
    if not is_rolling_update(deployment):
        return 0
    rolling = _rolling(deployment)
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"),
                              replicas(deployment))[0]


def max_unavailable(deployment: Object) -> int:
    desired = replicas(deployment)
    if not is_rolling_update(deployment) or desired == 0:
        return 0
    rolling = _rolling(deployment)
    unavailable = resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"),
                                     desired)[1]
    return min(unavailable, desired)


# -- which ReplicaSet is which -----------------------------------------------------------------

def _created_then_name(rs: Object) -> tuple[float, str]:
    meta = rs.get("metadata") or {}
    created = m.parse_time(meta.get("creationTimestamp"))
    return (created.timestamp() if created else 0.0, meta.get("name", ""))


def by_creation(rss: list[Object]) -> list[Object]:
    """Oldest first, name breaking ties (upstream's ReplicaSetsByCreationTimestamp)."""
    return sorted(rss, key=_created_then_name)


def by_size_older(rss: list[Object]) -> list[Object]:
    """Largest first; of equal size the older first (the first to shrink)."""
    return sorted(by_creation(rss), key=lambda rs: -replicas(rs))


def by_size_newer(rss: list[Object]) -> list[Object]:
    """Largest first; of equal size the newer first (the first to grow)."""
    return sorted(list(reversed(by_creation(rss))), key=lambda rs: -replicas(rs))


def by_revision(rss: list[Object]) -> list[Object]:
    return sorted(by_creation(rss), key=revision)


def find_new_replicaset(deployment: Object, rss: list[Object]) -> Object | None:
    """The oldest ReplicaSet whose template is the Deployment's (hash label aside)."""
    template = (deployment.get("spec") or {}).get("template") or {}
    for rs in by_creation(rss):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


def find_old_replicasets(deployment: Object, rss: list[Object]) -> list[Object]:
    new = find_new_replicaset(deployment, rss)
    new_uid = (new or {}).get("metadata", {}).get("uid")
    return [rs for rs in rss if new is None or rs["metadata"].get("uid") != new_uid]


def active(rss: list[Object | None]) -> list[Object]:
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def total_replicas(rss: list[Object | None]) -> int:
    return sum(replicas(rs) for rs in rss if rs is not None)


def total_status(rss: list[Object | None], key: str) -> int:
    return sum(status_count(rs, key) for rs in rss if rs is not None)


# -- rolling update ----------------------------------------------------------------------------

def new_rs_replicas(deployment: Object, all_rss: list[Object | None], new_rs: Object) -> int:
    """The size the new ReplicaSet may have now."""
    desired = replicas(deployment)
    if not is_rolling_update(deployment):
        return desired
    surge = int_or_percent(_rolling(deployment).get("maxSurge") or 0, desired, True)
    current = total_replicas(all_rss)
    max_total = desired + surge
    if current >= max_total:
        return replicas(new_rs)
    return replicas(new_rs) + min(max_total - current, desired - replicas(new_rs))


ScaleOp = tuple[str, int]  # (ReplicaSet name, new spec.replicas)


def old_rs_scale_downs(deployment: Object, all_rss: list[Object | None],
                       old_rss: list[Object], new_rs: Object) -> list[ScaleOp]:
    """The scale-downs of active old ReplicaSets a rolling update may do now, in order:
    first their unavailable replicas, then available ones down to the minimum."""
    old_count = total_replicas(old_rss)
    if old_count == 0:
        return []
    desired = replicas(deployment)
    min_available = desired - max_unavailable(deployment)
    new_unavailable = replicas(new_rs) - status_count(new_rs, "availableReplicas")
    max_scaled_down = total_replicas(all_rss) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return []
    ops: list[ScaleOp] = []
    sizes = {rs["metadata"]["name"]: replicas(rs) for rs in old_rss}
    cleaned = 0
    for rs in by_creation(old_rss):
        if cleaned >= max_scaled_down:
            break
        name, available = rs["metadata"]["name"], status_count(rs, "availableReplicas")
        if sizes[name] == 0 or sizes[name] == available:
            continue
        if sizes[name] < available:
            # The status still counts pods already being deleted: any further scale-down
            # computed from it could overshoot. Upstream aborts here too (with an error).
            return ops
        down = min(max_scaled_down - cleaned, sizes[name] - available)
        sizes[name] -= down
        cleaned += down
        ops.append((name, sizes[name]))
    # Then available replicas, keeping at least min_available available across all.
    available_total = total_status(all_rss, "availableReplicas")
    if available_total <= min_available:
        return ops
    budget, scaled = available_total - min_available, 0
    for rs in by_creation(old_rss):
        if scaled >= budget:
            break
        name = rs["metadata"]["name"]
        if sizes[name] == 0:
            continue
        down = min(sizes[name], budget - scaled)
        sizes[name] -= down
        scaled += down
        ops.append((name, sizes[name]))
    return ops


# -- scaling events and proportional scaling ---------------------------------------------------

def is_scaling_event(deployment: Object, new_rs: Object | None, old_rss: list[Object]) -> bool:
    """An active ReplicaSet was sized for a different ``spec.replicas``: the user scaled."""
    for rs in active([*old_rss, new_rs]):
        desired = desired_replicas_annotation(rs)
        if desired is not None and desired != replicas(deployment):
            return True
    return False


def find_active_or_latest(new_rs: Object | None, old_rss: list[Object]) -> Object | None:
    """The only active ReplicaSet, or the newest when none is active; None when several
    are active (they must be scaled proportionally)."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(by_creation(old_rss)))
    live = active([*newest_first, new_rs])
    if not live:
        return new_rs if new_rs is not None else newest_first[0]
    return live[0] if len(live) == 1 else None


def is_saturated(deployment: Object, rs: Object | None) -> bool:
    """The new ReplicaSet holds, and knows it should hold, every desired replica."""
    if rs is None:
        return False
    desired = replicas(deployment)
    return (replicas(rs) == desired and desired_replicas_annotation(rs) == desired
            and status_count(rs, "availableReplicas") == desired)


def _proportion(rs: Object, deployment: Object, to_add: int, added: int) -> int:
    if replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    if replicas(deployment) == 0:
        fraction = -replicas(rs)
    else:
        deployment_max = replicas(deployment) + max_surge(deployment)
        annotated = max_replicas_annotation(rs)
        if annotated is None:
            annotated = status_count(deployment, "replicas")
        # Go's math.Round: halves away from zero.
        share = replicas(rs) * deployment_max / annotated if annotated else 0.0
        fraction = math.floor(share + 0.5) - replicas(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def proportional_sizes(deployment: Object, new_rs: Object | None,
                       old_rss: list[Object]) -> tuple[list[ScaleOp], str]:
    """New sizes for every active ReplicaSet of a rolling Deployment that was scaled in
    the middle of a rollout, and the direction ("up", "down" or "")."""
    live = active([*old_rss, new_rs])
    allowed = replicas(deployment) + max_surge(deployment) if replicas(deployment) > 0 else 0
    to_add = allowed - total_replicas(live)
    if to_add > 0:
        live, direction = by_size_newer(live), "up"
    elif to_add < 0:
        live, direction = by_size_older(live), "down"
    else:
        direction = ""
    added = 0
    sizes: list[ScaleOp] = []
    for rs in live:
        change = _proportion(rs, deployment, to_add, added) if to_add else 0
        sizes.append((rs["metadata"]["name"], replicas(rs) + change))
        added += change
    if sizes and to_add:
        name, size = sizes[0]
        sizes[0] = (name, max(0, size + to_add - added))
    return sizes, direction


# -- history and Recreate ----------------------------------------------------------------------

def replicasets_to_clean_up(deployment: Object, old_rss: list[Object]) -> list[Object]:
    """Old ReplicaSets beyond ``revisionHistoryLimit``, oldest revision first, that are
    scaled to zero and settled (only those may be deleted)."""
    limit = (deployment.get("spec") or {}).get("revisionHistoryLimit")
    if not isinstance(limit, int) or limit == MAX_INT32:
        return []
    alive = [rs for rs in old_rss if not m.is_terminating(rs)]
    excess = len(alive) - limit
    if excess <= 0:
        return []
    doomed = []
    for rs in by_revision(alive)[:excess]:
        meta = rs.get("metadata") or {}
        settled = (meta.get("generation") or 0) <= status_count(rs, "observedGeneration")
        if status_count(rs, "replicas") == 0 and replicas(rs) == 0 and settled:
            doomed.append(rs)
    return doomed


def old_pods_running(new_rs: Object | None, old_rss: list[Object],
                     pods_by_rs: dict[str, list[Object]]) -> bool:
    """Recreate waits until no pod of an old ReplicaSet is left that may be running."""
    if total_status(old_rss, "replicas") > 0:
        return True
    new_uid = (new_rs or {}).get("metadata", {}).get("uid")
    for uid, pods in pods_by_rs.items():
        if uid == new_uid:
            continue
        for pod in pods:
            if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                return True
    return False
