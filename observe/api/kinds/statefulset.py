"""apps/v1 StatefulSet: ordered pods with stable names, claims stamped from
``volumeClaimTemplates``, and an update that may only touch a short list of spec fields.
"""

from __future__ import annotations

import copy

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, objects, set_default, set_default_if_empty
from observe.api.kinds.storage import default_claim, validate_claim_spec
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.kinds.workloads import default_workload, validate_workload
from observe.api.validation import (
    as_dict,
    as_list,
    dict_items,
    dns1123_subdomain_errors,
    enum_field,
    forbidden,
    int_field,
    int_or_percent_field,
    invalid,
    required,
    string_field,
)

RETENTION = ("Retain", "Delete")
UPDATABLE = ("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
             "persistentVolumeClaimRetentionPolicy", "minReadySeconds")
UPDATABLE_MESSAGE = ("updates to statefulset spec for fields other than 'replicas', "
                     "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
                     "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


def default_statefulset(obj: dict) -> None:
    spec = default_workload(obj)
    if spec is None:
        return
    set_default_if_empty(spec, "podManagementPolicy", "OrderedReady")
    strategy = child(spec, "updateStrategy")
    if strategy is not None and strategy.get("type") in (None, ""):
        strategy["type"] = "RollingUpdate"
        child(strategy, "rollingUpdate")
    if strategy is not None and strategy["type"] == "RollingUpdate":
        set_default(existing(strategy, "rollingUpdate"), "partition", 0)
    retention = child(spec, "persistentVolumeClaimRetentionPolicy")
    set_default_if_empty(retention, "whenDeleted", "Retain")
    set_default_if_empty(retention, "whenScaled", "Retain")
    set_default(spec, "replicas", 1)
    set_default(spec, "revisionHistoryLimit", 10)
    # Go wrote serviceName even when empty until it became optional; clients still expect it.
    set_default(spec, "serviceName", "")
    for claim in objects(spec, "volumeClaimTemplates"):
        default_claim(claim)


def validate_statefulset(obj: dict) -> list[Cause]:
    causes, spec = validate_workload(obj, "statefulset", "StatefulSet")
    policy = spec.get("podManagementPolicy")
    if not policy:
        causes.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        causes.append(invalid("spec.podManagementPolicy", policy,
                              "must be 'OrderedReady' or 'Parallel'"))
    causes += _validate_update_strategy(spec.get("updateStrategy"), "spec.updateStrategy")
    retention = as_dict(spec.get("persistentVolumeClaimRetentionPolicy"),
                        "spec.persistentVolumeClaimRetentionPolicy", causes)
    for key in ("whenDeleted", "whenScaled"):
        causes += enum_field(retention.get(key),
                             f"spec.persistentVolumeClaimRetentionPolicy.{key}", RETENTION)
    ordinals = as_dict(spec.get("ordinals"), "spec.ordinals", causes)
    causes += int_field(ordinals.get("start"), "spec.ordinals.start", minimum=0)
    causes += string_field(spec.get("serviceName"), "spec.serviceName")
    templates = as_list(spec.get("volumeClaimTemplates"), "spec.volumeClaimTemplates", causes)
    for _, claim, path in dict_items(templates, "spec.volumeClaimTemplates", causes):
        metadata = as_dict(claim.get("metadata"), f"{path}.metadata", causes)
        causes += string_field(metadata.get("name"), f"{path}.metadata.name", required_=True,
                               check=dns1123_subdomain_errors)
        causes += validate_claim_spec(claim.get("spec"), f"{path}.spec")
    return causes


def _validate_update_strategy(strategy: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    strategy = as_dict(strategy, path, causes)
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if not kind:
        causes.append(required(path))
    elif kind == "OnDelete":
        if rolling is not None:
            causes.append(invalid(f"{path}.rollingUpdate", rolling,
                                  "only allowed for updateStrategy 'RollingUpdate'"))
    elif kind == "RollingUpdate":
        rolling = as_dict(rolling, f"{path}.rollingUpdate", causes)
        causes += int_field(rolling.get("partition"), f"{path}.rollingUpdate.partition",
                            minimum=0)
        causes += int_or_percent_field(rolling.get("maxUnavailable"),
                                       f"{path}.rollingUpdate.maxUnavailable")
    else:
        causes.append(invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'"))
    return causes


def validate_statefulset_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return []
    fixed = copy.deepcopy(new_spec)
    for key in UPDATABLE:
        fixed.pop(key, None)
        if key in old_spec:
            fixed[key] = old_spec[key]
    return [] if fixed == old_spec else [forbidden("spec", UPDATABLE_MESSAGE)]


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_statefulset,
                          rules=validate_statefulset, update_rules=validate_statefulset_update,
                          initial_status={"replicas": 0, "availableReplicas": 0})
