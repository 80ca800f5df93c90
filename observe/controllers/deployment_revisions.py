"""Revisions and the annotations a Deployment writes on its ReplicaSets.

``deployment.kubernetes.io/revision`` numbers rollouts: a new ReplicaSet gets the highest old
revision + 1, and an old one brought back by a rollback gets a new number too, its former
numbers kept in ``revision-history``. ``desired-replicas`` and ``max-replicas`` record the
Deployment size (and size + maxSurge) a ReplicaSet was scaled for, which tells a scaling
event from a rollout and drives proportional scaling. The Deployment's other annotations
(``kubernetes.io/change-cause`` among them) are copied to its new ReplicaSet, which is what
``kubectl rollout history`` reads. Pure functions, as upstream's ``deployment_util.go``.
"""

from __future__ import annotations

from typing import Any

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
# Never copied from a Deployment to its ReplicaSets.
NOT_COPIED = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
                        MAX_REPLICAS, ROLLBACK_TO})
# Upstream caps revision-history at this many characters.
MAX_HISTORY_CHARS = 2000

Object = dict[str, Any]


def annotations(obj: Object | None) -> dict[str, str]:
    if obj is None:
        return {}
    return (obj.get("metadata") or {}).get("annotations") or {}


def revision(obj: Object | None) -> int:
    """The revision annotation as a number; 0 when absent or unreadable."""
    try:
        return int(annotations(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(rss: list[Object]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def _int_annotation(obj: Object, key: str) -> int | None:
    try:
        return int(annotations(obj)[key])
    except (KeyError, ValueError):
        return None


def desired_replicas_annotation(rs: Object) -> int | None:
    return _int_annotation(rs, DESIRED_REPLICAS)


def max_replicas_annotation(rs: Object) -> int | None:
    return _int_annotation(rs, MAX_REPLICAS)


def replicas_annotations(desired: int, maximum: int) -> dict[str, str]:
    return {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(maximum)}


def replicas_annotations_need_update(rs: Object, desired: int, maximum: int) -> bool:
    current = annotations(rs)
    return any(current.get(k) != v for k, v in replicas_annotations(desired, maximum).items())


def new_replicaset_annotations(deployment: Object, rs_annotations: dict[str, str],
                               new_revision: int, exists: bool,
                               replica_bounds: tuple[int, int]) -> dict[str, str]:
    """The annotations the Deployment's new ReplicaSet should carry.

    The Deployment's own annotations are copied (except :data:`NOT_COPIED`); the revision
    only ever goes up, and when an existing ReplicaSet gets a new number (a rollback) its
    old number joins ``revision-history``. A ReplicaSet about to be created also gets its
    ``desired-replicas``/``max-replicas`` from ``replica_bounds``.
    """
    result = dict(rs_annotations)
    for key, value in annotations(deployment).items():
        if key not in NOT_COPIED:
            result[key] = value
    old_text = result.get(REVISION)
    try:
        old = int(old_text) if old_text is not None else 0
    except ValueError:
        return dict(rs_annotations)  # upstream leaves an unreadable revision alone
    if old < new_revision:
        result[REVISION] = str(new_revision)
        if old_text is not None:
            result[REVISION_HISTORY] = _append_history(result.get(REVISION_HISTORY, ""),
                                                       old_text)
    if not exists:
        result.update(replicas_annotations(*replica_bounds))
    return result


def _append_history(history: str, old: str) -> str:
    if not history:
        return old
    entries = history.split(",")
    total = len(history) + len(old) + 1
    start = 0
    while total > MAX_HISTORY_CHARS and start < len(entries):
        total -= len(entries[start]) + 1
        start += 1
    if total > MAX_HISTORY_CHARS:
        return history
    return ",".join([*entries[start:], old])
