"""``kube_endpoint_*``: an Endpoints object's addresses (ready or not) and ports."""

from __future__ import annotations

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    annotations_family,
    created_family,
    labels_family,
    one,
)
from exporters.state.metrics.kind import Kind, namespaced_identity


def _port_labels(port: dict) -> tuple[str, str, str]:
    return str(port.get("protocol") or ""), str(port.get("port") or 0), str(port.get("name") or "")


def _addresses(ep: Object) -> list[Sample]:
    out = []
    for subset in ep.get("subsets") or []:
        for port in subset.get("ports") or []:
            protocol, number, name = _port_labels(port)
            for field, ready in (("addresses", "true"), ("notReadyAddresses", "false")):
                for address in subset.get(field) or []:
                    out.append(Sample((("port_protocol", protocol), ("port_number", number),
                                       ("port_name", name), ("ip", str(address.get("ip") or "")),
                                       ("ready", ready)), 1.0))
    return out


def _ports(ep: Object) -> list[Sample]:
    out = []
    for subset in ep.get("subsets") or []:
        for port in subset.get("ports") or []:
            protocol, number, name = _port_labels(port)
            out.append(Sample((("port_name", name), ("port_protocol", protocol),
                               ("port_number", number)), 1.0))
    return out


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    return [
        FamilyGenerator("kube_endpoint_info", "Information about endpoint.", GAUGE,
                        lambda ep: one(1.0), stable=True),
        created_family("kube_endpoint"),
        annotations_family("kube_endpoint", allowed_annotations),
        labels_family("kube_endpoint", allowed_labels),
        FamilyGenerator("kube_endpoint_address",
                        "Information about Endpoint available and non available addresses.",
                        GAUGE, _addresses, stable=True),
        FamilyGenerator("kube_endpoint_ports", "Information about the Endpoint ports.", GAUGE,
                        _ports, stable=True, deprecated_since="v2.14.0"),
    ]


KIND = Kind("endpoints", "", "endpoints", "*v1.Endpoints", namespaced_identity("endpoint"),
            families)
