"""The kubelet assembled: one node agent, the pods bound to it, and the node API.

:class:`Kubelet` builds every part from a :class:`~observe.kubelet.config.KubeletConfig` and
runs them in one event loop:

- the node agent registers the Node and keeps its status and Lease fresh;
- a pod informer (``fieldSelector=spec.nodeName=<node>``) and a service informer (for
  service-link variables); their handlers only wake the pod's worker;
- the PLEG: every second the runtime is asked which pods' containers changed state, and
  those pods' workers are woken;
- the pod workers (:mod:`.podworkers`) run :meth:`.podsync.PodSyncer.sync`;
- the node API and ``/healthz``, ``/readyz``, ``/metrics`` on ``--address:--port``.

At start every pod the node has traces of (running containers, directories) is synced once
the informer has listed, so running containers are re-adopted and leftovers of pods deleted
meanwhile are cleaned up. Stopping the kubelet leaves containers running.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry

from observe.api.quantity import parse_quantity
from observe.api.registry import default_registry
from observe.client.config import ClientConfig
from observe.client.events import EventRecorder
from observe.client.informer import SharedInformerFactory
from observe.client.rest import ApiClient
from observe.common.server import ComponentServer, health_app
from observe.kubelet import machine
from observe.kubelet.cadvisorsource import CadvisorSource, machine_facts
from observe.kubelet.config import KubeletConfig
from observe.kubelet.images import ImageCatalog
from observe.kubelet.ipam import PodAddresses
from observe.kubelet.layout import Layout
from observe.kubelet.metrics import KubeletMetrics
from observe.kubelet.node import NodeAgent, NodeSettings
from observe.kubelet.podsync import NodeContext, PodSyncer, object_fetcher
from observe.kubelet.podworkers import PodWorkers
from observe.kubelet.probes import ProbeManager
from observe.kubelet.runtime import cgroups, namespaces
from observe.kubelet.runtime.process import ProcessRuntime
from observe.kubelet.server import NodeHandlers
from observe.kubelet.stats import SAMPLE_PERIOD, StatsProvider
from observe.kubelet.volumes import VolumeManager

log = logging.getLogger(__name__)

Object = dict[str, Any]
_REGISTRY = default_registry()
PODS = _REGISTRY.get("", "pods")
SERVICES = _REGISTRY.get("", "services")
PLEG_PERIOD = 1.0
PLEG_UNHEALTHY_AFTER = 180.0  # upstream's relist threshold


def node_resources(config: KubeletConfig, info: machine.MachineInfo
                   ) -> tuple[dict[str, str], dict[str, str]]:
    cpus = config.cpu or str(info.cpus)
    memory = parse_quantity(config.memory).value() if config.memory else info.memory_bytes
    storage = machine.storage_bytes(str(config.root_dir))
    return (machine.node_capacity(cpus, memory, config.max_pods, storage),
            machine.node_allocatable(cpus, memory, config.max_pods, storage))


def uid_of(obj: Object) -> str:
    return (obj.get("metadata") or {}).get("uid", "")


class Kubelet:
    def __init__(self, config: KubeletConfig, client_config: ClientConfig) -> None:
        self.config = config
        self.client_config = client_config
        self.registry = CollectorRegistry()
        self.ready = False
        self._last_relist = time.monotonic()
        self.server: ComponentServer | None = None

    def not_ready(self) -> str | None:
        """Why the node is not Ready (upstream's wording), or None."""
        stale = time.monotonic() - self._last_relist
        if stale > PLEG_UNHEALTHY_AFTER:
            return f"PLEG is not healthy: pleg was last seen active {stale:.0f}s ago"
        return None

    async def run(self, stop: asyncio.Event, started: Callable[[Kubelet], None] | None = None
                  ) -> None:
        config = self.config
        layout = Layout(config.root_dir)
        layout.create()
        info = machine.for_node(machine.read_machine_info(), config.node_name)
        capacity, allocatable = node_resources(config, info)
        driver = cgroups.detect(config.node_name)
        can_namespace = namespaces.supported()
        runtime = ProcessRuntime(layout, python=sys.executable, cgroup_driver=driver,
                                 namespaces=can_namespace, log_max_size=config.log_max_size,
                                 log_max_files=config.log_max_files)
        async with ApiClient(self.client_config, registry=self.registry) as api:
            recorder = EventRecorder(api, "kubelet", config.node_name)
            factory = SharedInformerFactory(api)
            pods = factory.informer(PODS, field_selector=f"spec.nodeName={config.node_name}")
            services = factory.informer(SERVICES)
            metrics = KubeletMetrics(self.registry, config.node_name, runtime.containers)

            def lookup(uid: str) -> Object | None:
                return next((p for p in pods.list() if uid_of(p) == uid), None)

            # Probe results wake pod workers, which sync with the probes' results: the
            # workers are created last and reached late through this function.
            def wake(uid: str) -> None:
                workers.wake(uid)

            probes = ProbeManager(runtime, recorder.event, wake, time.time)
            images = ImageCatalog(layout.images, python=sys.executable,
                                  catalog_file=config.image_catalog)
            syncer = PodSyncer(
                node=NodeContext(config.node_name, config.address, allocatable, can_namespace),
                layout=layout, runtime=runtime, images=images, api=api, events=recorder,
                probes=probes, addresses=PodAddresses(layout, config.pod_cidr),
                volumes=VolumeManager(layout, object_fetcher(api), allocatable),
                lookup=lookup, services=services.list, metrics=metrics)
            workers = PodWorkers(syncer.sync)
            pods.add_handler(on_add=lambda p: workers.wake(uid_of(p)),
                             on_update=lambda _old, new: workers.wake(uid_of(new)),
                             on_delete=lambda p: workers.wake(uid_of(p)))

            stats = StatsProvider(config.node_name, layout, runtime, pods.list)
            cadvisor = CadvisorSource(config.node_name, layout, runtime, machine_facts(info))
            handlers = NodeHandlers(pods.list, runtime, stats, cadvisor)
            app = health_app(self.registry, lambda: None if self.ready else "starting",
                             handlers.routes())
            self.server = ComponentServer(app, config.address, config.port)
            await self.server.start()
            log.info("kubelet %s serving the node API on %s:%d (cgroups: %s, namespaces: %s)",
                     config.node_name, config.address, self.server.port,
                     f"v{driver.version}" if driver else "none", can_namespace)

            agent = NodeAgent(api, recorder, NodeSettings(
                name=config.node_name, address=config.address, port=self.server.port,
                pod_cidr=config.pod_cidr, info=info, capacity=capacity,
                allocatable=allocatable, labels=config.labels),
                measure=lambda: machine.measure(str(config.root_dir)),
                not_ready=self.not_ready, status_update=config.status_update_frequency,
                status_report=config.status_report_frequency,
                lease_renew=config.lease_renew_interval)
            tasks: list[asyncio.Task[Any]] = []
            try:
                await agent.register()
                if driver is None:
                    recorder.event(agent.ref(), "Warning", "CgroupsUnavailable",
                                   "no writable cgroup hierarchy: container memory and CPU "
                                   "limits are not enforced and usage is measured with psutil "
                                   "over each container's process tree")
                factory.start()
                await factory.wait_for_sync()
                for uid in syncer.known_uids():
                    workers.wake(uid)
                tasks = [asyncio.create_task(agent.run(), name="node agent"),
                         asyncio.create_task(self._every(PLEG_PERIOD, lambda: self._relist(
                             runtime, workers)), name="pleg"),
                         asyncio.create_task(self._every(SAMPLE_PERIOD, stats.sample),
                                             name="stats sampler")]
                self.ready = True
                if started is not None:
                    started(self)
                await stop.wait()
            finally:
                log.info("kubelet %s stopping (containers keep running)", config.node_name)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await workers.stop()
                await probes.close()
                await syncer.close()
                await factory.shutdown()
                await self.server.stop()
                if driver is not None:
                    driver.release()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(recorder.flush(), 5)

    async def _relist(self, runtime: ProcessRuntime, workers: PodWorkers) -> None:
        for uid in runtime.changed():
            workers.wake(uid)
        self._last_relist = time.monotonic()

    @staticmethod
    async def _every(period: float, action: Callable[[], Awaitable[Any] | None]) -> None:
        while True:
            try:
                result = action()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("periodic task failed")
            await asyncio.sleep(period)
