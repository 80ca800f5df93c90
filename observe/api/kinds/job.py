"""batch/v1 Job: ``SetDefaults_Job``, the selector kube-apiserver generates from the Job's
uid, ``ValidateJob`` and what an update may not change.

The generated selector needs ``metadata.uid``, so the apiserver assigns the uid before it
calls ``default``. The Job spec rules are shared with CronJob job templates.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, objects, set_default, set_default_if_empty
from observe.api.kinds.podspec import (
    default_pod_template,
    validate_pod_template,
    validate_template_restart_policy,
)
from observe.api.kinds.selectors import (
    canonical_selector,
    selector_matches,
    validate_label_selector,
)
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    bool_field,
    enum_field,
    immutable,
    int_field,
    invalid,
    not_supported,
    required,
)

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID = "controller-uid"
LEGACY_JOB_NAME = "job-name"
COMPLETION_MODES = ("NonIndexed", "Indexed")
MAX_INDEXED_PARALLELISM = 100000
MAX_INT32 = 2**31 - 1


def default_job(obj: dict) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    set_default(spec, "parallelism", 1)
    set_default(spec, "backoffLimit",
                MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    set_default_if_empty(spec, "completionMode", "NonIndexed")
    set_default(spec, "suspend", False)
    for rule in objects(existing(spec, "podFailurePolicy"), "rules"):
        for pattern in objects(rule, "onPodConditions"):
            set_default_if_empty(pattern, "status", "True")
    set_default(spec, "podReplacementPolicy",
                "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
    set_default(spec, "manualSelector", False)
    if spec.get("manualSelector") is not True:
        _generate_selector(obj, spec)
    default_pod_template(spec)
    # A Job without labels takes its pods' labels (these include the generated ones).
    template_labels = existing(existing(spec.get("template"), "metadata"), "labels")
    metadata = child(obj, "metadata")
    if template_labels and metadata is not None and not metadata.get("labels"):
        metadata["labels"] = dict(template_labels)


def _generate_selector(obj: dict, spec: dict) -> None:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    uid, name = metadata.get("uid"), metadata.get("name")
    if not uid:
        return
    labels = child(child(child(spec, "template"), "metadata"), "labels")
    if labels is None:
        return
    for key, value in ((LEGACY_JOB_NAME, name), (JOB_NAME, name),
                       (LEGACY_CONTROLLER_UID, uid), (CONTROLLER_UID, uid)):
        if value is not None:
            labels.setdefault(key, value)
    match_labels = child(child(spec, "selector"), "matchLabels")
    if match_labels is not None:
        match_labels.setdefault(CONTROLLER_UID, uid)


# --------------------------------------------------------------------------------------------
# validation


def validate_job_spec(spec: dict, path: str) -> list[Cause]:
    """Rules a Job and a CronJob's job template share."""
    causes: list[Cause] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        causes += int_field(spec.get(key), f"{path}.{key}", minimum=0)
    causes += bool_field(spec.get("suspend"), f"{path}.suspend")
    mode = spec.get("completionMode")
    causes += enum_field(mode, f"{path}.completionMode", COMPLETION_MODES)
    if mode == "Indexed":
        if spec.get("completions") is None:
            causes.append(required(f"{path}.completions", "when completion mode is Indexed"))
        parallelism = spec.get("parallelism")
        if isinstance(parallelism, int) and parallelism > MAX_INDEXED_PARALLELISM:
            causes.append(invalid(f"{path}.parallelism", parallelism,
                                  f"must be less than or equal to {MAX_INDEXED_PARALLELISM} "
                                  "when completion mode is Indexed"))
    causes += enum_field(spec.get("podReplacementPolicy"), f"{path}.podReplacementPolicy",
                         ("TerminatingOrFailed", "Failed"))
    causes += validate_pod_template(spec.get("template"), f"{path}.template")
    causes += validate_template_restart_policy(spec, path, ("OnFailure", "Never"))
    return causes


def validate_job(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    causes += validate_job_spec(spec, "spec")
    causes += bool_field(spec.get("manualSelector"), "spec.manualSelector")
    selector = spec.get("selector")
    if selector is None:
        causes.append(required("spec.selector"))
        return causes
    causes += validate_label_selector(selector, "spec.selector")
    labels = _template_labels(spec)
    if not selector_matches(selector, labels):
        causes.append(invalid("spec.template.metadata.labels", labels,
                              "`selector` does not match template `labels`"))
    if spec.get("manualSelector") is not True:
        causes += _generated_selector_causes(obj, selector, labels)
    return causes


def _template_labels(spec: dict) -> dict:
    labels = existing(existing(spec.get("template"), "metadata"), "labels")
    return labels or {}


def _generated_selector_causes(obj: dict, selector: object, labels: dict) -> list[Cause]:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    uid, name = metadata.get("uid"), metadata.get("name")
    if not uid:
        return [required("metadata.uid")]
    causes: list[Cause] = []
    for key, expected in ((LEGACY_CONTROLLER_UID, uid), (LEGACY_JOB_NAME, name),
                          (CONTROLLER_UID, uid), (JOB_NAME, name)):
        path = f"spec.template.metadata.labels[{key}]"
        if key not in labels:
            causes.append(required(path, str(expected)))
        elif labels[key] != expected:
            causes.append(invalid(path, labels, f"must be '{expected}'"))
    if not selector_matches(selector, {CONTROLLER_UID: uid}):
        causes.append(invalid("spec.selector", selector, "`selector` not auto-generated"))
    return causes


def validate_job_update(new: dict, old: dict) -> list[Cause]:
    new_spec = new.get("spec") if isinstance(new.get("spec"), dict) else {}
    old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
    causes: list[Cause] = []
    if canonical_selector(new_spec.get("selector")) != \
            canonical_selector(old_spec.get("selector")):
        causes.append(immutable("spec.selector", new_spec.get("selector")))
    for key in ("template", "completions", "completionMode", "podFailurePolicy",
                "backoffLimitPerIndex", "manualSelector"):
        if new_spec.get(key) != old_spec.get(key):
            causes.append(immutable(f"spec.{key}", new_spec.get(key)))
    return causes


def validate_job_template_selector(spec: dict, path: str) -> list[Cause]:
    """A CronJob's job template leaves the selector to each Job it creates."""
    causes: list[Cause] = []
    if spec.get("selector") is not None:
        causes.append(invalid(f"{path}.selector", spec["selector"],
                              "`selector` will be auto-generated"))
    if spec.get("manualSelector") is True:
        causes.append(not_supported(f"{path}.manualSelector", True, ("nil", "false")))
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_job, rules=validate_job,
                          update_rules=validate_job_update, initial_status={})
