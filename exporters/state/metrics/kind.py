"""What the exporter needs to know about one kind: which collection to watch, how
kube-state-metrics names it, the labels that identify an object in every series, and the
metric families (which may depend on the label/annotation allowlists)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from exporters.state.allowlist import AllowList, allowed_for
from exporters.state.exposition import FamilyGenerator, Labels, Object


@dataclass(frozen=True)
class MetricOptions:
    """The ksm flags that change what families produce."""

    labels_allowlist: Mapping[str, AllowList]
    annotations_allowlist: Mapping[str, AllowList]


@dataclass(frozen=True)
class Kind:
    """One kube-state-metrics resource.

    ``resource`` is ksm's name for it (``--resources``) and orders the output; ``go_type``
    is the ``resource`` label of ksm's list/watch self-metrics (``*v1.Pod``).
    """

    resource: str
    group: str
    plural: str
    go_type: str
    identity: Callable[[Object], Labels]
    build_families: Callable[[AllowList, AllowList], list[FamilyGenerator]]

    def families(self, options: MetricOptions) -> list[FamilyGenerator]:
        return self.build_families(allowed_for(options.labels_allowlist, self.resource),
                                   allowed_for(options.annotations_allowlist, self.resource))


def namespaced_identity(object_label: str) -> Callable[[Object], Labels]:
    """``namespace``, then the object's name under ``object_label``."""
    def identity(obj: Object) -> Labels:
        meta = obj.get("metadata") or {}
        return (("namespace", str(meta.get("namespace") or "")),
                (object_label, str(meta.get("name") or "")))

    return identity


def namespaced_identity_with_uid(object_label: str) -> Callable[[Object], Labels]:
    """``namespace``, the name under ``object_label``, then ``uid``."""
    def identity(obj: Object) -> Labels:
        meta = obj.get("metadata") or {}
        return (("namespace", str(meta.get("namespace") or "")),
                (object_label, str(meta.get("name") or "")), ("uid", str(meta.get("uid") or "")))

    return identity


def cluster_identity(object_label: str) -> Callable[[Object], Labels]:
    """Just the name, under ``object_label``, for cluster-scoped objects."""
    def identity(obj: Object) -> Labels:
        return ((object_label, str((obj.get("metadata") or {}).get("name") or "")),)

    return identity
