"""From Services and EndpointSlices to what the proxy serves: pure functions, no I/O.

:func:`build_table` maps every proxied Service port (:class:`ServicePortName`, kube-proxy's
``namespace/name:port``) to its :class:`ServicePort`: ClusterIP, port, NodePort, session
affinity, and the ready endpoints (``ip``, ``port``) gathered from the Service's slices — an
endpoint whose ``conditions.ready`` is absent counts as ready, as in kube-proxy, and one
address listed by two slices (during a move) counts once. Headless and ExternalName
Services and non-TCP ports are not proxied. :func:`desired_listeners` says which
(address, port) each Service port needs: its ClusterIP:port, and for NodePort and
LoadBalancer Services the node address:nodePort.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

Object = dict[str, Any]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
# Set by the endpoint controllers: when the change behind a slice happened.
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


class ServicePortName(NamedTuple):
    namespace: str
    name: str
    port: str
    protocol: str = "TCP"

    def __str__(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{self.namespace}/{self.name}{port}"


class Endpoint(NamedTuple):
    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


class ListenKey(NamedTuple):
    address: str
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.address}:{self.port}/{self.protocol}"


@dataclass(frozen=True)
class ServicePort:
    cluster_ip: str
    port: int
    node_port: int | None
    affinity_timeout: float | None
    """Seconds a client IP sticks to its endpoint (``sessionAffinity: ClientIP``), or None."""
    endpoints: tuple[Endpoint, ...]


def _affinity_timeout(spec: Object) -> float | None:
    if spec.get("sessionAffinity") != "ClientIP":
        return None
    config = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
    timeout = config.get("timeoutSeconds")
    return float(timeout) if isinstance(timeout, int) and timeout > 0 else 10800.0


def proxied(service: Object) -> bool:
    spec = service.get("spec") or {}
    ip = spec.get("clusterIP")
    return spec.get("type") != "ExternalName" and bool(ip) and ip != "None"


def ready_endpoints(slices: Iterable[Object], port_name: str, protocol: str
                    ) -> tuple[Endpoint, ...]:
    """The ready endpoints of one Service port across its slices, sorted, without repeats."""
    found: set[Endpoint] = set()
    for slice_ in slices:
        if slice_.get("addressType") not in ("IPv4", None):
            continue
        number = next((p.get("port") for p in slice_.get("ports") or []
                       if (p.get("name") or "") == port_name and
                       (p.get("protocol") or "TCP") == protocol), None)
        if not isinstance(number, int):
            continue
        for endpoint in slice_.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            for address in endpoint.get("addresses") or []:
                found.add(Endpoint(address, number))
    return tuple(sorted(found))


def build_table(services: Iterable[Object], slices: Iterable[Object]
                ) -> dict[ServicePortName, ServicePort]:
    by_service: dict[tuple[str, str], list[Object]] = {}
    for slice_ in slices:
        meta = slice_.get("metadata") or {}
        owner = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if owner:
            by_service.setdefault((meta.get("namespace", ""), owner), []).append(slice_)
    table: dict[ServicePortName, ServicePort] = {}
    for service in services:
        if not proxied(service):
            continue
        meta, spec = service["metadata"], service["spec"]
        mine = by_service.get((meta.get("namespace", ""), meta.get("name", "")), [])
        for port in spec.get("ports") or []:
            protocol = port.get("protocol") or "TCP"
            if protocol != "TCP" or not isinstance(port.get("port"), int):
                continue
            name = ServicePortName(meta.get("namespace", ""), meta.get("name", ""),
                                   port.get("name") or "", protocol)
            node_port = port.get("nodePort") if spec.get("type") in NODE_PORT_TYPES else None
            table[name] = ServicePort(
                cluster_ip=spec["clusterIP"], port=port["port"],
                node_port=node_port if isinstance(node_port, int) else None,
                affinity_timeout=_affinity_timeout(spec),
                endpoints=ready_endpoints(mine, name.port, protocol))
    return table


def desired_listeners(table: dict[ServicePortName, ServicePort], node_address: str
                      ) -> dict[ListenKey, ServicePortName]:
    """Which Service port each (address, port) serves. Two Service ports wanting one address
    cannot both have it; the first in name order keeps it, as the apiserver's allocators
    should never let that happen."""
    listeners: dict[ListenKey, ServicePortName] = {}
    for name in sorted(table):
        port = table[name]
        keys = [ListenKey(port.cluster_ip, port.port, name.protocol)]
        if port.node_port:
            keys.append(ListenKey(node_address, port.node_port, name.protocol))
        for key in keys:
            listeners.setdefault(key, name)
    return listeners
