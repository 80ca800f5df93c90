"""``kube_statefulset_*``: a StatefulSet's replicas, revisions and PVC retention."""

from __future__ import annotations

from collections.abc import Sequence

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    created_family,
    deletion_timestamp_family,
    gauge,
    labels_family,
    metadata,
    number,
    one,
    optional_gauge,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def _retention(obj: Object) -> Sequence[Sample]:
    policy = spec(obj).get("persistentVolumeClaimRetentionPolicy") or {}
    deleted, scaled = str(policy.get("whenDeleted") or ""), str(policy.get("whenScaled") or "")
    if not deleted and not scaled:
        return NO_SAMPLES
    return one(1.0, ("when_deleted", deleted), ("when_scaled", scaled))


def _ordinals_start(obj: Object) -> int | None:
    ordinals = spec(obj).get("ordinals")
    return ordinals.get("start", 0) if isinstance(ordinals, dict) else None


def _revision(field: str):
    return lambda obj: one(1.0, ("revision", str(status(obj).get(field) or "")))


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    return [
        created_family("kube_statefulset"),
        gauge("kube_statefulset_status_replicas", "The number of replicas per StatefulSet.",
              st("replicas")),
        gauge("kube_statefulset_status_replicas_available",
              "The number of available replicas per StatefulSet.", st("availableReplicas")),
        gauge("kube_statefulset_status_replicas_current",
              "The number of current replicas per StatefulSet.", st("currentReplicas")),
        gauge("kube_statefulset_status_replicas_ready",
              "The number of ready replicas per StatefulSet.", st("readyReplicas")),
        gauge("kube_statefulset_status_replicas_updated",
              "The number of updated replicas per StatefulSet.", st("updatedReplicas")),
        gauge("kube_statefulset_status_observed_generation",
              "The generation observed by the StatefulSet controller.", st("observedGeneration")),
        optional_gauge("kube_statefulset_replicas", "Number of desired pods for a StatefulSet.",
                       lambda obj: spec(obj).get("replicas")),
        optional_gauge("kube_statefulset_ordinals_start", "Start ordinal of the StatefulSet.",
                       _ordinals_start),
        gauge("kube_statefulset_metadata_generation",
              "Sequence number representing a specific generation of the desired state for the "
              "StatefulSet.", lambda obj: number(metadata(obj).get("generation"))),
        FamilyGenerator("kube_statefulset_persistentvolumeclaim_retention_policy",
                        "Count of retention policy for StatefulSet template PVCs", GAUGE,
                        _retention, stable=True),
        annotations_family("kube_statefulset", allowed_annotations, stable=True),
        labels_family("kube_statefulset", allowed_labels),
        FamilyGenerator("kube_statefulset_status_current_revision",
                        "Indicates the version of the StatefulSet used to generate Pods in the "
                        "sequence [0,currentReplicas).", GAUGE, _revision("currentRevision"),
                        stable=True),
        FamilyGenerator("kube_statefulset_status_update_revision",
                        "Indicates the version of the StatefulSet used to generate Pods in the "
                        "sequence [replicas-updatedReplicas,replicas)", GAUGE,
                        _revision("updateRevision"), stable=True),
        deletion_timestamp_family("kube_statefulset", stable=True),
    ]


KIND = Kind("statefulsets", "apps", "statefulsets", "*v1.StatefulSet",
            namespaced_identity("statefulset"), families)
