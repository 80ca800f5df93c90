"""``describe node``: roles, taints, lease, conditions, addresses, capacity, system info, the
pods running there with their requests and limits, and the allocated totals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api.quantity import Quantity, QuantityError, parse_quantity
from observe.cli.describers.writer import Writer, annotations, events, labels, meta
from observe.cli.humanize import age, rfc1123
from observe.cli.session import Session
from observe.client.errors import ApiError

ROLE_PREFIX = "node-role.kubernetes.io/"
SYSTEM_INFO = (("machineID", "Machine ID"), ("systemUUID", "System UUID"),
               ("bootID", "Boot ID"), ("kernelVersion", "Kernel Version"),
               ("osImage", "OS Image"), ("operatingSystem", "Operating System"),
               ("architecture", "Architecture"),
               ("containerRuntimeVersion", "Container Runtime Version"),
               ("kubeletVersion", "Kubelet Version"), ("kubeProxyVersion", "Kube-Proxy Version"))
ALLOCATED = ("cpu", "memory", "ephemeral-storage")


def fetch(session: Session, node: dict[str, Any]) -> dict[str, Any]:
    name = meta(node).get("name", "")
    related: dict[str, Any] = {}
    try:
        pods = session.list_items("/api/v1/pods", {"fieldSelector": f"spec.nodeName={name}"})
        related["pods"] = [p for p in pods if (p.get("status") or {}).get("phase")
                           not in ("Succeeded", "Failed")]
    except ApiError:
        related["pods"] = None
    try:
        related["lease"] = session.get_json(
            f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}")
    except ApiError as e:
        related["lease_error"] = e.message
    return related


def roles(node: dict[str, Any]) -> str:
    node_labels = meta(node).get("labels") or {}
    found = sorted({key[len(ROLE_PREFIX):] for key in node_labels
                    if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX):]}
                   | ({node_labels["kubernetes.io/role"]}
                      if node_labels.get("kubernetes.io/role") else set()))
    return ",".join(found) or "<none>"


def _taint_text(taint: dict[str, Any]) -> str:
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


def _resource_map(w: Writer, title: str, values: dict[str, Any] | None) -> None:
    if not values:
        return
    w.line(0, f"{title}:")
    for key in sorted(values):
        w.line(1, f"{key}:\t{values[key]}")


ZERO = parse_quantity("0")


def _add(sums: dict[str, Quantity], name: str, value: Quantity) -> None:
    sums[name] = sums[name] + value if name in sums else value


def pod_resources(pod: dict[str, Any]) -> dict[str, dict[str, Quantity]]:
    """Summed ``requests`` and ``limits`` of a pod's containers."""
    totals: dict[str, dict[str, Quantity]] = {"requests": {}, "limits": {}}
    for container in (pod.get("spec") or {}).get("containers") or []:
        resources = container.get("resources") or {}
        for kind, sums in totals.items():
            for name, value in (resources.get(kind) or {}).items():
                try:
                    _add(sums, name, parse_quantity(value))
                except QuantityError:
                    continue
    return totals


def usage(value: Quantity, resource: str, allocatable: dict[str, Any]) -> str:
    """``250m (12%)``: an amount and its share of what the node can allocate."""
    try:
        whole = parse_quantity(allocatable.get(resource, 0)).milli_value()
    except QuantityError:
        whole = 0
    share = int(value.milli_value() * 100 / whole) if whole else 0
    return f"{value} ({share}%)"


def render(node: dict[str, Any], related: dict[str, Any], now: datetime | None = None
           ) -> str:
    w = Writer()
    m, spec, status = meta(node), node.get("spec") or {}, node.get("status") or {}
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Roles:\t{roles(node)}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    w.line(0, f"CreationTimestamp:\t{rfc1123(m.get('creationTimestamp'))}")
    taints = spec.get("taints") or []
    if taints:
        for i, taint in enumerate(taints):
            w.line(0, ("Taints:\t" if i == 0 else "\t") + _taint_text(taint))
    else:
        w.line(0, "Taints:\t<none>")
    w.line(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}")
    lease = related.get("lease")
    if related.get("lease_error"):
        w.line(0, f"Lease:\tFailed to get lease: {related['lease_error']}")
    elif lease is not None:
        lease_spec = lease.get("spec") or {}
        w.line(0, "Lease:")
        w.line(1, f"HolderIdentity:\t{lease_spec.get('holderIdentity') or '<unset>'}")
        w.line(1, f"AcquireTime:\t{rfc1123(lease_spec.get('acquireTime'))}")
        w.line(1, f"RenewTime:\t{rfc1123(lease_spec.get('renewTime'))}")
    conditions = status.get("conditions") or []
    if conditions:
        w.line(0, "Conditions:")
        w.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
        w.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
        for c in conditions:
            w.line(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                      f"{rfc1123(c.get('lastHeartbeatTime'))} \t"
                      f"{rfc1123(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                      f"{c.get('message', '')}")
    addresses = status.get("addresses") or []
    if addresses:
        w.line(0, "Addresses:")
        for address in addresses:
            w.line(1, f"{address.get('type', '')}:\t{address.get('address', '')}")
    _resource_map(w, "Capacity", status.get("capacity"))
    allocatable = status.get("allocatable") or {}
    _resource_map(w, "Allocatable", allocatable)
    info = status.get("nodeInfo") or {}
    w.line(0, "System Info:")
    for key, title in SYSTEM_INFO:
        w.line(1, f"{title}:\t{info.get(key, '')}")
    if spec.get("podCIDR"):
        w.line(0, f"PodCIDR:\t{spec['podCIDR']}")
    if spec.get("podCIDRs"):
        w.line(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}")
    if spec.get("providerID"):
        w.line(0, f"ProviderID:\t{spec['providerID']}")
    pods = related.get("pods")
    if pods is not None:
        _pods(w, pods, allocatable, now)
    events(w, related.get("events"), now)
    return w.text()


def _pods(w: Writer, pods: list[dict[str, Any]], allocatable: dict[str, Any],
          now: datetime | None) -> None:
    w.line(0, f"Non-terminated Pods:\t({len(pods)} in total)")
    w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
    w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---")
    requested: dict[str, Quantity] = {}
    limited: dict[str, Quantity] = {}
    for pod in pods:
        totals = pod_resources(pod)
        for name, value in totals["requests"].items():
            _add(requested, name, value)
        for name, value in totals["limits"].items():
            _add(limited, name, value)
        cells = [usage(totals[kind].get(res, ZERO), res, allocatable)
                 for res in ("cpu", "memory") for kind in ("requests", "limits")]
        pm = meta(pod)
        w.line(1, f"{pm.get('namespace', '')}\t{pm.get('name', '')}\t\t" + "\t".join(cells)
               + f"\t{age(pm.get('creationTimestamp'), now)}")
    w.line(0, "Allocated resources:")
    w.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
    w.line(1, "Resource\tRequests\tLimits")
    w.line(1, "--------\t--------\t------")
    for res in ALLOCATED:
        w.line(1, f"{res}\t{usage(requested.get(res, ZERO), res, allocatable)}\t"
                  f"{usage(limited.get(res, ZERO), res, allocatable)}")
