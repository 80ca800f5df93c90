"""``kube_replicaset_*``: a ReplicaSet's replicas and owner."""

from __future__ import annotations

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object
from exporters.state.metrics.common import (
    annotations_family,
    created_family,
    gauge,
    labels_family,
    metadata,
    number,
    optional_gauge,
    owner_samples,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    def replicas(obj: Object):
        return spec(obj).get("replicas")

    return [
        created_family("kube_replicaset"),
        gauge("kube_replicaset_status_replicas", "The number of replicas per ReplicaSet.",
              st("replicas")),
        gauge("kube_replicaset_status_fully_labeled_replicas",
              "The number of fully labeled replicas per ReplicaSet.", st("fullyLabeledReplicas")),
        gauge("kube_replicaset_status_ready_replicas",
              "The number of ready replicas per ReplicaSet.", st("readyReplicas")),
        gauge("kube_replicaset_status_observed_generation",
              "The generation observed by the ReplicaSet controller.", st("observedGeneration")),
        optional_gauge("kube_replicaset_spec_replicas", "Number of desired pods for a ReplicaSet.",
                       replicas),
        gauge("kube_replicaset_metadata_generation",
              "Sequence number representing a specific generation of the desired state.",
              lambda obj: number(metadata(obj).get("generation"))),
        FamilyGenerator("kube_replicaset_owner", "Information about the ReplicaSet's owner.",
                        GAUGE, owner_samples, stable=True),
        annotations_family("kube_replicaset", allowed_annotations),
        labels_family("kube_replicaset", allowed_labels),
    ]


KIND = Kind("replicasets", "apps", "replicasets", "*v1.ReplicaSet",
            namespaced_identity("replicaset"), families)
