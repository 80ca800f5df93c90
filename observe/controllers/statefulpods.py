"""What the StatefulSet controller decides, as pure functions over a StatefulSet and its pods.

Follows upstream's ``stateful_set_utils.go`` and ``stateful_set_control.go``:

- identity: pod ``<set>-<ordinal>`` with ``statefulset.kubernetes.io/pod-name`` and
  ``apps.kubernetes.io/pod-index`` labels, hostname = pod name, subdomain = ``serviceName``,
  and one PersistentVolumeClaim ``<claim>-<set>-<ordinal>`` per volumeClaimTemplate, mounted
  under the template's name. Claims are never deleted here (retention ``Retain``), so a
  re-created pod finds its data again.
- :func:`plan` — one step of upstream's ``updateStatefulSet``: with ``OrderedReady`` pods
  are created in ascending ordinal order, each only once its predecessors are Running and
  Ready, and removed (scale-down) from the highest ordinal, one at a time; ``Parallel`` does
  all of it at once. Failed pods are deleted to be re-created. The rolling update then
  deletes, from the highest ordinal down to ``partition``, the first pod not at the update
  revision — one per step, waiting for each replacement to become ready.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.controllers import pods as podutil
from observe.controllers.revisions import REVISION_HASH

Object = dict[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _spec(sts: Object) -> Object:
    spec = sts.get("spec")
    return spec if isinstance(spec, dict) else {}


def replicas(sts: Object) -> int:
    value = _spec(sts).get("replicas")
    return value if isinstance(value, int) else 1


def start_ordinal(sts: Object) -> int:
    value = (_spec(sts).get("ordinals") or {}).get("start")
    return value if isinstance(value, int) else 0


def is_parallel(sts: Object) -> bool:
    return _spec(sts).get("podManagementPolicy") == "Parallel"


def partition(sts: Object) -> int:
    strategy = _spec(sts).get("updateStrategy") or {}
    value = (strategy.get("rollingUpdate") or {}).get("partition")
    return value if isinstance(value, int) else 0


def _min_ready(sts: Object) -> int:
    value = _spec(sts).get("minReadySeconds")
    return value if isinstance(value, int) else 0


def ordinal_of(sts: Object, pod: Object) -> int | None:
    """The ordinal in ``pod``'s name if it is one of ``sts``'s, else None."""
    match = re.fullmatch(rf"{re.escape(sts['metadata']['name'])}-(\d+)",
                         str((pod.get("metadata") or {}).get("name") or ""))
    return int(match.group(1)) if match else None


def pod_name(sts: Object, ordinal: int) -> str:
    return f"{sts['metadata']['name']}-{ordinal}"


def claim_name(template_name: str, sts: Object, ordinal: int) -> str:
    return f"{template_name}-{sts['metadata']['name']}-{ordinal}"


def claims_for(sts: Object, ordinal: int) -> list[Object]:
    """The PersistentVolumeClaims the pod of ``ordinal`` uses."""
    selector_labels = (_spec(sts).get("selector") or {}).get("matchLabels") or {}
    result = []
    for template in _spec(sts).get("volumeClaimTemplates") or []:
        meta = template.get("metadata") or {}
        claim: Object = {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(meta.get("name", ""), sts, ordinal),
                         "namespace": sts["metadata"].get("namespace"),
                         "labels": {**(meta.get("labels") or {}), **selector_labels}},
            "spec": copy.deepcopy(template.get("spec") or {})}
        if meta.get("annotations"):
            claim["metadata"]["annotations"] = dict(meta["annotations"])
        result.append(claim)
    return result


def pod_for(sts: Object, template: Object, ordinal: int, revision: str) -> Object:
    """The pod of ``ordinal``, from ``template`` (the one of its revision)."""
    name = pod_name(sts, ordinal)
    pod = podutil.pod_from_template(template, sts)
    meta, spec = pod["metadata"], pod["spec"]
    del meta["generateName"]
    meta["name"] = name
    meta["labels"] = {**(meta.get("labels") or {}), POD_NAME_LABEL: name,
                      POD_INDEX_LABEL: str(ordinal), REVISION_HASH: revision}
    spec["hostname"] = name
    if _spec(sts).get("serviceName"):
        spec["subdomain"] = _spec(sts)["serviceName"]
    claims = {t.get("metadata", {}).get("name", "") for t in
              _spec(sts).get("volumeClaimTemplates") or []}
    volumes = [v for v in spec.get("volumes") or [] if v.get("name") not in claims]
    for claim in sorted(claims):
        volumes.append({"name": claim, "persistentVolumeClaim": {
            "claimName": claim_name(claim, sts, ordinal)}})
    if volumes:
        spec["volumes"] = volumes
    return pod


def revision_of(pod: Object) -> str:
    return str(((pod.get("metadata") or {}).get("labels") or {}).get(REVISION_HASH) or "")


def healthy(sts: Object, pod: Object, now: datetime) -> bool:
    """Running, Ready (for ``minReadySeconds``) and not being deleted."""
    return podutil.phase(pod) == "Running" and not m.is_terminating(pod) and \
        podutil.is_available(pod, _min_ready(sts), now)


@dataclass
class Plan:
    create: list[int] = field(default_factory=list)  # ordinals
    delete: list[Object] = field(default_factory=list)
    recreate_failed: list[Object] = field(default_factory=list)


def plan(sts: Object, pods: list[Object], update: str, now: datetime) -> Plan:
    """One step towards ``replicas`` healthy pods, rolled to the ``update`` revision (a
    revision name) from the highest ordinal down to the partition."""
    result = Plan()
    first, count = start_ordinal(sts), replicas(sts)
    wanted = range(first, first + count)
    by_ordinal: dict[int, Object] = {}
    condemned: list[Object] = []
    for pod in pods:
        ordinal = ordinal_of(sts, pod)
        if ordinal is None:
            continue
        if ordinal in wanted:
            by_ordinal[ordinal] = pod
        else:
            condemned.append(pod)
    ordered = not is_parallel(sts)
    for ordinal in wanted:
        pod = by_ordinal.get(ordinal)
        if pod is None:
            result.create.append(ordinal)
            if ordered:
                return result
            continue
        if podutil.is_terminated(pod) and not m.is_terminating(pod):
            result.recreate_failed.append(pod)
            if ordered:
                return result
            continue
        if ordered and not healthy(sts, pod, now):
            return result  # wait for this one before touching the next
    condemned.sort(key=lambda p: ordinal_of(sts, p) or 0, reverse=True)
    for pod in condemned:
        if m.is_terminating(pod):
            if ordered:
                return result
            continue
        if ordered and any(not healthy(sts, p, now) for p in by_ordinal.values()):
            return result
        result.delete.append(pod)
        if ordered:
            return result
    if result.create or result.delete or condemned:
        return result
    strategy = (_spec(sts).get("updateStrategy") or {}).get("type")
    if strategy == "OnDelete" or all(revision_of(p) == update for p in by_ordinal.values()):
        return result
    floor = first + partition(sts)
    for ordinal in sorted(wanted, reverse=True):
        if ordinal < floor:
            break
        pod = by_ordinal[ordinal]
        if revision_of(pod) != update and not m.is_terminating(pod):
            result.delete.append(pod)
            return result
        if not healthy(sts, pod, now):
            return result
    return result


def revision_for(sts: Object, ordinal: int, current: str, update: str) -> str:
    """The revision a (re-)created pod gets: below the partition it stays at the current
    one."""
    strategy = (_spec(sts).get("updateStrategy") or {}).get("type")
    if strategy == "OnDelete":
        return update
    return current if ordinal < start_ordinal(sts) + partition(sts) else update


def calculate_status(sts: Object, pods: list[Object], current: str, update: str,
                     now: datetime) -> Object:
    live = [p for p in pods if ordinal_of(sts, p) is not None and not m.is_terminating(p)]
    status: Object = {
        "observedGeneration": (sts.get("metadata") or {}).get("generation"),
        "replicas": len(live),
        "currentRevision": current,
        "updateRevision": update,
        "collisionCount": (sts.get("status") or {}).get("collisionCount") or 0,
        "availableReplicas": sum(1 for p in live if podutil.is_available(
            p, _min_ready(sts), now)),
    }
    for key, value in (
            ("readyReplicas", sum(1 for p in live if podutil.is_ready(p))),
            ("currentReplicas", sum(1 for p in live if revision_of(p) == current)),
            ("updatedReplicas", sum(1 for p in live if revision_of(p) == update))):
        if value:
            status[key] = value
    return status
