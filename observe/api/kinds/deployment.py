"""apps/v1 Deployment: ``SetDefaults_Deployment`` (one replica, RollingUpdate 25%/25%,
ten revisions, a 600 s progress deadline) and ``ValidateDeploymentSpec``.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import child, set_default, set_default_if_empty
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.kinds.workloads import default_workload, selector_unchanged, validate_workload
from observe.api.validation import (
    as_dict,
    bool_field,
    forbidden,
    int_field,
    int_or_percent_field,
    invalid,
    is_int,
    not_supported,
    required,
)

STRATEGY_TYPES = ("Recreate", "RollingUpdate")


def default_deployment(obj: dict) -> None:
    spec = default_workload(obj)
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    strategy = child(spec, "strategy")
    if strategy is not None:
        set_default_if_empty(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = child(strategy, "rollingUpdate")
            set_default(rolling, "maxUnavailable", "25%")
            set_default(rolling, "maxSurge", "25%")
    set_default(spec, "revisionHistoryLimit", 10)
    set_default(spec, "progressDeadlineSeconds", 600)


def validate_deployment(obj: dict) -> list[Cause]:
    causes, spec = validate_workload(obj, "deployment", "ReplicaSet")
    causes += _validate_strategy(spec.get("strategy"), "spec.strategy")
    causes += bool_field(spec.get("paused"), "spec.paused")
    deadline = spec.get("progressDeadlineSeconds")
    deadline_causes = int_field(deadline, "spec.progressDeadlineSeconds", minimum=0)
    causes += deadline_causes
    min_ready = spec.get("minReadySeconds") if is_int(spec.get("minReadySeconds")) else 0
    if deadline is not None and not deadline_causes and deadline <= min_ready:
        causes.append(invalid("spec.progressDeadlineSeconds", deadline,
                              "must be greater than minReadySeconds"))
    return causes


def _validate_strategy(strategy: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    strategy = as_dict(strategy, path, causes)
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            causes.append(forbidden(f"{path}.rollingUpdate", "may not be specified when "
                                    "strategy `type` is 'Recreate'"))
    elif kind == "RollingUpdate":
        if rolling is None:
            causes.append(required(f"{path}.rollingUpdate",
                                   "this should be defaulted and never be nil"))
        else:
            causes += validate_rolling_update(rolling, f"{path}.rollingUpdate")
    else:
        causes.append(not_supported(path, strategy, STRATEGY_TYPES))
    return causes


def validate_rolling_update(rolling: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    rolling = as_dict(rolling, path, causes)
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes += int_or_percent_field(unavailable, f"{path}.maxUnavailable")
    causes += int_or_percent_field(surge, f"{path}.maxSurge", at_most_100=False)
    if not causes and is_zero(unavailable) and is_zero(surge):
        causes.append(invalid(f"{path}.maxUnavailable", unavailable,
                              "may not be 0 when `maxSurge` is 0"))
    return causes


def is_zero(value: object) -> bool:
    """An unset, ``0`` or ``"0%"`` int-or-percent."""
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1]) == 0
    return value is None or value == 0


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_deployment,
                          rules=validate_deployment, update_rules=selector_unchanged,
                          initial_status={})
