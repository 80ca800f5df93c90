"""``metav1.LabelSelector`` as the schemas need it: validation, matching a template's labels,
and the comparison the immutability rules use.

Every workload (ReplicaSet, Deployment, StatefulSet, DaemonSet, Job) and the
PodDisruptionBudget carry one; kube-apiserver refuses a workload whose selector would not
select the pods its own template stamps out.
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.validation import (
    as_dict,
    as_list,
    dict_items,
    forbidden,
    invalid,
    label_value_errors,
    qualified_name_errors,
    required,
    string_field,
    type_error,
    validate_labels,
)

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    selector = as_dict(selector, path, causes)
    causes += validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    expressions = as_list(selector.get("matchExpressions"), f"{path}.matchExpressions", causes)
    for _, req, req_path in dict_items(expressions, f"{path}.matchExpressions", causes):
        causes += _validate_requirement(req, req_path)
    return causes


def _validate_requirement(req: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    operator = req.get("operator")
    values = as_list(req.get("values"), f"{path}.values", causes)
    if operator in ("In", "NotIn") and not values:
        causes.append(required(f"{path}.values",
                               "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist") and values:
        causes.append(forbidden(f"{path}.values", "may not be specified when `operator` is "
                                "'Exists' or 'DoesNotExist'"))
    elif operator not in OPERATORS:
        causes.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
    causes += string_field(req.get("key"), f"{path}.key", required_=True,
                           check=qualified_name_errors)
    for i, value in enumerate(values):
        if isinstance(value, str):
            causes += [invalid(f"{path}.values[{i}]", value, m) for m in label_value_errors(value)]
        else:
            causes.append(type_error(f"{path}.values[{i}]", value, "string"))
    return causes


def selector_is_empty(selector: Any) -> bool:
    """True for ``{}``: an empty selector selects everything, which workloads refuse."""
    return not isinstance(selector, dict) or \
        not (selector.get("matchLabels") or selector.get("matchExpressions"))


def selector_matches(selector: Any, labels: Any) -> bool:
    """Whether ``labels`` satisfy ``selector``; a missing selector selects nothing and a
    malformed one matches nothing (its own causes report why)."""
    if not isinstance(selector, dict):
        return False
    labels = labels if isinstance(labels, dict) else {}
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    return isinstance(expressions, list) and all(_requirement_matches(r, labels)
                                                 for r in expressions)


def _requirement_matches(req: Any, labels: dict) -> bool:
    if not isinstance(req, dict):
        return False
    key, operator, values = req.get("key"), req.get("operator"), req.get("values") or []
    if not isinstance(values, list) or not isinstance(key, str):
        return False
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


def canonical_selector(selector: Any) -> Any:
    """A selector with Go's empty members dropped, so ``{"matchLabels": {}}`` and ``{}``
    compare equal the way kube-apiserver's typed objects do."""
    if not isinstance(selector, dict):
        return selector
    return {k: v for k, v in selector.items() if v not in (None, {}, [])}


def validate_selector_for_template(spec: dict, path: str, kind_word: str,
                                   causes: list[Cause]) -> None:
    """The workload rule: a required, non-empty, valid selector that selects the template's
    own labels (``kind_word`` completes upstream's "empty selector is invalid for ...")."""
    selector = spec.get("selector")
    if selector is None:
        causes.append(required(f"{path}.selector"))
        return
    causes += validate_label_selector(selector, f"{path}.selector")
    if selector_is_empty(selector):
        causes.append(invalid(f"{path}.selector", selector,
                              f"empty selector is invalid for {kind_word}"))
        return
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if isinstance(template, dict) and not selector_matches(selector, labels):
        causes.append(invalid(f"{path}.template.metadata.labels", labels or {},
                              "`selector` does not match template `labels`"))

