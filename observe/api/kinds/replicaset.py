"""apps/v1 ReplicaSet: one replica by default, the shared workload rules, and the
``status.replicas`` the Python client insists on from the moment it is created.
"""

from __future__ import annotations

from observe.api.kinds.fields import set_default
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.kinds.workloads import default_workload, selector_unchanged, validate_workload


def default_replicaset(obj: dict) -> None:
    spec = default_workload(obj)
    set_default(spec, "replicas", 1)


def strategy() -> KindStrategy:
    return build_strategy(
        namespaced=True, defaults=default_replicaset,
        rules=lambda obj: validate_workload(obj, "deployment", "ReplicaSet")[0],
        update_rules=selector_unchanged, initial_status={"replicas": 0})
