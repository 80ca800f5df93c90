"""``kube_namespace_*``: a Namespace's phase and conditions."""

from __future__ import annotations

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    annotations_family,
    conditions_samples,
    created_family,
    labels_family,
    status,
)
from exporters.state.metrics.kind import Kind, cluster_identity

PHASES = ("Active", "Terminating")


def _phase(obj: Object) -> list[Sample]:
    # Unlike pods, ksm always reports both phases, even before a phase is set.
    current = status(obj).get("phase")
    return [Sample((("phase", p),), 1.0 if current == p else 0.0) for p in PHASES]


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    return [
        created_family("kube_namespace"),
        annotations_family("kube_namespace", allowed_annotations),
        labels_family("kube_namespace", allowed_labels),
        FamilyGenerator("kube_namespace_status_phase", "kubernetes namespace status phase.",
                        GAUGE, _phase, stable=True),
        FamilyGenerator("kube_namespace_status_condition", "The condition of a namespace.",
                        GAUGE, conditions_samples),
    ]


KIND = Kind("namespaces", "", "namespaces", "*v1.Namespace", cluster_identity("namespace"),
            families)
