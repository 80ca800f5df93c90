"""autoscaling/v2 HorizontalPodAutoscaler: ``SetDefaults_HorizontalPodAutoscaler`` (one
replica minimum, 80% CPU when no metric is given, the scale-up/scale-down behaviour rules)
and ``ValidateHorizontalPodAutoscaler``.
"""

from __future__ import annotations

import copy

from observe.api.errors import Cause
from observe.api.kinds.fields import existing, set_default
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.quantity import QuantityError, parse_quantity
from observe.api.validation import (
    as_dict,
    as_list,
    dict_items,
    enum_field,
    forbidden,
    int_field,
    invalid,
    not_supported,
    path_segment_name_errors,
    required,
    string_field,
)

DEFAULT_CPU_UTILIZATION = 80
SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                         {"type": "Percent", "value": 100, "periodSeconds": 15}]}
# No stabilization window: the controller's --horizontal-pod-autoscaler-downscale-
# stabilization flag decides it.
SCALE_DOWN = {"selectPolicy": "Max",
              "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
SOURCE_TYPES = {"Object": "object", "Pods": "pods", "Resource": "resource",
                "ContainerResource": "containerResource", "External": "external"}
TARGET_TYPES = ("Utilization", "Value", "AverageValue")
SELECT_POLICIES = ("Max", "Min", "Disabled")
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_SECONDS = 3600


def default_hpa(obj: dict) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    set_default(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    behavior = existing(spec, "behavior")
    if behavior is not None:
        for key, rules in (("scaleUp", SCALE_UP), ("scaleDown", SCALE_DOWN)):
            given = behavior.get(key)
            filled = copy.deepcopy(rules)
            if isinstance(given, dict):
                filled.update({k: v for k, v in given.items() if v is not None})
            behavior[key] = filled


def validate_hpa(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas")
    min_causes = int_field(minimum, "spec.minReplicas", minimum=1)
    max_causes = int_field(maximum, "spec.maxReplicas", required_=True)
    causes += min_causes + max_causes
    if not max_causes and maximum < 1:
        causes.append(invalid("spec.maxReplicas", maximum, "must be greater than 0"))
    elif not min_causes and not max_causes and minimum is not None and maximum < minimum:
        causes.append(invalid("spec.maxReplicas", maximum,
                              "must be greater than or equal to `minReplicas`"))
    ref = as_dict(spec.get("scaleTargetRef"), "spec.scaleTargetRef", causes)
    for key in ("kind", "name"):
        causes += string_field(ref.get(key), f"spec.scaleTargetRef.{key}", required_=True,
                               check=path_segment_name_errors)
    metrics = as_list(spec.get("metrics"), "spec.metrics", causes)
    for _, metric, path in dict_items(metrics, "spec.metrics", causes):
        causes += _validate_metric(metric, path)
    behavior = as_dict(spec.get("behavior"), "spec.behavior", causes)
    for key in ("scaleUp", "scaleDown"):
        if behavior.get(key) is not None:
            causes += _validate_rules(behavior[key], f"spec.behavior.{key}")
    return causes


def _validate_metric(metric: dict, path: str) -> list[Cause]:
    kind = metric.get("type")
    if not kind:
        return [required(f"{path}.type", "must specify a metric source type")]
    if not isinstance(kind, str) or kind not in SOURCE_TYPES:
        return [not_supported(f"{path}.type", kind, SOURCE_TYPES)]
    expected = SOURCE_TYPES[kind]
    causes: list[Cause] = [forbidden(f"{path}.{member}", "must populate the given metric "
                                     "source only")
                           for member in SOURCE_TYPES.values()
                           if member != expected and metric.get(member) is not None]
    if metric.get(expected) is None:
        causes.append(required(f"{path}.{expected}",
                               "must populate information for the given metric source"))
        return causes
    source = as_dict(metric[expected], f"{path}.{expected}", causes)
    if kind in ("Resource", "ContainerResource"):
        causes += string_field(source.get("name"), f"{path}.{expected}.name", required_=True)
    if kind == "ContainerResource":
        causes += string_field(source.get("container"), f"{path}.{expected}.container",
                               required_=True)
    if kind in ("Object", "Pods", "External"):
        identifier = as_dict(source.get("metric"), f"{path}.{expected}.metric", causes)
        causes += string_field(identifier.get("name"), f"{path}.{expected}.metric.name",
                               required_=True)
    causes += _validate_target(source.get("target"), f"{path}.{expected}.target",
                               averaged=kind in ("Resource", "ContainerResource"))
    return causes


def _validate_target(target: object, path: str, *, averaged: bool) -> list[Cause]:
    causes: list[Cause] = []
    target = as_dict(target, path, causes)
    kind = target.get("type")
    if not kind:
        causes.append(required(f"{path}.type", "must specify a metric target type"))
    elif kind not in TARGET_TYPES:
        causes.append(invalid(f"{path}.type", kind,
                              "must be either Utilization, Value, or AverageValue"))
    for key in ("value", "averageValue"):
        if target.get(key) is not None:
            try:
                positive = parse_quantity(target[key]).amount > 0
            except QuantityError as exc:
                causes.append(invalid(f"{path}.{key}", target[key], str(exc)))
                continue
            if not positive:
                causes.append(invalid(f"{path}.{key}", target[key], "must be positive"))
    causes += int_field(target.get("averageUtilization"), f"{path}.averageUtilization",
                        minimum=1, detail="must be greater than 0")
    if averaged:
        utilization, value = target.get("averageUtilization"), target.get("averageValue")
        if utilization is None and value is None:
            causes.append(required(f"{path}.averageUtilization", "must set either a target "
                                   "raw value or a target utilization"))
        elif utilization is not None and value is not None:
            causes.append(forbidden(f"{path}.averageValue", "may not set both a target raw "
                                    "value and a target utilization"))
    return causes


def _validate_rules(rules: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    rules = as_dict(rules, path, causes)
    causes += int_field(rules.get("stabilizationWindowSeconds"),
                        f"{path}.stabilizationWindowSeconds", minimum=0,
                        maximum=MAX_STABILIZATION_SECONDS)
    causes += enum_field(rules.get("selectPolicy"), f"{path}.selectPolicy", SELECT_POLICIES)
    policies = as_list(rules.get("policies"), f"{path}.policies", causes)
    if not policies:
        causes.append(required(f"{path}.policies", "must specify at least one Policy"))
    for _, policy, policy_path in dict_items(policies, f"{path}.policies", causes):
        causes += enum_field(policy.get("type"), f"{policy_path}.type", ("Pods", "Percent"),
                             required_=True)
        causes += int_field(policy.get("value"), f"{policy_path}.value", minimum=1,
                            required_=True, detail="must be greater than zero")
        causes += int_field(policy.get("periodSeconds"), f"{policy_path}.periodSeconds",
                            minimum=1, maximum=MAX_PERIOD_SECONDS, required_=True)
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, name_rule="path", defaults=default_hpa,
                          rules=validate_hpa, initial_status={"desiredReplicas": 0})
