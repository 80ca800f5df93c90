"""A Deployment's status and its Available/Progressing conditions, as upstream computes them.

Counts come from the ReplicaSets (``replicas``, ``updatedReplicas`` from the new one,
``readyReplicas``, ``availableReplicas``, ``unavailableReplicas``). ``Available`` is True with
``MinimumReplicasAvailable`` once replicas - maxUnavailable pods are available.
``Progressing`` tells the rollout's story: ``NewReplicaSetCreated`` / ``FoundNewReplicaSet``
when a rollout starts, ``ReplicaSetUpdated`` each time it moves (refreshing lastUpdateTime),
``NewReplicaSetAvailable`` when it completes, and ``ProgressDeadlineExceeded`` when it has
not moved for ``progressDeadlineSeconds``; pausing and resuming are recorded with Unknown
``DeploymentPaused``/``DeploymentResumed``. ``kubectl rollout status`` reads exactly these.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.controllers.deployment_rollout import (
    MAX_INT32,
    max_unavailable,
    replicas,
    status_count,
    total_replicas,
    total_status,
)

Object = dict[str, Any]
Status = dict[str, Any]

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
FAILED_RS_CREATE = "ReplicaSetCreateError"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


def new_condition(kind: str, status: str, reason: str, message: str,
                  now: datetime) -> dict[str, Any]:
    stamp = m.rfc3339(now)
    return {"type": kind, "status": status, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def get_condition(status: Status, kind: str) -> dict[str, Any] | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def set_condition(status: Status, cond: dict[str, Any]) -> None:
    """Upstream's SetDeploymentCondition: same status and reason is no change; same status
    keeps the transition time."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and \
            current.get("reason") == cond["reason"]:
        return
    cond = dict(cond)
    if current is not None and current.get("status") == cond["status"]:
        cond["lastTransitionTime"] = current.get("lastTransitionTime", cond["lastTransitionTime"])
    remove_condition(status, cond["type"])
    status.setdefault("conditions", []).append(cond)


def remove_condition(status: Status, kind: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(deployment: Object) -> bool:
    deadline = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return isinstance(deadline, int) and deadline != MAX_INT32


def calculate_status(all_rss: list[Object | None], new_rs: Object | None,
                     deployment: Object, now: datetime) -> Status:
    available = total_status(all_rss, "availableReplicas")
    unavailable = max(0, total_replicas(all_rss) - available)
    status: Status = {}
    old = deployment.get("status") or {}
    counts = (("observedGeneration", (deployment.get("metadata") or {}).get("generation")),
              ("replicas", total_status(all_rss, "replicas")),
              ("updatedReplicas", status_count(new_rs, "replicas")),
              ("readyReplicas", total_status(all_rss, "readyReplicas")),
              ("availableReplicas", available),
              ("unavailableReplicas", unavailable))
    for key, value in counts:
        if value:  # omitempty, as Kubernetes serialises them
            status[key] = value
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = copy.deepcopy(old["conditions"])
    if available >= replicas(deployment) - max_unavailable(deployment):
        set_condition(status, new_condition(AVAILABLE, "True", MIN_AVAILABLE,
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", MIN_UNAVAILABLE,
                                            "Deployment does not have minimum availability.",
                                            now))
    return status


def deployment_complete(deployment: Object, status: Status) -> bool:
    desired = replicas(deployment)
    return (status.get("updatedReplicas", 0) == desired
            and status.get("replicas", 0) == desired
            and status.get("availableReplicas", 0) == desired
            and status.get("observedGeneration", 0) >= _generation(deployment))


def deployment_progressing(deployment: Object, status: Status) -> bool:
    old = deployment.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return (status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
            or new_old < old_old
            or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or status.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(deployment: Object, status: Status, now: datetime) -> bool:
    if not has_progress_deadline(deployment):
        return False
    cond = get_condition(status, PROGRESSING)
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = m.parse_time(cond.get("lastUpdateTime"))
    deadline = deployment["spec"]["progressDeadlineSeconds"]
    return since is not None and since.timestamp() + deadline < now.timestamp()


def rollout_status(all_rss: list[Object | None], new_rs: Object | None, deployment: Object,
                   now: datetime) -> Status:
    """The status after a rollout step: counts, Available, and Progressing judged against
    the status the Deployment had before."""
    status = calculate_status(all_rss, new_rs, deployment, now)
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
    current = get_condition(deployment.get("status") or {}, PROGRESSING)
    complete_before = (status.get("replicas", 0) == status.get("updatedReplicas", 0)
                       and current is not None and current.get("reason") == NEW_RS_AVAILABLE)
    name = (deployment.get("metadata") or {}).get("name", "")
    subject = f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None \
        else f'Deployment "{name}"'
    if has_progress_deadline(deployment) and not complete_before:
        if deployment_complete(deployment, status):
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE,
                                                f"{subject} has successfully progressed.",
                                                now))
        elif deployment_progressing(deployment, status):
            cond = new_condition(PROGRESSING, "True", RS_UPDATED, f"{subject} is progressing.",
                                 now)
            # Progress refreshes lastUpdateTime even when the reason stays the same.
            if current is not None:
                if current.get("status") == "True":
                    cond["lastTransitionTime"] = current.get("lastTransitionTime",
                                                             cond["lastTransitionTime"])
                remove_condition(status, PROGRESSING)
            set_condition(status, cond)
        elif deployment_timed_out(deployment, status, now):
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT,
                                                f"{subject} has timed out progressing.", now))
    return status


