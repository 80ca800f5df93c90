"""core/v1 Pod: the Pod-only defaults on top of the pod spec's, the initial status (phase
Pending and the QoS class), and the narrow set of spec fields an update may touch.
"""

from __future__ import annotations

import copy
from typing import Any

from observe.api.errors import Cause
from observe.api.kinds.containers import default_pod_container
from observe.api.kinds.fields import child, objects, set_default, set_default_if_empty
from observe.api.kinds.podspec import MAX_INT32, default_pod_spec, validate_pod_spec
from observe.api.kinds.resources import pod_qos_class
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import forbidden, invalid

UPDATABLE_FIELDS = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def default_pod(pod: dict) -> None:
    spec = child(pod, "spec")
    if spec is None:
        return
    default_pod_spec(spec)
    set_default(spec, "enableServiceLinks", True)
    # What the ServiceAccount admission plugin fills in for every Pod.
    set_default_if_empty(spec, "serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    host_network = spec.get("hostNetwork") is True
    for key in ("initContainers", "containers"):
        for container in objects(spec, key):
            default_pod_container(container, host_network)
    add_default_tolerations(pod)


# The DefaultTolerationSeconds admission plugin: a pod stays five minutes on a node that is
# not ready or unreachable before the node lifecycle controller evicts it.
DEFAULT_TOLERATION_SECONDS = 300
NODE_TROUBLE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def add_default_tolerations(pod: dict) -> None:
    """What the admission plugin adds on create and update: a NoExecute toleration for each
    trouble taint the pod does not tolerate already (upstream checks only the key and the
    effect)."""
    spec = pod.get("spec")
    tolerations = spec.get("tolerations") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(tolerations, list | None):
        return
    tolerations = list(tolerations or [])
    for key in NODE_TROUBLE_TAINTS:
        if not any(isinstance(t, dict) and t.get("key", "") in ("", key)
                   and t.get("effect", "") in ("", "NoExecute") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    spec["tolerations"] = tolerations


def initial_status(pod: dict) -> dict:
    return {"phase": "Pending", "qosClass": pod_qos_class(pod.get("spec"))}


def validate_pod(pod: dict) -> list[Cause]:
    causes = validate_pod_spec(pod.get("spec"), "spec")
    spec = pod.get("spec")
    if isinstance(spec, dict) and spec.get("ephemeralContainers"):
        causes.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    return causes


def validate_pod_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return []
    causes: list[Cause] = []
    for key in ("containers", "initContainers"):
        if len(_list(new_spec, key)) != len(_list(old_spec, key)):
            causes.append(forbidden(f"spec.{key}", "pod updates may not add or remove "
                                    "containers"))
    if causes:
        return causes
    causes += _deadline_causes(new_spec.get("activeDeadlineSeconds"),
                               old_spec.get("activeDeadlineSeconds"))
    causes += _toleration_causes(_list(new_spec, "tolerations"), _list(old_spec, "tolerations"))
    if causes:
        return causes
    if _without_mutable_fields(new_spec, old_spec) != old_spec:
        causes.append(forbidden("spec", UPDATABLE_FIELDS))
    return causes


def _list(spec: dict, key: str) -> list:
    value = spec.get(key)
    return value if isinstance(value, list) else []


def _deadline_causes(new: Any, old: Any) -> list[Cause]:
    path = "spec.activeDeadlineSeconds"
    if new is None:
        return [] if old is None else \
            [invalid(path, None, "must not update from a positive integer to nil value")]
    if not isinstance(new, int) or isinstance(new, bool) or not 0 <= new <= MAX_INT32:
        return [invalid(path, new, f"must be between 0 and {MAX_INT32}, inclusive")]
    if isinstance(old, int) and old < new:
        return [invalid(path, new, "must be less than or equal to previous value")]
    return []


def _toleration_causes(new: list, old: list) -> list[Cause]:
    def identity(tol: Any) -> Any:
        if not isinstance(tol, dict):
            return tol
        return {k: v for k, v in tol.items() if k != "tolerationSeconds"}

    remaining = [identity(t) for t in new]
    for tol in old:
        if identity(tol) not in remaining:
            return [forbidden("spec.tolerations", "existing toleration can not be modified "
                              "except its tolerationSeconds")]
    return []


def _without_mutable_fields(new_spec: dict, old_spec: dict) -> dict:
    """``new_spec`` with every field a pod update may change copied from ``old_spec``, so
    what remains to compare is exactly what may not change."""
    result = copy.deepcopy(new_spec)
    for key in ("containers", "initContainers"):
        for new_c, old_c in zip(_list(result, key), _list(old_spec, key), strict=True):
            if isinstance(new_c, dict) and isinstance(old_c, dict):
                _copy_member(new_c, old_c, "image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        _copy_member(result, old_spec, key)
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and \
            result.get("terminationGracePeriodSeconds") == 1:
        result["terminationGracePeriodSeconds"] = old_grace
    return result


def _copy_member(target: dict, source: dict, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_pod, rules=validate_pod,
                          update_rules=validate_pod_update, initial_status=initial_status)
