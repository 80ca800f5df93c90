"""core/v1 PersistentVolume and PersistentVolumeClaim, and the claim spec StatefulSets
stamp from their ``volumeClaimTemplates``.

Defaults: volumes are Filesystem and Retained; both start in phase Pending. Updates: a
claim's spec is fixed except for a storage request that may only grow and the volume it is
bound to, which the binder sets once.
"""

from __future__ import annotations

import copy

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, set_default, set_default_if_empty
from observe.api.kinds.resources import canonicalize_resource_list, validate_resource_list
from observe.api.kinds.selectors import validate_label_selector
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.kinds.volumes import VOLUME_SOURCES
from observe.api.quantity import QuantityError, parse_quantity
from observe.api.validation import (
    as_dict,
    as_list,
    enum_field,
    forbidden,
    immutable,
    invalid,
    not_supported,
    required,
    string_field,
)

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
RECLAIM_POLICIES = ("Retain", "Delete", "Recycle")
_POD_ONLY_SOURCES = ("emptyDir", "gitRepo", "secret", "persistentVolumeClaim", "downwardAPI",
                     "configMap", "projected", "ephemeral", "image")
# PV sources are the pod volume sources a PV can carry, plus "local".
PV_SOURCES = (*(s for s in VOLUME_SOURCES if s not in _POD_ONLY_SOURCES), "local")
CLAIM_SPEC_MESSAGE = ("spec is immutable after creation except resources.requests and "
                      "volumeAttributesClassName for bound claims")


# --------------------------------------------------------------------------------------------
# PersistentVolumeClaim


def default_claim(claim: dict) -> None:
    spec = child(claim, "spec")
    set_default(spec, "volumeMode", "Filesystem")
    resources = existing(spec, "resources")
    canonicalize_resource_list(existing(resources, "requests"))
    canonicalize_resource_list(existing(resources, "limits"))
    set_default_if_empty(child(claim, "status"), "phase", "Pending")


def validate_claim(obj: dict) -> list[Cause]:
    return validate_claim_spec(obj.get("spec"), "spec")


def validate_claim_spec(spec: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(spec, path, causes)
    modes = as_list(spec.get("accessModes"), f"{path}.accessModes", causes)
    if not modes:
        causes.append(required(f"{path}.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in ACCESS_MODES:
            causes.append(not_supported(f"{path}.accessModes", mode, ACCESS_MODES))
    resources = as_dict(spec.get("resources"), f"{path}.resources", causes)
    requests = resources.get("requests")
    list_causes = validate_resource_list(requests, f"{path}.resources.requests", container=False)
    list_causes += validate_resource_list(resources.get("limits"), f"{path}.resources.limits",
                                          container=False)
    causes += list_causes
    storage = requests.get("storage") if isinstance(requests, dict) else None
    if storage is None:
        causes.append(required(f"{path}.resources[storage]"))
    elif not list_causes and parse_quantity(storage).amount <= 0:
        causes.append(invalid(f"{path}.resources[storage]", storage,
                              "must be greater than zero"))
    causes += enum_field(spec.get("volumeMode"), f"{path}.volumeMode", VOLUME_MODES)
    if spec.get("selector") is not None:
        causes += validate_label_selector(spec.get("selector"), f"{path}.selector")
    for key in ("storageClassName", "volumeName", "volumeAttributesClassName"):
        causes += string_field(spec.get(key), f"{path}.{key}")
    return causes


def validate_claim_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return []
    rest = copy.deepcopy(new_spec)
    if not old_spec.get("volumeName"):
        # The binder records the volume it chose exactly once.
        _copy_member(rest, old_spec, "volumeName")
    _copy_member(rest, old_spec, "volumeAttributesClassName")
    new_requests = _requests(rest)
    _set_requests(rest, _requests(old_spec))
    if rest != old_spec:
        return [forbidden("spec", CLAIM_SPEC_MESSAGE)]
    return _shrink_causes(new_requests.get("storage"), _requests(old_spec).get("storage"))


def _requests(spec: dict) -> dict:
    resources = spec.get("resources")
    requests = resources.get("requests") if isinstance(resources, dict) else None
    return requests if isinstance(requests, dict) else {}


def _set_requests(spec: dict, requests: dict) -> None:
    resources = child(spec, "resources")
    if resources is not None:
        resources["requests"] = copy.deepcopy(requests)
        if not requests:
            del resources["requests"]


def _copy_member(target: dict, source: dict, key: str) -> None:
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


def _shrink_causes(new: object, old: object) -> list[Cause]:
    try:
        shrunk = parse_quantity(new) < parse_quantity(old)  # type: ignore[arg-type]
    except QuantityError:
        return []
    if shrunk:
        return [forbidden("spec.resources.requests.storage",
                          "field can not be less than previous value")]
    return []


def claim_strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_claim, rules=validate_claim,
                          update_rules=validate_claim_update,
                          initial_status={"phase": "Pending"})


# --------------------------------------------------------------------------------------------
# PersistentVolume


def default_volume(obj: dict) -> None:
    spec = child(obj, "spec")
    set_default_if_empty(spec, "persistentVolumeReclaimPolicy", "Retain")
    set_default(spec, "volumeMode", "Filesystem")
    canonicalize_resource_list(existing(spec, "capacity"))
    set_default_if_empty(child(obj, "status"), "phase", "Pending")


def validate_volume(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    capacity = spec.get("capacity")
    if not capacity:
        causes.append(required("spec.capacity"))
    elif isinstance(capacity, dict) and set(capacity) != {"storage"}:
        causes.append(not_supported("spec.capacity", capacity, ("storage",)))
    else:
        causes += validate_resource_list(capacity, "spec.capacity", container=False)
    modes = as_list(spec.get("accessModes"), "spec.accessModes", causes)
    if not modes:
        causes.append(required("spec.accessModes"))
    for mode in modes:
        if mode not in ACCESS_MODES:
            causes.append(not_supported("spec.accessModes", mode, ACCESS_MODES))
    given = [k for k in PV_SOURCES if spec.get(k) is not None]
    if not given:
        causes.append(required("spec", "must specify a volume type"))
    elif len(given) > 1:
        causes.append(forbidden(f"spec.{given[1]}", "may not specify more than 1 volume type"))
    causes += enum_field(spec.get("persistentVolumeReclaimPolicy"),
                         "spec.persistentVolumeReclaimPolicy", RECLAIM_POLICIES)
    causes += enum_field(spec.get("volumeMode"), "spec.volumeMode", VOLUME_MODES)
    causes += string_field(spec.get("storageClassName"), "spec.storageClassName")
    return causes


def validate_volume_update(new: dict, old: dict) -> list[Cause]:
    new_spec = new.get("spec") if isinstance(new.get("spec"), dict) else {}
    old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
    if new_spec.get("volumeMode") != old_spec.get("volumeMode"):
        return [immutable("spec.volumeMode", new_spec.get("volumeMode"))]
    return []


def volume_strategy() -> KindStrategy:
    return build_strategy(namespaced=False, defaults=default_volume, rules=validate_volume,
                          update_rules=validate_volume_update,
                          initial_status={"phase": "Pending"})
