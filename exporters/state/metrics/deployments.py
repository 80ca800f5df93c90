"""``kube_deployment_*``: a Deployment's replicas, rollout parameters and conditions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    conditions_samples,
    created_family,
    gauge,
    labels_family,
    metadata,
    number,
    one,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def desired_replicas(obj: Object) -> int:
    """``spec.replicas``, which the apiserver defaults to 1."""
    replicas = spec(obj).get("replicas")
    return replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1


def scaled(value: Any, total: int, round_up: bool) -> int | None:
    """apimachinery's ``GetScaledValueFromIntOrPercent``: an int as is, ``"25%"`` of
    ``total`` rounded up or down; ``None`` if it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            percent = int(value[:-1])
        except ValueError:
            return None
        exact = percent * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _rolling(field: str, round_up: bool):
    def generate(obj: Object) -> Sequence[Sample]:
        rolling = (spec(obj).get("strategy") or {}).get("rollingUpdate")
        if not isinstance(rolling, dict):
            return NO_SAMPLES
        value = scaled(rolling.get(field), desired_replicas(obj), round_up)
        return NO_SAMPLES if value is None else one(value)

    return generate


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    return [
        created_family("kube_deployment"),
        gauge("kube_deployment_status_replicas", "The number of replicas per deployment.",
              st("replicas")),
        gauge("kube_deployment_status_replicas_ready",
              "The number of ready replicas per deployment.", st("readyReplicas")),
        gauge("kube_deployment_status_replicas_available",
              "The number of available replicas per deployment.", st("availableReplicas")),
        gauge("kube_deployment_status_replicas_unavailable",
              "The number of unavailable replicas per deployment.", st("unavailableReplicas")),
        gauge("kube_deployment_status_replicas_updated",
              "The number of updated replicas per deployment.", st("updatedReplicas")),
        gauge("kube_deployment_status_observed_generation",
              "The generation observed by the deployment controller.", st("observedGeneration")),
        FamilyGenerator("kube_deployment_status_condition",
                        "The current status conditions of a deployment.", GAUGE,
                        lambda obj: conditions_samples(obj, with_reason=True), stable=True),
        gauge("kube_deployment_spec_replicas", "Number of desired pods for a deployment.",
              lambda obj: float(desired_replicas(obj))),
        gauge("kube_deployment_spec_paused",
              "Whether the deployment is paused and will not be processed by the deployment "
              "controller.", lambda obj: 1.0 if spec(obj).get("paused") else 0.0),
        FamilyGenerator("kube_deployment_spec_strategy_rollingupdate_max_unavailable",
                        "Maximum number of unavailable replicas during a rolling update of a "
                        "deployment.", GAUGE, _rolling("maxUnavailable", False), stable=True),
        FamilyGenerator("kube_deployment_spec_strategy_rollingupdate_max_surge",
                        "Maximum number of replicas that can be scheduled above the desired "
                        "number of replicas during a rolling update of a deployment.", GAUGE,
                        _rolling("maxSurge", True), stable=True),
        gauge("kube_deployment_metadata_generation",
              "Sequence number representing a specific generation of the desired state.",
              lambda obj: number(metadata(obj).get("generation"))),
        annotations_family("kube_deployment", allowed_annotations),
        labels_family("kube_deployment", allowed_labels),
    ]


KIND = Kind("deployments", "apps", "deployments", "*v1.Deployment",
            namespaced_identity("deployment"), families)
