"""The kubelet's Node: registration, status and the heartbeat Lease.

Pure functions build the Node object (:func:`node_object`) and its conditions from
measurements (:func:`node_conditions`, :func:`merge_conditions`); :class:`NodeAgent` does the
I/O like upstream's node status loop:

- register once (create, or adopt an existing Node of that name and bring its labels and
  pod CIDR up to date), with ``Starting`` and ``NodeAllocatableEnforced`` events;
- every ``status_update`` seconds (10 s) measure the node and patch ``nodes/status`` when
  anything changed, and at least every ``status_report`` seconds (5 min) anyway;
  a condition that changes records ``Node <n> status is now: <Reason>``;
- renew the Lease ``kube-node-lease/<node>`` every ``lease_renew`` seconds (10 s, duration
  40 s), which is the heartbeat the node lifecycle controller watches.

Hollow nodes (:mod:`observe.kubelet.hollow`) use the same agent with fixed measurements.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from observe import KUBERNETES_VERSION, __version__
from observe.api.registry import default_registry
from observe.client.errors import ApiError, ClientError
from observe.kubelet.machine import (
    MachineInfo,
    Measurements,
    disk_pressure,
    memory_pressure,
    pid_pressure,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]
_REGISTRY = default_registry()
NODES = _REGISTRY.get("", "nodes")
LEASES = _REGISTRY.get("coordination.k8s.io", "leases")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION = 40
RUNTIME_VERSION = f"observe://{__version__}"

# (type, True reason, True message, False reason, False message); Ready is built apart.
PRESSURE_CONDITIONS = (
    ("MemoryPressure", "KubeletHasInsufficientMemory", "kubelet has insufficient memory "
     "available", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure",
     "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
     "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)
# The node event recorded when a condition becomes (type, status).
CONDITION_EVENTS = {
    ("MemoryPressure", "False"): "NodeHasSufficientMemory",
    ("MemoryPressure", "True"): "NodeHasInsufficientMemory",
    ("DiskPressure", "False"): "NodeHasNoDiskPressure",
    ("DiskPressure", "True"): "NodeHasDiskPressure",
    ("PIDPressure", "False"): "NodeHasSufficientPID",
    ("PIDPressure", "True"): "NodeHasInsufficientPID",
    ("Ready", "True"): "NodeReady",
    ("Ready", "False"): "NodeNotReady",
}


@dataclass(frozen=True)
class NodeSettings:
    """Everything about the Node that does not change while the kubelet runs."""

    name: str
    address: str
    port: int
    pod_cidr: str
    info: MachineInfo
    capacity: dict[str, str]
    allocatable: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(moment: datetime) -> str:
    """metav1.MicroTime: microseconds, UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_labels(settings: NodeSettings) -> dict[str, str]:
    info = settings.info
    return {"beta.kubernetes.io/arch": info.architecture,
            "beta.kubernetes.io/os": info.operating_system,
            "kubernetes.io/arch": info.architecture,
            "kubernetes.io/hostname": settings.name,
            "kubernetes.io/os": info.operating_system,
            **settings.labels}


def node_info(info: MachineInfo) -> Object:
    return {"architecture": info.architecture, "bootID": info.boot_id,
            "containerRuntimeVersion": RUNTIME_VERSION, "kernelVersion": info.kernel_version,
            "kubeProxyVersion": "", "kubeletVersion": KUBERNETES_VERSION,
            "machineID": info.machine_id, "operatingSystem": info.operating_system,
            "osImage": info.os_image, "systemUUID": info.system_uuid}


def node_status(settings: NodeSettings, conditions: list[Object]) -> Object:
    return {
        "capacity": dict(settings.capacity),
        "allocatable": dict(settings.allocatable),
        "conditions": conditions,
        "addresses": [{"type": "InternalIP", "address": settings.address},
                      {"type": "Hostname", "address": settings.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": settings.port}},
        "nodeInfo": node_info(settings.info),
    }


def node_object(settings: NodeSettings) -> Object:
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": settings.name, "labels": default_labels(settings),
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach":
                                         "true"}},
        "spec": {"podCIDR": settings.pod_cidr, "podCIDRs": [settings.pod_cidr]},
    }


