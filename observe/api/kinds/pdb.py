"""policy/v1 PodDisruptionBudget: how many of a set of pods voluntary disruptions must
leave running — ``minAvailable`` or ``maxUnavailable``, never both.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.selectors import validate_label_selector
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import as_dict, enum_field, int_or_percent_field, invalid

EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")
INITIAL_STATUS = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                  "expectedPods": 0}


def validate_pdb(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        causes.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both "
                              "set"))
    for key in ("minAvailable", "maxUnavailable"):
        causes += int_or_percent_field(spec.get(key), f"spec.{key}")
    if spec.get("selector") is not None:
        causes += validate_label_selector(spec.get("selector"), "spec.selector")
    causes += enum_field(spec.get("unhealthyPodEvictionPolicy"),
                         "spec.unhealthyPodEvictionPolicy", EVICTION_POLICIES)
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, rules=validate_pdb, initial_status=INITIAL_STATUS)
