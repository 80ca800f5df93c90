"""Service address allocation: ClusterIPs from a loopback range and NodePorts.

kube-apiserver allocates a Service's ``clusterIP`` (unless it is headless, ``None``, or an
ExternalName) and, for NodePort and LoadBalancer services, a ``nodePort`` per port from
30000-32767, when the client leaves them empty; a client asking for a specific value gets it
if free and a 422 if taken. ARCHITECTURE.md puts ClusterIPs in a loopback range so that the
proxy can listen on them on one machine. Used values are read from the stored Services, so a
deleted Service releases its values with no bookkeeping to go stale.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from observe.api import errors

DEFAULT_SERVICE_RANGE = "127.96.0.0/16"
NODE_PORT_RANGE = range(30000, 32768)
ALLOCATING_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")


@dataclass
class ServiceAllocator:
    """Fills ``spec.clusterIP(s)`` and ``nodePort``s of a Service being written.

    ``existing`` returns the stored Services (the one being updated included)."""

    existing: Callable[[], Iterable[dict[str, Any]]]
    service_range: str = DEFAULT_SERVICE_RANGE

    def __post_init__(self) -> None:
        self._network = ipaddress.ip_network(self.service_range)

    @property
    def kubernetes_service_ip(self) -> str:
        """The first address, which Kubernetes gives the ``default/kubernetes`` Service."""
        return str(self._network.network_address + 1)

    def _used(self, skip_uid: str | None) -> tuple[set[str], set[int]]:
        ips: set[str] = set()
        ports: set[int] = set()
        for svc in self.existing():
            if skip_uid and svc["metadata"].get("uid") == skip_uid:
                continue
            spec = svc.get("spec") or {}
            ips.update(ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip)
            ports.update(p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort"))
        return ips, ports

    def allocate(self, svc: dict[str, Any], old: dict[str, Any] | None = None) -> None:
        spec = svc.get("spec")
        if not isinstance(spec, dict):
            return
        name = svc["metadata"].get("name", "")
        kind = spec.get("type") or "ClusterIP"
        ips, ports = self._used(svc["metadata"].get("uid") if old is not None else None)
        if kind in ALLOCATING_TYPES and spec.get("clusterIP") != "None":
            self._cluster_ip(spec, name, ips)
        if kind in ("NodePort", "LoadBalancer"):
            self._node_ports(spec, name, ports, old)

    def _cluster_ip(self, spec: dict[str, Any], name: str, used: set[str]) -> None:
        wanted = spec.get("clusterIP")
        if wanted:
            try:
                address = ipaddress.ip_address(wanted)
            except ValueError:
                return  # validation reports the malformed address
            if address not in self._network:
                raise _invalid(name, "spec.clusterIP", wanted,
                               f"provided IP is not in the valid range. The range of valid "
                               f"IPs is {self.service_range}")
            if wanted in used:
                raise _invalid(name, "spec.clusterIP", wanted,
                               "provided IP is already allocated")
        else:
            free = next((str(ip) for ip in self._network.hosts()
                         if str(ip) not in used and str(ip) != self.kubernetes_service_ip),
                        None)
            if free is None:
                raise errors.StatusError(
                    503, "ServiceUnavailable", "failed to allocate a serviceIP: range is full")
            wanted = free
        spec["clusterIP"] = wanted
        spec["clusterIPs"] = [wanted]

    def _node_ports(self, spec: dict[str, Any], name: str, used: set[int],
                    old: dict[str, Any] | None) -> None:
        previous = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                    for p in ((old or {}).get("spec") or {}).get("ports") or []}
        for index, port in enumerate(spec.get("ports") or []):
            if not isinstance(port, dict):
                continue
            wanted = port.get("nodePort") or previous.get(
                (port.get("port"), port.get("protocol", "TCP")))
            if wanted:
                if wanted not in NODE_PORT_RANGE:
                    raise _invalid(name, f"spec.ports[{index}].nodePort", wanted,
                                   "provided port is not in the valid range. The range of "
                                   "valid ports is 30000-32767")
                if wanted in used:
                    raise _invalid(name, f"spec.ports[{index}].nodePort", wanted,
                                   "provided port is already allocated")
            else:
                wanted = next((p for p in NODE_PORT_RANGE if p not in used), None)
                if wanted is None:
                    raise errors.StatusError(
                        503, "ServiceUnavailable", "failed to allocate a nodePort: range is "
                        "full")
            port["nodePort"] = wanted
            used.add(wanted)


def _invalid(name: str, field: str, value: Any, message: str) -> errors.StatusError:
    return errors.invalid("Service", "", name, [errors.Cause(
        field, f"Invalid value: {value!r}: {message}".replace("'", '"'), "FieldValueInvalid")])
