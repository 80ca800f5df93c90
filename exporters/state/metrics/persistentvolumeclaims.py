"""``kube_persistentvolumeclaim_*``: a claim's storage class, volume, size, phase and modes."""

from __future__ import annotations

from collections.abc import Sequence

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    conditions_samples,
    created_family,
    deletion_timestamp_family,
    labels_family,
    metadata,
    one,
    phase_samples,
    quantity,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity

PHASES = ("Lost", "Bound", "Pending")
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def storage_class(claim: Object) -> str:
    """The beta annotation first, then ``spec.storageClassName``, else ksm's ``<none>``."""
    annotations = metadata(claim).get("annotations") or {}
    if BETA_STORAGE_CLASS in annotations:
        return str(annotations[BETA_STORAGE_CLASS])
    name = spec(claim).get("storageClassName")
    return "<none>" if name is None else str(name)


def _info(claim: Object) -> Sequence[Sample]:
    s = spec(claim)
    return one(1.0, ("storageclass", storage_class(claim)),
               ("volumename", str(s.get("volumeName") or "")),
               ("volumemode", str(s.get("volumeMode") or "")))


def _requested(claim: Object) -> Sequence[Sample]:
    requests = (spec(claim).get("resources") or {}).get("requests") or {}
    q = quantity(requests["storage"]) if "storage" in requests else None
    return NO_SAMPLES if q is None else one(float(q[0]))


def _access_modes(claim: Object) -> list[Sample]:
    return [Sample((("access_mode", str(mode)),), 1.0)
            for mode in spec(claim).get("accessModes") or []]


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def fam(name: str, help_text: str, generate, *, stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_persistentvolumeclaim_{name}", help_text, GAUGE, generate,
                               stable=stable)

    return [
        labels_family("kube_persistentvolumeclaim", allowed_labels),
        annotations_family("kube_persistentvolumeclaim", allowed_annotations),
        fam("info", "Information about persistent volume claim.", _info),
        fam("status_phase", "The phase the persistent volume claim is currently in.",
            lambda claim: phase_samples(status(claim).get("phase"), PHASES)),
        fam("resource_requests_storage_bytes",
            "The capacity of storage requested by the persistent volume claim.", _requested),
        fam("access_mode", "The access mode(s) specified by the persistent volume claim.",
            _access_modes),
        fam("status_condition", "Information about status of different conditions of "
            "persistent volume claim.", conditions_samples, stable=False),
        created_family("kube_persistentvolumeclaim", stable=False),
        deletion_timestamp_family("kube_persistentvolumeclaim"),
    ]


KIND = Kind("persistentvolumeclaims", "", "persistentvolumeclaims", "*v1.PersistentVolumeClaim",
            namespaced_identity("persistentvolumeclaim"), families)
