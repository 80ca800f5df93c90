"""Resource lists (``{"cpu": "500m", "memory": "1Gi"}``) inside schemas: canonical spelling,
validation of container requirements, and the Pod QoS class derived from them.

Used by containers (requests/limits), PersistentVolumes (capacity), claims (requests) and
Nodes (capacity/allocatable).
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.quantity import QuantityError, canonical_resource_value, parse_quantity
from observe.api.validation import (
    NEGATIVE,
    as_dict,
    invalid,
    qualified_name_errors,
    string_keys,
    type_error,
)

STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
# Only these two decide a QoS class (kubelet's "supported QoS compute resources").
QOS_RESOURCES = ("cpu", "memory")


def canonicalize_resource_list(resources: Any) -> None:
    """Rewrite every valid quantity in place to its stored form (``0.5`` -> ``500m``);
    invalid ones stay as sent so validation can point at them."""
    if not isinstance(resources, dict):
        return
    for name, value in resources.items():
        try:
            resources[name] = canonical_resource_value(value)
        except QuantityError:
            continue


def _is_native(name: str) -> bool:
    prefix, _, _ = name.rpartition("/")
    return not prefix or "kubernetes.io" in prefix


def _container_resource_name_errors(name: str) -> list[str]:
    errors = qualified_name_errors(name)
    if errors:
        return errors
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            return ["must be a standard resource for containers"]
    elif _is_native(name):
        return ["doesn't follow extended resource name standard"]
    return []


def validate_resource_list(resources: Any, path: str, *, container: bool) -> list[Cause]:
    """Names and quantities of one list, each reported at ``path[name]``."""
    causes: list[Cause] = []
    for name, value in string_keys(as_dict(resources, path, causes), path, causes).items():
        entry = f"{path}[{name}]"
        name_errors = _container_resource_name_errors(name) if container \
            else qualified_name_errors(name)
        causes += [invalid(entry, name, m) for m in name_errors]
        causes += _quantity_errors(value, entry, integer=container and not _is_native(name))
    return causes


def _quantity_errors(value: Any, path: str, *, integer: bool = False) -> list[Cause]:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return [type_error(path, value, "string")]
    try:
        quantity = parse_quantity(value)
    except QuantityError as exc:
        return [invalid(path, value, str(exc))]
    if quantity.amount < 0:
        return [invalid(path, str(quantity), NEGATIVE)]
    if integer and quantity.milli_value() % 1000:
        return [invalid(path, str(quantity), "must be an integer")]
    return []


def validate_resource_requirements(resources: Any, path: str) -> list[Cause]:
    """A container's ``resources``: valid lists, and no request above its limit."""
    causes: list[Cause] = []
    resources = as_dict(resources, path, causes)
    limits_path, requests_path = f"{path}.limits", f"{path}.requests"
    causes += validate_resource_list(resources.get("limits"), limits_path, container=True)
    causes += validate_resource_list(resources.get("requests"), requests_path, container=True)
    if causes:
        return causes
    limits = resources.get("limits") or {}
    for name, value in (resources.get("requests") or {}).items():
        request = parse_quantity(value)
        if name in limits:
            limit = parse_quantity(limits[name])
            if _is_native(name) and request > limit:
                causes.append(invalid(requests_path, str(request),
                                      f"must be less than or equal to {name} limit of {limit}"))
            elif not _is_native(name) and request != limit:
                causes.append(invalid(requests_path, str(request),
                                      f"must be equal to {name} limit of {limit}"))
        elif not _is_native(name):
            # Extended resources cannot be overcommitted, so they need a limit.
            causes.append(Cause(limits_path, "Required value: Limit must be set for non "
                                "overcommitable resources", "FieldValueRequired"))
    return causes


def _container_totals(containers: list) -> tuple[dict, dict, bool]:
    """Summed QoS requests and limits of ``containers``, and whether every one of them
    limits both cpu and memory."""
    requests: dict = {}
    limits: dict = {}
    all_limited = True
    for container in containers:
        res = container.get("resources") if isinstance(container, dict) else None
        res = res if isinstance(res, dict) else {}
        own_limits = _qos_quantities(res.get("limits"))
        # A Pod's requests default to its limits: count them so, whatever order the
        # apiserver runs defaulting and create preparation in.
        own_requests = {**own_limits, **_qos_quantities(res.get("requests"))}
        for totals, own in ((requests, own_requests), (limits, own_limits)):
            for name, q in own.items():
                totals[name] = totals[name] + q if name in totals else q
        if set(own_limits) != set(QOS_RESOURCES):
            all_limited = False
    return requests, limits, all_limited


def _qos_quantities(resources: Any) -> dict:
    out = {}
    for name in QOS_RESOURCES:
        value = resources.get(name) if isinstance(resources, dict) else None
        try:
            quantity = parse_quantity(value) if value is not None else None
        except QuantityError:
            quantity = None
        if quantity is not None and not quantity.is_zero():
            out[name] = quantity
    return out


def pod_qos_class(spec: Any) -> str:
    """Guaranteed, Burstable or BestEffort, computed as the kubelet does."""
    spec = spec if isinstance(spec, dict) else {}
    containers = [c for key in ("initContainers", "containers")
                  for c in (spec.get(key) if isinstance(spec.get(key), list) else [])]
    requests, limits, all_limited = _container_totals(containers)
    if not requests and not limits:
        return "BestEffort"
    if all_limited and requests == limits:
        return "Guaranteed"
    return "Burstable"
