"""``kube_node_*``: a Node's identity, roles, taints, resources and conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exporters.state.allowlist import AllowList, sanitize_label_name
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    UNIT_BYTE,
    UNIT_CORE,
    UNIT_INTEGER,
    annotations_family,
    conditions_samples,
    created_family,
    deletion_timestamp_family,
    is_extended_resource,
    labels_family,
    metadata,
    one,
    quantity,
    spec,
    status,
)
from exporters.state.metrics.kind import Kind, cluster_identity

ROLE_PREFIX = "node-role.kubernetes.io/"


def _info(node: Object) -> Sequence[Sample]:
    info = status(node).get("nodeInfo") or {}
    internal_ip = ""
    for address in status(node).get("addresses") or []:
        if address.get("type") == "InternalIP":
            internal_ip = str(address.get("address") or "")
    s = spec(node)

    def field(name: str) -> str:
        return str(info.get(name) or "")

    return one(1.0, ("kernel_version", field("kernelVersion")), ("os_image", field("osImage")),
               ("container_runtime_version", field("containerRuntimeVersion")),
               ("kubelet_version", field("kubeletVersion")),
               ("kubeproxy_version", field("kubeProxyVersion")),
               ("provider_id", str(s.get("providerID") or "")),
               ("pod_cidr", str(s.get("podCIDR") or "")), ("system_uuid", field("systemUUID")),
               ("internal_ip", internal_ip))


def _roles(node: Object) -> list[Sample]:
    return [Sample((("role", key[len(ROLE_PREFIX):]),), 1.0)
            for key in metadata(node).get("labels") or {} if key.startswith(ROLE_PREFIX)]


def _taints(node: Object) -> list[Sample]:
    return [Sample((("key", str(t.get("key") or "")), ("value", str(t.get("value") or "")),
                    ("effect", str(t.get("effect") or ""))), 1.0)
            for t in spec(node).get("taints") or []]


def _unit(name: str) -> list[str]:
    """The units ksm reports a node resource in (an unknown one in none)."""
    if name == "cpu":
        return [UNIT_CORE]
    if name in ("memory", "storage", "ephemeral-storage"):
        return [UNIT_BYTE]
    if name == "pods":
        return [UNIT_INTEGER]
    units = []
    if name.startswith(("hugepages-", "attachable-volumes-")):
        units.append(UNIT_BYTE)
    if is_extended_resource(name):
        units.append(UNIT_INTEGER)
    return units


def _resources(field: str):
    def generate(node: Object) -> list[Sample]:
        resources: dict[str, Any] = status(node).get(field) or {}
        out: list[Sample] = []
        for name, raw in resources.items():
            q = quantity(raw)
            if q is None:
                continue
            # Nodes report every resource at milli precision, unlike pods.
            out.extend(Sample((("resource", sanitize_label_name(name)), ("unit", unit)),
                              q[1] / 1000) for unit in _unit(name))
        return out

    return generate


def _addresses(node: Object) -> list[Sample]:
    return [Sample((("type", str(a.get("type") or "")), ("address", str(a.get("address") or ""))),
                   1.0) for a in status(node).get("addresses") or []]


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def fam(name: str, help_text: str, generate, *, stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_node_{name}", help_text, GAUGE, generate, stable=stable)

    return [
        annotations_family("kube_node", allowed_annotations),
        created_family("kube_node"),
        deletion_timestamp_family("kube_node"),
        fam("info", "Information about a cluster node.", _info),
        labels_family("kube_node", allowed_labels),
        fam("role", "The role of a cluster node.", _roles, stable=False),
        fam("spec_taint", "The taint of a cluster node.", _taints),
        fam("spec_unschedulable", "Whether a node can schedule new pods.",
            lambda node: one(1.0 if spec(node).get("unschedulable") else 0.0)),
        fam("status_allocatable",
            "The allocatable for different resources of a node that are available for "
            "scheduling.", _resources("allocatable")),
        fam("status_capacity", "The capacity for different resources of a node.",
            _resources("capacity")),
        fam("status_condition", "The condition of a cluster node.", conditions_samples),
        fam("status_addresses", "Node address information.", _addresses, stable=False),
    ]


KIND = Kind("nodes", "", "nodes", "*v1.Node", cluster_identity("node"), families)
