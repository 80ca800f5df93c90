"""The workload rules around ``spec.selector``: it must exist, select something, select the
workload's own pod template, and compare equal across updates whatever empty members a
client left in.

Matching and validating a metav1.LabelSelector itself is :mod:`observe.api.selectors`' job;
this module applies it the way the apps/v1 and batch/v1 schemas need.
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.selectors import label_selector_from_dict, validate_label_selector_dict
from observe.api.validation import invalid, required

validate_label_selector = validate_label_selector_dict


def selector_matches(selector: Any, labels: Any) -> bool:
    """Whether ``labels`` satisfy ``selector``; a missing or malformed selector matches
    nothing (its own causes report why)."""
    return label_selector_from_dict(selector).matches(labels if isinstance(labels, dict)
                                                      else {})


def selector_is_empty(selector: Any) -> bool:
    """True for ``{}``: an empty selector selects everything, which workloads refuse."""
    return not isinstance(selector, dict) or \
        not (selector.get("matchLabels") or selector.get("matchExpressions"))


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
