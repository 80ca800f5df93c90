"""The EndpointSlice controller: ``discovery.k8s.io/v1`` EndpointSlices for selecting Services.

Follows upstream's ``endpointslice_controller.go`` and its reconciler. A sync re-reads the
Service, the namespace's pods and the slices labelled ``kubernetes.io/service-name=<svc>`` and
``endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io``, then:

1. :func:`desired_endpoints` turns every selected pod with an IP that has not finished (being
   deleted included) into an endpoint — one IPv4 address, ``conditions`` ready/serving/
   terminating, ``nodeName``, ``targetRef`` — grouped by the port set its pod resolves;
2. :func:`reconcile_slices` (pure) decides which slices to create (``<svc>-`` generateName,
   owned by the Service), update and delete: endpoints stay in the slice that already holds
   their address, newcomers fill existing slices before new ones are made, no slice holds more
   than ``max_endpoints`` (upstream's ``--max-endpoints-per-slice=100``), and a Service with
   no endpoints keeps one empty placeholder slice.

Creations and deletions are recorded as :class:`~.expectations.Expectations`, so a sync that
runs before the informer has seen them does not create twice. A failed write records
upstream's ``FailedToUpdateEndpointSlices`` Warning event on the Service.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from observe.api import meta as m
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError
from observe.client.events import WARNING
from observe.controllers import endpointutil as eu
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, is_not_found, namespace_terminating
from observe.controllers.expectations import Expectations

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100
ADDRESS_TYPE = "IPv4"

PortsKey = tuple[tuple[str, int, str, str], ...]


def ports_key(ports: list[Object] | None) -> PortsKey:
    return tuple((p.get("name") or "", int(p.get("port") or 0), p.get("protocol") or "TCP",
                  p.get("appProtocol") or "") for p in ports or [])


def _slice_port(service_port: Object, number: int) -> Object:
    port: Object = {"name": service_port.get("name") or "", "port": number,
                    "protocol": service_port.get("protocol") or "TCP"}
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def pod_endpoint(pod: Object, service: Object) -> Object:
    """Upstream's ``podToEndpoint``: ready = serving and not terminating, unless the Service
    publishes not-ready addresses."""
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    serving = publish or podutil.is_ready(pod)
    terminating = m.is_terminating(pod)
    endpoint: Object = {
        "addresses": [pod["status"]["podIP"]],
        "conditions": {"ready": publish or (serving and not terminating),
                       "serving": serving, "terminating": terminating}}
    hostname = eu.endpoint_hostname(pod, service)
    if hostname:
        endpoint["hostname"] = hostname
    if podutil.node_name(pod):
        endpoint["nodeName"] = podutil.node_name(pod)
    endpoint["targetRef"] = eu.target_ref(pod)
    return endpoint


def pod_ports(pod: Object, service: Object) -> list[Object]:
    ports = []
    for service_port in (service.get("spec") or {}).get("ports") or []:
        if isinstance(service_port, dict):
            number = eu.find_port(pod, service_port)
            if number is not None:
                ports.append(_slice_port(service_port, number))
    return ports


def desired_endpoints(service: Object, pods: list[Object]
                      ) -> dict[PortsKey, tuple[list[Object], list[Object]]]:
    """Port set → (its ports, its endpoints sorted by address) for ``service``'s pods."""
    groups: dict[PortsKey, tuple[list[Object], list[Object]]] = {}
    for pod in pods:
        if not eu.selects(service, pod) or not eu.should_pod_be_in_endpoints(pod, True):
            continue
        ports = pod_ports(pod, service)
        if not ports and (service.get("spec") or {}).get("ports"):
            continue  # no port of the Service resolves on this pod
        groups.setdefault(ports_key(ports), (ports, []))[1].append(pod_endpoint(pod, service))
    for _, endpoints in groups.values():
        endpoints.sort(key=_endpoint_address)
    return groups


def _endpoint_address(endpoint: Object) -> str:
    return (endpoint.get("addresses") or [""])[0]


def slice_labels(service: Object) -> dict[str, str]:
    return {**eu.endpoint_labels(service), SERVICE_NAME_LABEL: service["metadata"]["name"],
            MANAGED_BY_LABEL: CONTROLLER_NAME}


