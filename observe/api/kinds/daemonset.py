"""apps/v1 DaemonSet: RollingUpdate with maxUnavailable 1 / maxSurge 0 by default, exactly
one of the two non-zero, and the four status counters the Python client requires.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.deployment import is_zero
from observe.api.kinds.fields import child, set_default, set_default_if_empty
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.kinds.workloads import default_workload, selector_unchanged, validate_workload
from observe.api.validation import as_dict, int_or_percent_field, invalid, not_supported, required

INITIAL_STATUS = {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                  "desiredNumberScheduled": 0, "numberReady": 0}


def default_daemonset(obj: dict) -> None:
    spec = default_workload(obj)
    set_default(spec, "revisionHistoryLimit", 10)
    strategy = child(spec, "updateStrategy")
    if strategy is None:
        return
    set_default_if_empty(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = child(strategy, "rollingUpdate")
        set_default(rolling, "maxUnavailable", 1)
        set_default(rolling, "maxSurge", 0)


def validate_daemonset(obj: dict) -> list[Cause]:
    causes, spec = validate_workload(obj, "daemonset", "DaemonSet", replicas=False)
    path = "spec.updateStrategy"
    strategy = as_dict(spec.get("updateStrategy"), path, causes)
    kind = strategy.get("type")
    if kind == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            causes.append(required(f"{path}.rollingUpdate"))
        else:
            causes += _validate_rolling_update(rolling, f"{path}.rollingUpdate")
    elif kind != "OnDelete":
        causes.append(not_supported(path, strategy, ("RollingUpdate", "OnDelete")))
    return causes


def _validate_rolling_update(rolling: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    rolling = as_dict(rolling, path, causes)
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes += int_or_percent_field(unavailable, f"{path}.maxUnavailable")
    causes += int_or_percent_field(surge, f"{path}.maxSurge")
    if causes:
        return causes
    if not is_zero(unavailable) and not is_zero(surge):
        causes.append(invalid(f"{path}.maxSurge", surge,
                              "may not be set when maxUnavailable is non-zero"))
    elif is_zero(unavailable) and is_zero(surge):
        causes.append(invalid(f"{path}.maxUnavailable", unavailable,
                              "cannot be 0 when maxSurge is 0 as well"))
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_daemonset, rules=validate_daemonset,
                          update_rules=selector_unchanged, initial_status=INITIAL_STATUS)
