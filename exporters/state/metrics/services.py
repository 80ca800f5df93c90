"""``kube_service_*``: a Service's type, addresses and load balancer status."""

from __future__ import annotations

from collections.abc import Sequence

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    annotations_family,
    created_family,
    deletion_timestamp_family,
    labels_family,
    one,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, namespaced_identity_with_uid


def _info(svc: Object) -> Sequence[Sample]:
    s = spec(svc)
    return one(1.0, ("cluster_ip", str(s.get("clusterIP") or "")),
               ("external_name", str(s.get("externalName") or "")),
               ("load_balancer_ip", str(s.get("loadBalancerIP") or "")),
               ("external_traffic_policy", str(s.get("externalTrafficPolicy") or "")))


def _external_ips(svc: Object) -> list[Sample]:
    return [Sample((("external_ip", str(ip)),), 1.0) for ip in spec(svc).get("externalIPs") or []]


def _ingress(svc: Object) -> list[Sample]:
    ingress = (status(svc).get("loadBalancer") or {}).get("ingress") or []
    return [Sample((("ip", str(i.get("ip") or "")), ("hostname", str(i.get("hostname") or ""))),
                   1.0) for i in ingress]


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def fam(name: str, help_text: str, generate, *, stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_service_{name}", help_text, GAUGE, generate, stable=stable)

    return [
        fam("info", "Information about service.", _info),
        created_family("kube_service"),
        fam("spec_type", "Type about service.",
            lambda svc: one(1.0, ("type", str(spec(svc).get("type") or "")))),
        annotations_family("kube_service", allowed_annotations),
        labels_family("kube_service", allowed_labels),
        fam("spec_external_ip", "Service external ips. One series for each ip", _external_ips),
        fam("status_load_balancer_ingress", "Service load balancer ingress status", _ingress),
        deletion_timestamp_family("kube_service"),
    ]


KIND = Kind("services", "", "services", "*v1.Service", namespaced_identity_with_uid("service"),
            families)