def new_slice(service: Object, ports: list[Object], endpoints: list[Object]) -> Object:
    meta = service["metadata"]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                         "labels": slice_labels(service),
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                              "name": meta["name"], "uid": meta.get("uid", ""),
                                              "controller": True,
                                              "blockOwnerDeletion": True}]},
            "addressType": ADDRESS_TYPE, "endpoints": endpoints, "ports": copy.deepcopy(ports)}


@dataclass
class SliceActions:
    """What :func:`reconcile_slices` decided: bodies to create, to replace, and to delete."""

    create: list[Object] = field(default_factory=list)
    update: list[Object] = field(default_factory=list)
    delete: list[Object] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def _is_placeholder(slice_: Object) -> bool:
    return not slice_.get("endpoints") and not slice_.get("ports")


def reconcile_slices(service: Object,
                     desired: dict[PortsKey, tuple[list[Object], list[Object]]],
                     existing: list[Object],
                     max_endpoints: int = MAX_ENDPOINTS_PER_SLICE) -> SliceActions:
    """The writes that turn ``existing`` slices into ones holding exactly ``desired``."""
    actions = SliceActions()
    labels = slice_labels(service)
    by_key: dict[PortsKey, list[Object]] = {}
    for slice_ in sorted(existing, key=lambda s: s["metadata"].get("name", "")):
        by_key.setdefault(ports_key(slice_.get("ports")), []).append(slice_)
    kept: list[Object] = []
    for key, (ports, endpoints) in desired.items():
        wanted = {_endpoint_address(e): e for e in endpoints}
        placed: set[str] = set()
        filled: list[tuple[Object, list[Object]]] = []
        for slice_ in by_key.pop(key, []):
            keep = [wanted[a] for e in slice_.get("endpoints") or []
                    if (a := _endpoint_address(e)) in wanted and a not in placed]
            keep = keep[:max_endpoints]
            placed.update(_endpoint_address(e) for e in keep)
            filled.append((slice_, keep))
        pending = [e for a, e in wanted.items() if a not in placed]
        for slice_, keep in filled:
            room = max_endpoints - len(keep)
            if pending and room > 0:
                keep.extend(pending[:room])
                pending = pending[room:]
            if not keep:
                actions.delete.append(slice_)
                continue
            keep.sort(key=_endpoint_address)
            kept.append(slice_)
            if keep != slice_.get("endpoints") or \
                    (slice_["metadata"].get("labels") or {}) != labels:
                body = copy.deepcopy(slice_)
                body["metadata"]["labels"] = dict(labels)
                body["endpoints"] = keep
                actions.update.append(body)
        for start in range(0, len(pending), max_endpoints):
            actions.create.append(new_slice(service, ports, pending[start:start + max_endpoints]))
    for leftovers in by_key.values():
        actions.delete.extend(leftovers)
    if not kept and not actions.create:
        placeholder = next((s for s in actions.delete if _is_placeholder(s)), None)
        if placeholder is None:
            actions.create.append(new_slice(service, [], []))
        else:
            actions.delete.remove(placeholder)
            if (placeholder["metadata"].get("labels") or {}) != labels:
                body = copy.deepcopy(placeholder)
                body["metadata"]["labels"] = dict(labels)
                actions.update.append(body)
    return actions


def _with_trigger_time(body: Object, trigger_time: str | None) -> Object:
    if trigger_time:
        body["metadata"]["annotations"] = {**(body["metadata"].get("annotations") or {}),
                                           eu.TRIGGER_TIME: trigger_time}
    return body


