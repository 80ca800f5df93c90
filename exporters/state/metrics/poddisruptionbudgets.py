"""``kube_poddisruptionbudget_*``: how many pods a budget wants healthy and has."""

from __future__ import annotations

from exporters.state.allowlist import AllowList
from exporters.state.exposition import FamilyGenerator
from exporters.state.metrics.common import (
    annotations_family,
    created_family,
    gauge,
    labels_family,
    number,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    return [
        annotations_family("kube_poddisruptionbudget", allowed_annotations),
        labels_family("kube_poddisruptionbudget", allowed_labels, stable=False),
        created_family("kube_poddisruptionbudget"),
        gauge("kube_poddisruptionbudget_status_current_healthy", "Current number of healthy pods",
              st("currentHealthy")),
        gauge("kube_poddisruptionbudget_status_desired_healthy",
              "Minimum desired number of healthy pods", st("desiredHealthy")),
        gauge("kube_poddisruptionbudget_status_pod_disruptions_allowed",
              "Number of pod disruptions that are currently allowed", st("disruptionsAllowed")),
        gauge("kube_poddisruptionbudget_status_expected_pods",
              "Total number of pods counted by this disruption budget", st("expectedPods")),
        gauge("kube_poddisruptionbudget_status_observed_generation",
              "Most recent generation observed when updating this PDB status",
              st("observedGeneration")),
    ]


KIND = Kind("poddisruptionbudgets", "policy", "poddisruptionbudgets", "*v1.PodDisruptionBudget",
            namespaced_identity("poddisruptionbudget"), families)
