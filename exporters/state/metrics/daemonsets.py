"""``kube_daemonset_*``: how many nodes a DaemonSet runs on, should run on, and so on."""

from __future__ import annotations

from exporters.state.allowlist import AllowList
from exporters.state.exposition import FamilyGenerator
from exporters.state.metrics.common import (
    annotations_family,
    created_family,
    gauge,
    labels_family,
    metadata,
    number,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    return [
        created_family("kube_daemonset"),
        gauge("kube_daemonset_status_current_number_scheduled",
              "The number of nodes running at least one daemon pod and are supposed to.",
              st("currentNumberScheduled")),
        gauge("kube_daemonset_status_desired_number_scheduled",
              "The number of nodes that should be running the daemon pod.",
              st("desiredNumberScheduled")),
        gauge("kube_daemonset_status_number_available",
              "The number of nodes that should be running the daemon pod and have one or more "
              "of the daemon pod running and available", st("numberAvailable")),
        gauge("kube_daemonset_status_number_misscheduled",
              "The number of nodes running a daemon pod but are not supposed to.",
              st("numberMisscheduled")),
        gauge("kube_daemonset_status_number_ready",
              "The number of nodes that should be running the daemon pod and have one or more "
              "of the daemon pod running and ready.", st("numberReady")),
        gauge("kube_daemonset_status_number_unavailable",
              "The number of nodes that should be running the daemon pod and have none of the "
              "daemon pod running and available", st("numberUnavailable")),
        gauge("kube_daemonset_status_observed_generation",
              "The most recent generation observed by the daemon set controller.",
              st("observedGeneration")),
        gauge("kube_daemonset_status_updated_number_scheduled",
              "The total number of nodes that are running updated daemon pod",
              st("updatedNumberScheduled")),
        gauge("kube_daemonset_metadata_generation",
              "Sequence number representing a specific generation of the desired state.",
              lambda obj: number(metadata(obj).get("generation"))),
        annotations_family("kube_daemonset", allowed_annotations),
        labels_family("kube_daemonset", allowed_labels),
    ]


KIND = Kind("daemonsets", "apps", "daemonsets", "*v1.DaemonSet", namespaced_identity("daemonset"),
            families)