class EndpointSliceController(Controller):
    name = "endpointslice"
    queue_name = "endpoint_slice"
    component = "endpoint-slice-controller"

    def __init__(self, ctx: Any, *, workers: int = 1,
                 max_endpoints: int = MAX_ENDPOINTS_PER_SLICE) -> None:
        self.max_endpoints = max_endpoints
        super().__init__(ctx, workers=workers)

    def register(self) -> None:
        # Two records per key: Expectations keeps either creations or deletions, and one
        # sync may do both.
        self.created = Expectations(self.ctx.clock)
        self.deleted = Expectations(self.ctx.clock)
        self.services = self.informer("", "services")
        self.pods = self.informer("", "pods")
        self.slices = self.informer("discovery.k8s.io", "endpointslices")
        self._slice_type = self.slices.resource_type
        self.services.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                  self._service_deleted)
        self.pods.add_handler(self._pod_changed, self._pod_updated, self._pod_changed)
        self.slices.add_handler(self._slice_added, lambda old, new: self._enqueue_owner(new),
                                self._slice_deleted)

    # -- event handlers ------------------------------------------------------------------------

    def _service_deleted(self, service: Object) -> None:
        self._forget(object_key(service))

    def _forget(self, key: str) -> None:
        self.created.forget(key)
        self.deleted.forget(key)

    def _pod_changed(self, pod: Object) -> None:
        self._pod_updated(None, pod)

    def _pod_updated(self, old: Object | None, new: Object) -> None:
        namespace = (new.get("metadata") or {}).get("namespace")
        for service in eu.services_to_sync(self.services.list(namespace), old, new):
            self.enqueue(service)

    @staticmethod
    def _service_key(slice_: Object) -> str | None:
        meta = slice_.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get(MANAGED_BY_LABEL) != CONTROLLER_NAME or not labels.get(SERVICE_NAME_LABEL):
            return None
        return f"{meta.get('namespace')}/{labels[SERVICE_NAME_LABEL]}"

    def _enqueue_owner(self, slice_: Object) -> None:
        key = self._service_key(slice_)
        if key is not None:
            self.queue.add(key)

    def _slice_added(self, slice_: Object) -> None:
        key = self._service_key(slice_)
        if key is not None:
            self.created.creation_observed(key)
            self.queue.add(key)

    def _slice_deleted(self, slice_: Object) -> None:
        key = self._service_key(slice_)
        if key is not None:
            self.deleted.deletion_observed(key, object_key(slice_))
            self.queue.add(key)

    # -- sync ----------------------------------------------------------------------------------

    def owned_slices(self, namespace: str | None, name: str) -> list[Object]:
        return [s for s in self.slices.list(namespace)
                if self._service_key(s) == f"{namespace}/{name}"]

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        service = self.services.get(namespace, name)
        # A deleted Service's slices go with it through their ownerReference (the garbage
        # collector), as upstream relies on.
        if service is None or not eu.manages(service) or m.is_terminating(service):
            return
        if not (self.created.satisfied(key) and self.deleted.satisfied(key)):
            # The informer has not shown our last writes yet; its events bring the key back,
            # and this look again covers one that never comes.
            self.enqueue_after(key, 1.0)
            return
        pods = self.pods.list(namespace)
        uid = service["metadata"].get("uid")
        existing = [s for s in self.owned_slices(namespace, name)
                    if s.get("addressType") == ADDRESS_TYPE and
                    (m.controller_of(s) or {}).get("uid") in (uid, None)]
        actions = reconcile_slices(service, desired_endpoints(service, pods), existing,
                                   self.max_endpoints)
        if actions.empty:
            return
        trigger = eu.last_change_trigger_time(
            service, [p for p in pods if eu.selects(service, p)])
        stamp = m.rfc3339(trigger) if trigger else None
        try:
            await self._apply(key, namespace, actions, stamp)
        except ApiError as e:
            if e.code != 409 and not namespace_terminating(e):
                self.recorder.event(service, WARNING, "FailedToUpdateEndpointSlices",
                                    f"Error updating Endpoint Slices for Service "
                                    f"{namespace}/{name}: {e.message}")
            raise

    async def _apply(self, key: str, namespace: str | None, actions: SliceActions,
                     stamp: str | None) -> None:
        api = self.ctx.api
        self.created.expect_creations(key, len(actions.create))
        self.deleted.expect_deletions(key, [object_key(s) for s in actions.delete])
        try:
            for body in actions.create:
                await api.create(self._slice_type, _with_trigger_time(body, stamp),
                                 namespace=namespace)
            for body in actions.update:
                await api.replace(self._slice_type, _with_trigger_time(body, stamp))
            for slice_ in actions.delete:
                try:
                    await api.delete(self._slice_type, slice_["metadata"]["name"],
                                     namespace=namespace)
                except ApiError as e:
                    if not is_not_found(e):
                        raise
                    self.deleted.deletion_observed(key, object_key(slice_))
        except ApiError:
            # Some writes were never made and will never be observed: the retry starts from
            # whatever the cache shows then.
            self._forget(key)
            raise