def node_conditions(m: Measurements, not_ready: str | None) -> list[Object]:
    """The kubelet-owned conditions (without times) for these measurements; ``not_ready``
    is why the node is not ready, or None."""
    judged = {"MemoryPressure": memory_pressure(m), "DiskPressure": disk_pressure(m),
              "PIDPressure": pid_pressure(m)}
    out = []
    for kind, true_reason, true_message, false_reason, false_message in PRESSURE_CONDITIONS:
        if judged[kind]:
            out.append({"type": kind, "status": "True", "reason": true_reason,
                        "message": true_message})
        else:
            out.append({"type": kind, "status": "False", "reason": false_reason,
                        "message": false_message})
    if not_ready is None:
        out.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                    "message": "kubelet is posting ready status"})
    else:
        out.append({"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                    "message": not_ready})
    return out


def merge_conditions(new: list[Object], old: list[Object], now: str) -> list[Object]:
    """Stamp ``new`` with heartbeat ``now``, keeping each unchanged condition's transition
    time; conditions owned by others (in ``old`` only) are kept as they are."""
    by_type = {c.get("type"): c for c in old}
    mine = {c["type"] for c in new}
    out = [c for c in old if c.get("type") not in mine]
    for condition in new:
        previous = by_type.get(condition["type"])
        changed = previous is None or previous.get("status") != condition["status"]
        out.append({**condition, "lastHeartbeatTime": now,
                    "lastTransitionTime": now if changed else
                    previous.get("lastTransitionTime", now)})
    return out


def transitions(new: list[Object], old: list[Object]) -> list[str]:
    """Event reasons for conditions whose status differs from before."""
    before = {c.get("type"): c.get("status") for c in old}
    return [CONDITION_EVENTS[(c["type"], c["status"])] for c in new
            if before.get(c["type"]) != c["status"] and (c["type"], c["status"])
            in CONDITION_EVENTS]


def _without_heartbeats(conditions: list[Object]) -> list[Object]:
    return [{k: v for k, v in c.items() if k != "lastHeartbeatTime"} for c in conditions]


class NodeApi(Protocol):
    async def get(self, resource_type: Any, name: str, **kwargs: Any) -> Object: ...
    async def create(self, resource_type: Any, body: Any, **kwargs: Any) -> Object: ...
    async def replace(self, resource_type: Any, body: Any, **kwargs: Any) -> Object: ...
    async def patch(self, resource_type: Any, name: str, patch: Any, **kwargs: Any
                    ) -> Object: ...


class EventSink(Protocol):
    def event(self, obj: Object, event_type: str, reason: str, message: str,
              field_path: str | None = None) -> None: ...


class NodeAgent:
    def __init__(self, api: NodeApi, events: EventSink, settings: NodeSettings, *,
                 measure: Callable[[], Measurements],
                 not_ready: Callable[[], str | None] = lambda: None,
                 status_update: float = 10.0, status_report: float = 300.0,
                 lease_renew: float = 10.0,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] | None = None) -> None:
        self.api = api
        self.events = events
        self.settings = settings
        self.measure = measure
        self.not_ready = not_ready
        self.status_update = status_update
        self.status_report = status_report
        self.lease_renew = lease_renew
        self._now = now
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._node: Object | None = None
        self._last_report = float("-inf")
        self._lease: Object | None = None
        self.registered = asyncio.Event()

    @property
    def node(self) -> Object | None:
        return self._node

    def ref(self) -> Object:
        # Upstream's node events name the node's name as its uid.
        return {"kind": "Node", "apiVersion": "v1",
                "metadata": {"name": self.settings.name, "uid": self.settings.name}}

    async def register(self) -> Object:
        """Create or adopt the Node; retried with back-off until the apiserver answers."""
        delay = 0.5
        while True:
            try:
                node = await self._register_once()
                break
            except ClientError as e:
                log.warning("registering node %s failed (%s); retrying in %.1fs",
                            self.settings.name, e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 7.0)
        self._node = node
        self.events.event(self.ref(), "Normal", "Starting", "Starting kubelet.")
        self.events.event(self.ref(), "Normal", "NodeAllocatableEnforced",
                          "Updated Node Allocatable limit across pods")
        await self.update_status(force=True)
        try:
            await self.renew_lease()
        except ClientError as e:  # the lease loop tries again
            log.warning("node %s: creating the lease failed: %s", self.settings.name, e)
        self.registered.set()
        return node

    async def _register_once(self) -> Object:
        desired = node_object(self.settings)
        try:
            return await self.api.create(NODES, desired)
        except ApiError as e:
            if e.code != 409:
                raise
        existing = await self.api.get(NODES, self.settings.name)
        meta = existing.get("metadata") or {}
        patch: Object = {}
        labels = {k: v for k, v in desired["metadata"]["labels"].items()
                  if (meta.get("labels") or {}).get(k) != v}
        if labels:
            patch["metadata"] = {"labels": labels}
        if not (existing.get("spec") or {}).get("podCIDR"):
            patch["spec"] = desired["spec"]
        if patch:
            existing = await self.api.patch(NODES, self.settings.name, patch,
                                            patch_type="merge")
        return existing

    async def update_status(self, force: bool = False) -> bool:
        """Measure and publish the node status if it changed (or ``force``); True when
        written."""
        # Compare with the server's copy, as upstream's tryUpdateNodeStatus does: the node
        # lifecycle controller may have marked the node Unknown while this kubelet was
        # frozen or cut off, and that must be corrected at once, not at the next forced
        # report.
        self._node = await self.api.get(NODES, self.settings.name)
        old_conditions = list(((self._node or {}).get("status") or {}).get("conditions") or [])
        reason = self.not_ready()
        fresh = node_conditions(self.measure(), reason)
        stamp = rfc3339(self._now())
        conditions = merge_conditions(fresh, old_conditions, stamp)
        status = node_status(self.settings, conditions)
        old_status = (self._node or {}).get("status") or {}
        unchanged = _without_heartbeats(conditions) == _without_heartbeats(old_conditions) and \
            all(old_status.get(k) == v for k, v in status.items() if k != "conditions")
        due = self._monotonic() - self._last_report >= self.status_report
        if unchanged and not force and not due:
            return False
        node = await self.api.patch(NODES, self.settings.name, {"status": status},
                                    patch_type="merge", subresource="status")
        self._node = node
        self._last_report = self._monotonic()
        for event_reason in transitions(fresh, old_conditions):
            self.events.event(self.ref(), "Normal", event_reason,
                              f"Node {self.settings.name} status is now: {event_reason}")
        return True

    async def renew_lease(self) -> Object:
        now = micro_time(self._now())
        name = self.settings.name
        if self._lease is None:
            try:
                self._lease = await self.api.get(LEASES, name, namespace=LEASE_NAMESPACE)
            except ApiError as e:
                if e.code != 404:
                    raise
                owner = (self._node or {}).get("metadata") or {}
                body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": {"name": name, "namespace": LEASE_NAMESPACE,
                                     "ownerReferences": [{
                                         "apiVersion": "v1", "kind": "Node", "name": name,
                                         "uid": owner.get("uid", "")}]},
                        "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_DURATION,
                                 "renewTime": now}}
                self._lease = await self.api.create(LEASES, body, namespace=LEASE_NAMESPACE)
                return self._lease
        lease = copy.deepcopy(self._lease)
        lease["spec"] = {**(lease.get("spec") or {}), "holderIdentity": name,
                         "leaseDurationSeconds": LEASE_DURATION, "renewTime": now}
        try:
            self._lease = await self.api.replace(LEASES, lease, namespace=LEASE_NAMESPACE)
        except ApiError:
            self._lease = None  # stale or gone: read (or create) it afresh next time
            raise
        return self._lease

    async def run(self) -> None:
        """Register (if not yet), then keep the lease and the status fresh until cancelled."""
        if self._node is None:
            await self.register()
        await asyncio.gather(self._loop(self.renew_lease, self.lease_renew, "lease"),
                             self._loop(self.update_status, self.status_update, "status"))

    async def _loop(self, action: Callable[[], Any], period: float, what: str) -> None:
        # Registration did the first round. A little jitter keeps many nodes in one process
        # from renewing in lockstep.
        await asyncio.sleep(period + random.uniform(0, min(period, 1.0)))
        while True:
            try:
                await action()
            except ClientError as e:
                log.warning("node %s: %s update failed: %s", self.settings.name, what, e)
            except Exception:
                log.exception("node %s: %s update failed", self.settings.name, what)
            await asyncio.sleep(period)
