"""The Endpoints controller: one ``v1/Endpoints`` per selecting Service, listing its pods.

Follows upstream's ``endpoints_controller.go``. Handlers enqueue Service keys: a Service
change its own, a pod change every Service in the namespace whose selector matched the pod
before or after, an Endpoints deletion its namesake Service. A sync re-reads the Service and
the namespace's pods from the caches and computes the subsets (:func:`desired_subsets`):
each pod with an IP, not finished and not being deleted (unless ``publishNotReadyAddresses``)
becomes an address (``targetRef`` to the Pod with its uid, ``nodeName``) under
``addresses`` when it is Ready, under ``notReadyAddresses`` otherwise, for every Service port
its ``targetPort`` resolves on that pod (:func:`~.endpointutil.find_port`); addresses
sharing a port set are packed into one subset (:func:`repack_subsets`). The object is written
only when subsets or labels differ, carrying ``endpoints.kubernetes.io/last-change-trigger-time``;
a deleted Service's Endpoints are deleted. Failed writes record upstream's
``FailedToCreateEndpoint`` / ``FailedToUpdateEndpoint`` Warning events.
"""

from __future__ import annotations

import copy

from observe.api import meta as m
from observe.client.cache import Object, split_key
from observe.client.errors import ApiError
from observe.client.events import WARNING
from observe.controllers import endpointutil as eu
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, is_not_found, namespace_terminating

Entry = tuple[Object, Object, bool]  # (address, port, ready)


def endpoint_address(pod: Object, service: Object) -> Object:
    address: Object = {"ip": pod["status"]["podIP"]}
    hostname = eu.endpoint_hostname(pod, service)
    if hostname:
        address["hostname"] = hostname
    if podutil.node_name(pod):
        address["nodeName"] = podutil.node_name(pod)
    address["targetRef"] = eu.target_ref(pod)
    return address


def endpoint_port(service_port: Object, number: int) -> Object:
    port: Object = {"port": number, "protocol": service_port.get("protocol") or "TCP"}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def pod_entries(service: Object, pod: Object) -> list[Entry]:
    """The (address, port, ready) triples ``pod`` contributes to ``service``."""
    spec = service.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    if not eu.should_pod_be_in_endpoints(pod, publish_not_ready):
        return []
    address = endpoint_address(pod, service)
    ready = publish_not_ready or podutil.is_ready(pod)
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    if not ports:
        # Only headless Services may have no ports; their addresses still count (for DNS).
        return [(address, {}, ready)] if eu.is_headless(service) else []
    entries = []
    for service_port in ports:
        number = eu.find_port(pod, service_port)
        if number is not None:
            entries.append((address, endpoint_port(service_port, number), ready))
    return entries


def _freeze(obj: Object) -> tuple:
    return tuple(sorted((k, _freeze(v) if isinstance(v, dict) else v) for k, v in obj.items()))


def _address_order(address: Object) -> tuple:
    return (address.get("ip", ""), (address.get("targetRef") or {}).get("uid", ""))


def _port_order(port: Object) -> tuple:
    return (port.get("name", ""), port.get("port", 0), port.get("protocol", ""))


def repack_subsets(entries: list[Entry]) -> list[Object]:
    """Upstream's ``RepackSubsets``: addresses grouped by the exact set of ports they offer,
    one subset per group, addresses and ports sorted so equal inputs give equal objects."""
    by_port: dict[tuple, tuple[Object, dict[tuple, tuple[Object, bool]]]] = {}
    for address, port, ready in entries:
        slot = by_port.setdefault(_freeze(port), (port, {}))
        slot[1][_address_order(address)] = (address, ready)
    by_addresses: dict[frozenset, tuple[dict[tuple, tuple[Object, bool]], list[Object]]] = {}
    for port, addresses in by_port.values():
        key = frozenset((k, ready) for k, (_, ready) in addresses.items())
        by_addresses.setdefault(key, (addresses, []))[1].append(port)
    subsets = []
    for addresses, ports in by_addresses.values():
        subset: Object = {}
        ordered = sorted(addresses.items())
        ready = [copy.deepcopy(a) for _, (a, r) in ordered if r]
        not_ready = [copy.deepcopy(a) for _, (a, r) in ordered if not r]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        real_ports = sorted((p for p in ports if p), key=_port_order)
        if real_ports:
            subset["ports"] = real_ports
        subsets.append(subset)
    return sorted(subsets, key=lambda s: (
        [_port_order(p) for p in s.get("ports", [])],
        [_address_order(a) for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]))


