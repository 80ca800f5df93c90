"""``kube_persistentvolume_*``: a volume's phase, claim and capacity."""

from __future__ import annotations

from collections.abc import Sequence

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    created_family,
    deletion_timestamp_family,
    labels_family,
    one,
    phase_samples,
    quantity,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, cluster_identity

PHASES = ("Pending", "Available", "Bound", "Released", "Failed")


def _claim_ref(pv: Object) -> Sequence[Sample]:
    ref = spec(pv).get("claimRef")
    if not isinstance(ref, dict):
        return NO_SAMPLES
    return one(1.0, ("name", str(ref.get("name") or "")),
               ("claim_namespace", str(ref.get("namespace") or "")))


def _capacity(pv: Object) -> Sequence[Sample]:
    q = quantity((spec(pv).get("capacity") or {}).get("storage", "0"))
    return one(float(q[0]) if q is not None else 0.0)


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def fam(name: str, help_text: str, generate, *, stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_persistentvolume_{name}", help_text, GAUGE, generate,
                               stable=stable)

    return [
        annotations_family("kube_persistentvolume", allowed_annotations),
        labels_family("kube_persistentvolume", allowed_labels),
        fam("status_phase", "The phase indicates if a volume is available, bound to a claim, "
            "or released by a claim.",
            lambda pv: phase_samples(status(pv).get("phase"), PHASES)),
        fam("claim_ref", "Information about the Persistent Volume Claim Reference.", _claim_ref),
        fam("capacity_bytes", "Persistentvolume capacity in bytes.", _capacity),
        created_family("kube_persistentvolume"),
        deletion_timestamp_family("kube_persistentvolume"),
    ]


KIND = Kind("persistentvolumes", "", "persistentvolumes", "*v1.PersistentVolume",
            cluster_identity("persistentvolume"), families)
