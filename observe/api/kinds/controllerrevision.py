"""apps/v1 ControllerRevision: an immutable snapshot of a workload's template, numbered by
``revision``.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import immutable, int_field, required


def validate_revision(obj: dict) -> list[Cause]:
    causes = int_field(obj.get("revision"), "revision", minimum=0)
    if obj.get("data") is None:
        causes.append(required("data", "data is mandatory"))
    return causes


def validate_revision_update(new: dict, old: dict) -> list[Cause]:
    return [] if new.get("data") == old.get("data") else [immutable("data", new.get("data"))]


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, rules=validate_revision,
                          update_rules=validate_revision_update)
