"""Hollow nodes (kubemark's HollowNode, kwok's idea): Nodes that register, renew their Lease
and report status like a real kubelet, and report every pod bound to them Running and Ready
at once without starting a process. One process hosts many of them
(``--hollow --hollow-nodes 1000 --node-name-prefix hollow-``) for scheduler and control-plane
benchmarks.

All hollow nodes of a process share one pod informer (all pods when there are several
nodes, ``spec.nodeName=<node>`` for one), one work queue and one HTTP endpoint (health,
metrics, ``/pods``); each has its own :class:`~observe.kubelet.node.NodeAgent`. A pod's
status comes from the same :func:`~observe.kubelet.status.pod_status` as a real pod's, fed
with made-up running containers (init containers completed). A pod being deleted is removed
at once (``gracePeriodSeconds=0``).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge

from observe.api.quantity import parse_quantity
from observe.api.registry import default_registry
from observe.client.config import ClientConfig
from observe.client.errors import ApiError, ClientError
from observe.client.events import EventRecorder
from observe.client.informer import SharedInformerFactory
from observe.client.rest import ApiClient
from observe.client.workqueue import ShutDown, WorkQueue
from observe.common.server import ComponentServer, health_app
from observe.kubelet import machine
from observe.kubelet.config import KubeletConfig
from observe.kubelet.images import ImageError, parse_reference
from observe.kubelet.node import NodeAgent, NodeSettings
from observe.kubelet.runtime.types import EXITED, RUNNING, ContainerStatus
from observe.kubelet.status import TERMINAL_PHASES, PodView, pod_status

log = logging.getLogger(__name__)

Object = dict[str, Any]
_REGISTRY = default_registry()
PODS = _REGISTRY.get("", "pods")
WORKERS = 16
REGISTRATION_CONCURRENCY = 32
# A healthy, roomy machine: hollow nodes never report pressure.
HEALTHY = machine.Measurements(memory_available=64 << 30, memory_total=64 << 30,
                               fs_available=500 << 30, fs_capacity=1000 << 30,
                               inodes_free=10_000_000, inodes=20_000_000, pids_max=4_194_304,
                               pids_used=100)


def node_names(config: KubeletConfig) -> list[str]:
    if config.hollow_nodes <= 1:
        return [config.node_name]
    prefix = config.node_name_prefix if config.node_name_prefix is not None \
        else f"{config.node_name}-"
    return [f"{prefix}{i}" for i in range(config.hollow_nodes)]


def node_cidrs(cidr: str, count: int) -> list[str]:
    """A sub-range of ``cidr`` per node (reused round-robin when the range is too small)."""
    network = ipaddress.ip_network(cidr, strict=False)
    extra = math.ceil(math.log2(count)) if count > 1 else 0
    prefix = min(network.prefixlen + extra, network.max_prefixlen - 2)
    subnets = list(network.subnets(new_prefix=prefix)) if prefix > network.prefixlen \
        else [network]
    return [str(subnets[i % len(subnets)]) for i in range(count)]


def fake_containers(pod: Object, started: float) -> list[ContainerStatus]:
    """Made-up runtime records: init containers completed, regular ones running."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    uid = meta.get("uid", "")
    out = []
    for init, key in ((True, "initContainers"), (False, "containers")):
        for container in spec.get(key) or []:
            name = container.get("name", "")
            cid = hashlib.sha256(f"{uid}/{name}".encode()).hexdigest()
            try:
                ref = parse_reference(container.get("image", ""))
                image, image_id = str(ref), f"{ref.repository}@sha256:{cid}"
            except ImageError:
                image, image_id = container.get("image", ""), ""
            out.append(ContainerStatus(
                id=cid, pod_uid=uid, pod_name=meta.get("name", ""),
                pod_namespace=meta.get("namespace", ""), name=name, attempt=0, image=image,
                image_id=image_id, spec_hash="", log_path="", init=init,
                state=EXITED if init else RUNNING, created_at=started, started_at=started,
                finished_at=started if init else None, exit_code=0 if init else None,
                reason="Completed" if init else ""))
    return out


def hollow_status(pod: Object, pod_ip: str, host_ip: str, now: float) -> Object:
    old = pod.get("status") or {}
    start_time = old.get("startTime") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    view = PodView(pod=pod, containers=fake_containers(pod, now), pod_ip=pod_ip,
                   host_ip=host_ip, start_time=start_time, sandbox_ready=True)
    return pod_status(view, old, now)


class _Addresses:
    """Hollow pod addresses: the next address of the node's range, wrapping around."""

    def __init__(self, cidr: str) -> None:
        network = ipaddress.ip_network(cidr, strict=False)
        self._hosts = max(network.num_addresses - 2, 1)
        self._base = network.network_address + 2
        self._next = 0
        self._by_uid: dict[str, str] = {}

    def get(self, uid: str) -> str:
        if uid not in self._by_uid:
            self._by_uid[uid] = str(self._base + self._next % self._hosts)
            self._next += 1
        return self._by_uid[uid]

    def release(self, uid: str) -> None:
        self._by_uid.pop(uid, None)


