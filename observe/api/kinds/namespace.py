"""core/v1 Namespace: the ``kubernetes.io/metadata.name`` label, the ``kubernetes``
finalizer every new namespace gets, and phase Active.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import child
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import as_dict, as_list, invalid, qualified_name_errors, type_error

NAME_LABEL = "kubernetes.io/metadata.name"
KUBERNETES_FINALIZER = "kubernetes"


def default_namespace(obj: dict) -> None:
    metadata = child(obj, "metadata")
    name = metadata.get("name") if metadata is not None else None
    labels = child(metadata, "labels") if isinstance(name, str) and name else None
    if labels is not None:
        labels[NAME_LABEL] = name


def add_kubernetes_finalizer(obj: dict) -> None:
    """On create only: the namespace controller removes it once the namespace is empty."""
    spec = child(obj, "spec")
    if spec is None:
        return
    finalizers = spec.get("finalizers")
    if not isinstance(finalizers, list):
        spec["finalizers"] = [KUBERNETES_FINALIZER]
    elif KUBERNETES_FINALIZER not in finalizers:
        finalizers.append(KUBERNETES_FINALIZER)


def validate_namespace(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    for i, name in enumerate(as_list(spec.get("finalizers"), "spec.finalizers", causes)):
        if not isinstance(name, str):
            causes.append(type_error(f"spec.finalizers[{i}]", name, "string"))
            continue
        causes += [invalid("spec.finalizers", name, m) for m in qualified_name_errors(name)]
        if "/" not in name and name != KUBERNETES_FINALIZER:
            causes.append(invalid("spec.finalizers", name, "name is neither a standard "
                                  "finalizer name nor is it fully qualified"))
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=False, name_rule="label", defaults=default_namespace,
                          rules=validate_namespace, initial_status={"phase": "Active"},
                          on_create=add_kubernetes_finalizer)
