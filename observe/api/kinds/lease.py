"""coordination.k8s.io/v1 Lease: leader election and node heartbeats. Go always writes the
(struct) spec, so it defaults to ``{}``.
"""

from __future__ import annotations

from datetime import datetime

from observe.api.errors import Cause
from observe.api.kinds.fields import set_default
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import as_dict, int_field, invalid, string_field


def _time_errors(value: str) -> list[str]:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return ["must be an RFC 3339 timestamp (e.g. 2006-01-02T15:04:05.000000Z)"]
    return []


def validate_lease(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    duration = spec.get("leaseDurationSeconds")
    duration_causes = int_field(duration, "spec.leaseDurationSeconds")
    causes += duration_causes
    if not duration_causes and duration is not None and duration <= 0:
        causes.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    causes += int_field(spec.get("leaseTransitions"), "spec.leaseTransitions", minimum=0)
    causes += string_field(spec.get("holderIdentity"), "spec.holderIdentity")
    for key in ("acquireTime", "renewTime"):
        causes += string_field(spec.get(key), f"spec.{key}", check=_time_errors)
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=lambda obj: set_default(obj, "spec", {}),
                          rules=validate_lease)
