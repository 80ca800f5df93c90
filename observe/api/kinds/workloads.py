"""What the apps/v1 workloads share: a replica count, a selector that must select their own
pod template, a template whose pods restart Always, and a selector fixed at creation.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.podspec import (
    default_pod_template,
    validate_pod_template,
    validate_template_restart_policy,
)
from observe.api.kinds.selectors import canonical_selector, validate_selector_for_template
from observe.api.validation import as_dict, forbidden, immutable, int_field


def default_workload(obj: dict) -> dict | None:
    """Default the template and return the spec to default further (None when the spec is
    not an object)."""
    spec = obj.get("spec")
    if spec is None:
        spec = obj["spec"] = {}
    if not isinstance(spec, dict):
        return None
    default_pod_template(spec)
    return spec


def validate_workload(obj: dict, kind_word: str, owner: str, *,
                      replicas: bool = True) -> tuple[list[Cause], dict]:
    """Causes for the shared rules, and the spec (``{}`` when unusable) for the kind's own.
    ``kind_word`` and ``owner`` fill upstream's messages ("empty selector is invalid for
    deployment", "activeDeadlineSeconds in ReplicaSet is not Supported")."""
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    if replicas:
        causes += int_field(spec.get("replicas"), "spec.replicas", minimum=0)
    causes += int_field(spec.get("minReadySeconds"), "spec.minReadySeconds", minimum=0)
    causes += int_field(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", minimum=0)
    validate_selector_for_template(spec, "spec", kind_word, causes)
    causes += validate_pod_template(spec.get("template"), "spec.template")
    causes += validate_template_restart_policy(spec, "spec", ("Always",))
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if isinstance(pod_spec, dict) and pod_spec.get("activeDeadlineSeconds") is not None:
        causes.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                f"activeDeadlineSeconds in {owner} is not Supported"))
    return causes, spec


def selector_unchanged(new: dict, old: dict) -> list[Cause]:
    """apps/v1 fixes ``spec.selector`` at creation."""
    new_selector = _spec(new).get("selector")
    if canonical_selector(new_selector) != canonical_selector(_spec(old).get("selector")):
        return [immutable("spec.selector", new_selector)]
    return []


def _spec(obj: dict) -> dict:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}
