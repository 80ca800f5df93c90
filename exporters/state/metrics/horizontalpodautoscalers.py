"""``kube_horizontalpodautoscaler_*``: an HPA's bounds, targets, replicas and conditions
(``autoscaling/v2`` objects)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    annotations_family,
    conditions_samples,
    gauge,
    labels_family,
    metadata,
    number,
    one,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity
from observe.api.quantity import QuantityError, parse_quantity

TARGET_TYPES = ("value", "utilization", "average")
# Where each metric source type keeps its metric's name and its target (or current value).
_SOURCES = {"Object": "object", "Pods": "pods", "Resource": "resource",
            "ContainerResource": "containerResource", "External": "external"}


def _whole(raw: Any) -> int | None:
    """``Quantity.AsInt64()``: the value when it is a whole number, else nothing."""
    if raw is None:
        return None
    try:
        amount = parse_quantity(raw).amount
    except QuantityError:
        return None
    return int(amount) if amount == amount.to_integral_value() and abs(amount) < Decimal(2**63) \
        else None


def _metric_samples(entries: list[dict[str, Any]], field: str) -> list[Sample]:
    """``metric_name``/``metric_target_type`` samples of spec targets (``field="target"``)
    or status values (``field="current"``)."""
    out: list[Sample] = []
    for entry in entries:
        source = entry.get(_SOURCES.get(str(entry.get("type")), "")) or {}
        if not source:
            continue
        name = str((source.get("metric") or {}).get("name") or source.get("name") or "")
        values = source.get(field) or {}
        found = {"value": _whole(values.get("value")),
                 "utilization": values.get("averageUtilization"),
                 "average": _whole(values.get("averageValue"))}
        out.extend(Sample((("metric_name", name), ("metric_target_type", t)), float(v))
                   for t in TARGET_TYPES if isinstance(v := found[t], int))
    return out


def _info(hpa: Object) -> Sequence[Sample]:
    ref = spec(hpa).get("scaleTargetRef") or {}
    return one(1.0, ("scaletargetref_api_version", str(ref.get("apiVersion") or "")),
               ("scaletargetref_kind", str(ref.get("kind") or "")),
               ("scaletargetref_name", str(ref.get("name") or "")))


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def fam(name: str, help_text: str, generate, *, stable: bool = False) -> FamilyGenerator:
        return FamilyGenerator(f"kube_horizontalpodautoscaler_{name}", help_text, GAUGE,
                               generate, stable=stable)

    return [
        fam("info", "Information about this autoscaler.", _info),
        gauge("kube_horizontalpodautoscaler_metadata_generation",
              "The generation observed by the HorizontalPodAutoscaler controller.",
              lambda hpa: number(metadata(hpa).get("generation"))),
        gauge("kube_horizontalpodautoscaler_spec_max_replicas",
              "Upper limit for the number of pods that can be set by the autoscaler; cannot be "
              "smaller than MinReplicas.", lambda hpa: number(spec(hpa).get("maxReplicas"))),
        gauge("kube_horizontalpodautoscaler_spec_min_replicas",
              "Lower limit for the number of pods that can be set by the autoscaler, default 1.",
              lambda hpa: number(spec(hpa).get("minReplicas", 1))),
        fam("spec_target_metric", "The metric specifications used by this autoscaler when "
            "calculating the desired replica count.",
            lambda hpa: _metric_samples(spec(hpa).get("metrics") or [], "target")),
        fam("status_target_metric", "The current metric status used by this autoscaler when "
            "calculating the desired replica count.",
            lambda hpa: _metric_samples(status(hpa).get("currentMetrics") or [], "current")),
        gauge("kube_horizontalpodautoscaler_status_current_replicas",
              "Current number of replicas of pods managed by this autoscaler.",
              lambda hpa: number(status(hpa).get("currentReplicas"))),
        gauge("kube_horizontalpodautoscaler_status_desired_replicas",
              "Desired number of replicas of pods managed by this autoscaler.",
              lambda hpa: number(status(hpa).get("desiredReplicas"))),
        annotations_family("kube_horizontalpodautoscaler", allowed_annotations),
        labels_family("kube_horizontalpodautoscaler", allowed_labels),
        fam("status_condition", "The condition of this autoscaler.", conditions_samples,
            stable=True),
    ]


KIND = Kind("horizontalpodautoscalers", "autoscaling", "horizontalpodautoscalers",
            "*v2.HorizontalPodAutoscaler", namespaced_identity("horizontalpodautoscaler"),
            families)