class HollowNodes:
    def __init__(self, config: KubeletConfig, client_config: ClientConfig) -> None:
        self.config = config
        self.client_config = client_config
        self.registry = CollectorRegistry()
        self.names = node_names(config)
        self.ready = False
        self.server: ComponentServer | None = None
        cidrs = node_cidrs(config.pod_cidr, len(self.names))
        self._cidrs = dict(zip(self.names, cidrs, strict=True))
        self._addresses = {n: _Addresses(c) for n, c in self._cidrs.items()}

    async def run(self, stop: asyncio.Event) -> None:
        config = self.config
        names = set(self.names)
        async with ApiClient(self.client_config, registry=self.registry) as api:
            factory = SharedInformerFactory(api)
            selector = f"spec.nodeName={self.names[0]}" if len(self.names) == 1 else None
            pods = factory.informer(PODS, field_selector=selector)
            queue = WorkQueue("hollow-kubelet", self.registry)

            def enqueue(pod: Object) -> None:
                if (pod.get("spec") or {}).get("nodeName") in names:
                    meta = pod["metadata"]
                    queue.add((meta.get("namespace"), meta.get("name")))

            pods.add_handler(on_add=enqueue, on_update=lambda _old, new: enqueue(new),
                             on_delete=lambda p: self._forget(p))
            running = Gauge("kubelet_running_pods", "Number of pods that have a running pod "
                            "sandbox", registry=self.registry)
            running.set_function(lambda: sum(
                1 for p in pods.list() if (p.get("spec") or {}).get("nodeName") in names
                and (p.get("status") or {}).get("phase") == "Running"))
            node_gauge = Gauge("kubelet_node_name", "The node's name. The count is always 1.",
                               ["node"], registry=self.registry)
            for name in self.names:
                node_gauge.labels(node=name).set(1)

            async def list_pods(request: web.Request) -> web.Response:
                items = [p for p in pods.list() if (p.get("spec") or {}).get("nodeName")
                         in names]
                return web.json_response({"kind": "PodList", "apiVersion": "v1",
                                          "metadata": {}, "items": items})

            app = health_app(self.registry, lambda: None if self.ready else "registering",
                             [web.get("/pods", list_pods)])
            self.server = ComponentServer(app, config.address, config.port)
            await self.server.start()
            agents = self._agents(api)
            limit = asyncio.Semaphore(REGISTRATION_CONCURRENCY)

            async def register(agent: NodeAgent) -> None:
                async with limit:
                    await agent.register()

            tasks: list[asyncio.Task[Any]] = []
            try:
                await asyncio.gather(*(register(a) for a in agents))
                log.info("%d hollow nodes registered; serving on %s:%d", len(agents),
                         config.address, self.server.port)
                factory.start()
                await factory.wait_for_sync()
                tasks = [asyncio.create_task(a.run(), name=f"hollow node {a.settings.name}")
                         for a in agents]
                tasks += [asyncio.create_task(self._worker(api, pods, queue))
                          for _ in range(WORKERS)]
                self.ready = True
                await stop.wait()
            finally:
                queue.shutdown()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await factory.shutdown()
                await self.server.stop()

    def _agents(self, api: ApiClient) -> list[NodeAgent]:
        info = machine.read_machine_info()
        cpus = self.config.cpu or "4"
        memory = self.config.memory or "16Gi"
        memory_bytes = parse_quantity(memory).value()
        storage = 100 << 30
        capacity = machine.node_capacity(cpus, memory_bytes, self.config.max_pods, storage)
        allocatable = machine.node_allocatable(cpus, memory_bytes, self.config.max_pods,
                                               storage)
        assert self.server is not None
        agents = []
        for name in self.names:
            recorder = EventRecorder(api, "kubelet", name)
            settings = NodeSettings(name=name, address=self.config.address,
                                    port=self.server.port, pod_cidr=self._cidrs[name],
                                    info=machine.for_node(info, name), capacity=capacity,
                                    allocatable=allocatable,
                                    labels={**self.config.labels,
                                            "observe.dev/hollow": "true"})
            agents.append(NodeAgent(api, recorder, settings, measure=lambda: HEALTHY,
                                    status_update=self.config.status_update_frequency,
                                    status_report=self.config.status_report_frequency,
                                    lease_renew=self.config.lease_renew_interval))
        return agents

    def _forget(self, pod: Object) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        if node in self._addresses:
            self._addresses[node].release(pod["metadata"].get("uid", ""))

    async def _worker(self, api: ApiClient, pods: Any, queue: WorkQueue) -> None:
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return
            try:
                await self._sync(api, pods, key)
                queue.forget(key)
            except ClientError as e:
                log.warning("hollow pod %s/%s: %s", key[0], key[1], e)
                queue.add_rate_limited(key)
            finally:
                queue.done(key)

    async def _sync(self, api: ApiClient, pods: Any, key: Sequence[str]) -> None:
        namespace, name = key
        pod = pods.get(namespace, name)
        if pod is None:
            return
        meta = pod["metadata"]
        node = (pod.get("spec") or {}).get("nodeName")
        if node not in self._addresses:
            return
        if meta.get("deletionTimestamp"):
            try:
                await api.delete(PODS, name, namespace=namespace, grace_period=0,
                                 preconditions={"uid": meta.get("uid", "")})
            except ApiError as e:
                if e.code not in (404, 409):
                    raise
            return
        status = pod.get("status") or {}
        if status.get("phase") in TERMINAL_PHASES or (
                status.get("phase") == "Running" and status.get("containerStatuses")):
            return
        new = hollow_status(pod, self._addresses[node].get(meta.get("uid", "")),
                            self.config.address, time.time())
        try:
            await api.patch(PODS, name, {"status": new}, namespace=namespace,
                            patch_type="merge", subresource="status")
        except ApiError as e:
            if e.code != 404:
                raise