def replica_failure(all_rss: list[Object | None], new_rs: Object | None
                    ) -> dict[str, Any] | None:
    """A ReplicaSet's ReplicaFailure condition, promoted to the Deployment (new one first)."""
    ordered = ([new_rs] if new_rs is not None else []) + [rs for rs in all_rss if rs is not new_rs]
    for rs in ordered:
        if rs is None:
            continue
        for cond in (rs.get("status") or {}).get("conditions") or []:
            if cond.get("type") == REPLICA_FAILURE:
                when = cond.get("lastTransitionTime")
                return {"type": REPLICA_FAILURE, "status": cond.get("status"),
                        "lastUpdateTime": when, "lastTransitionTime": when,
                        "reason": cond.get("reason"), "message": cond.get("message")}
    return None


def with_replica_failure(status: Status, all_rss: list[Object | None],
                         new_rs: Object | None) -> Status:
    failure = replica_failure(all_rss, new_rs)
    if failure is not None:
        set_condition(status, failure)
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def stuck_requeue_delay(deployment: Object, status: Status, now: datetime) -> float | None:
    """When to look again at a rollout that shows no progress, so the deadline is noticed
    without waiting for an event; None when there is no deadline to watch."""
    current = get_condition(deployment.get("status") or {}, PROGRESSING)
    if not has_progress_deadline(deployment) or current is None:
        return None
    if deployment_complete(deployment, status) or current.get("reason") == TIMED_OUT:
        return None
    since = m.parse_time(current.get("lastUpdateTime"))
    if since is None:
        return None
    deadline = deployment["spec"]["progressDeadlineSeconds"]
    return max(0.0, since.timestamp() + deadline - now.timestamp())


def paused_condition(deployment: Object, now: datetime) -> dict[str, Any] | None:
    """The Unknown Progressing condition that records a pause or resume, if one is due."""
    if not has_progress_deadline(deployment):
        return None
    cond = get_condition(deployment.get("status") or {}, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return None
    paused_recorded = cond is not None and cond.get("reason") == PAUSED
    paused = bool((deployment.get("spec") or {}).get("paused"))
    if paused and not paused_recorded:
        return new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", now)
    if not paused and paused_recorded:
        return new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", now)
    return None


def _generation(obj: Object) -> int:
    return (obj.get("metadata") or {}).get("generation") or 0