def desired_subsets(service: Object, pods: list[Object]) -> list[Object]:
    """The subsets of ``service``'s Endpoints given the pods of its namespace."""
    entries: list[Entry] = []
    for pod in pods:
        if eu.selects(service, pod):
            entries.extend(pod_entries(service, pod))
    return repack_subsets(entries)


def needs_update(current: Object | None, service: Object, subsets: list[Object]) -> bool:
    """Whether the stored Endpoints differ from what they should be (the trigger-time
    annotation alone never causes a write, as upstream)."""
    if current is None:
        return True
    return (current.get("subsets") or []) != subsets or \
        ((current.get("metadata") or {}).get("labels") or {}) != eu.endpoint_labels(service)


def endpoints_object(service: Object, subsets: list[Object], current: Object | None,
                     trigger_time: str | None) -> Object:
    """The Endpoints to write: ``current`` (keeping its metadata and resourceVersion) or a
    new object named after the Service, with the desired subsets and labels."""
    meta = service["metadata"]
    if current is not None:
        body = copy.deepcopy(current)
    else:
        body = {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]}}
    body["metadata"]["labels"] = eu.endpoint_labels(service)
    annotations = dict(body["metadata"].get("annotations") or {})
    if trigger_time:
        annotations[eu.TRIGGER_TIME] = trigger_time
    if annotations:
        body["metadata"]["annotations"] = annotations
    if subsets:
        body["subsets"] = subsets
    else:
        body.pop("subsets", None)
    return body


class EndpointsController(Controller):
    name = "endpoint"
    component = "endpoint-controller"

    def register(self) -> None:
        self.services = self.informer("", "services")
        self.pods = self.informer("", "pods")
        self.endpoints = self.informer("", "endpoints")
        self._endpoints_type = self.endpoints.resource_type
        self.services.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                  self.enqueue)
        self.pods.add_handler(self._pod_changed, self._pod_updated, self._pod_changed)
        self.endpoints.add_handler(on_delete=self.enqueue)

    def _pod_changed(self, pod: Object) -> None:
        self._pod_updated(None, pod)

    def _pod_updated(self, old: Object | None, new: Object) -> None:
        namespace = (new.get("metadata") or {}).get("namespace")
        for service in eu.services_to_sync(self.services.list(namespace), old, new):
            self.enqueue(service)

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        service = self.services.get(namespace, name)
        current = self.endpoints.get(namespace, name)
        if service is None:
            if current is not None:
                await self._delete(namespace, name)
            return
        if not eu.manages(service):
            return
        subsets = desired_subsets(service, self.pods.list(namespace))
        if not needs_update(current, service, subsets):
            return
        selected = [p for p in self.pods.list(namespace) if eu.selects(service, p)]
        trigger = eu.last_change_trigger_time(service, selected)
        body = endpoints_object(service, subsets, current,
                                m.rfc3339(trigger) if trigger else None)
        await self._write(body, create=current is None)

    async def _write(self, body: Object, *, create: bool) -> None:
        meta = body["metadata"]
        try:
            if create:
                await self.ctx.api.create(self._endpoints_type, body,
                                          namespace=meta["namespace"])
            else:
                await self.ctx.api.replace(self._endpoints_type, body)
        except ApiError as e:
            if e.code == 409 or namespace_terminating(e):
                raise  # the cache was behind, or the namespace is going: not worth an event
            if create:
                self.recorder.event(body, WARNING, "FailedToCreateEndpoint",
                                    f"Failed to create endpoint for service "
                                    f"{meta['namespace']}/{meta['name']}: {e.message}")
            else:
                self.recorder.event(body, WARNING, "FailedToUpdateEndpoint",
                                    f"Failed to update endpoint {meta['namespace']}/"
                                    f"{meta['name']}: {e.message}")
            raise

    async def _delete(self, namespace: str | None, name: str) -> None:
        try:
            await self.ctx.api.delete(self._endpoints_type, name, namespace=namespace)
        except ApiError as e:
            if not is_not_found(e):
                raise

