"""core/v1 Node: registered by its kubelet with status already filled in, so creation keeps
the status; allocatable defaults to capacity. Taints are validated, anything may change.
"""

from __future__ import annotations

import copy
import ipaddress

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, objects, set_default
from observe.api.kinds.podspec import TAINT_EFFECTS
from observe.api.kinds.resources import canonicalize_resource_list, validate_resource_list
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    as_list,
    bool_field,
    dict_items,
    duplicate,
    enum_field,
    label_value_errors,
    qualified_name_errors,
    string_field,
    time_field,
)

# Strings Go writes even when empty: the official client requires them.
NODE_INFO_FIELDS = ("architecture", "bootID", "containerRuntimeVersion", "kernelVersion",
                    "kubeProxyVersion", "kubeletVersion", "machineID", "operatingSystem",
                    "osImage", "systemUUID")
ALWAYS_WRITTEN = {"addresses": ("type", "address"), "conditions": ("type", "status")}
TIMES = {"conditions": ("lastHeartbeatTime", "lastTransitionTime")}


def default_node(obj: dict) -> None:
    child(obj, "spec")
    status = existing(obj, "status")
    if status is None:
        return
    info = existing(status, "nodeInfo")
    for key in NODE_INFO_FIELDS:
        set_default(info, key, "")
    for list_key, keys in ALWAYS_WRITTEN.items():
        for item in objects(status, list_key):
            for key in keys:
                set_default(item, key, "")
    canonicalize_resource_list(existing(status, "capacity"))
    canonicalize_resource_list(existing(status, "allocatable"))
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = copy.deepcopy(status["capacity"])


def validate_node(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    causes += bool_field(spec.get("unschedulable"), "spec.unschedulable")
    cidrs = [spec.get("podCIDR")] if spec.get("podCIDR") else []
    for i, cidr in enumerate(cidrs + as_list(spec.get("podCIDRs"), "spec.podCIDRs", causes)):
        path = "spec.podCIDR" if i < len(cidrs) else f"spec.podCIDRs[{i - len(cidrs)}]"
        # A null in the list is Go's "": no CIDR either.
        causes += string_field(cidr, path, required_=True, check=_cidr_errors)
    causes += _validate_taints(spec.get("taints"), "spec.taints")
    status = as_dict(obj.get("status"), "status", causes)
    for key in ("capacity", "allocatable"):
        causes += validate_resource_list(status.get(key), f"status.{key}", container=False)
    info = as_dict(status.get("nodeInfo"), "status.nodeInfo", causes)
    for key in NODE_INFO_FIELDS:
        causes += string_field(info.get(key), f"status.nodeInfo.{key}")
    for list_key, keys in ALWAYS_WRITTEN.items():
        path = f"status.{list_key}"
        for _, item, item_path in dict_items(as_list(status.get(list_key), path, causes), path,
                                             causes):
            for key in keys:
                causes += string_field(item.get(key), f"{item_path}.{key}")
            for key in TIMES.get(list_key, ()):
                causes += time_field(item.get(key), f"{item_path}.{key}")
    return causes


def _cidr_errors(value: str) -> list[str]:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]
    return []


def _validate_taints(taints: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[object, object]] = set()
    for _, taint, taint_path in dict_items(as_list(taints, path, causes), path, causes):
        causes += string_field(taint.get("key"), f"{taint_path}.key", required_=True,
                               check=qualified_name_errors)
        causes += string_field(taint.get("value"), f"{taint_path}.value",
                               check=label_value_errors)
        causes += enum_field(taint.get("effect"), f"{taint_path}.effect", TAINT_EFFECTS,
                             required_=True)
        identity = (taint.get("key"), taint.get("effect"))
        if all(isinstance(part, str) for part in identity):
            if identity in seen:
                causes.append(duplicate(taint_path, taint, "taints must be unique by key and "
                                        "effect pair"))
            seen.add(identity)
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=False, defaults=default_node, rules=validate_node)
