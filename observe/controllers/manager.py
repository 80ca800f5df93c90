"""Runs the selected controllers in one process over one shared informer factory.

The explicit name → factory table below is the only place controllers are wired up; the
entry point (:mod:`.main`) and in-process tests build a :class:`ControllerManager` from an
API client and :class:`~observe.controllers.options.ControllerOptions`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from observe.api.registry import Registry, default_registry
from observe.client.clock import Clock, LoopClock
from observe.client.informer import SharedInformerFactory
from observe.controllers.base import Controller, ControllerContext
from observe.controllers.cronjob import CronJobController
from observe.controllers.daemonset import DaemonSetController
from observe.controllers.deployment import DeploymentController
from observe.controllers.endpoints import EndpointsController
from observe.controllers.endpointslice import EndpointSliceController
from observe.controllers.garbagecollector import GarbageCollector
from observe.controllers.job import JobController
from observe.controllers.namespace import NamespaceController
from observe.controllers.nodelifecycle import NodeLifecycleController
from observe.controllers.options import ControllerOptions
from observe.controllers.podgc import PodGC
from observe.controllers.replicaset import ReplicaSetController
from observe.controllers.statefulset import StatefulSetController
from observe.controllers.ttlafterfinished import TTLAfterFinishedController

log = logging.getLogger("observe.controllers")

Factory = Callable[[ControllerContext, ControllerOptions], Controller]

FACTORIES: dict[str, Factory] = {
    "replicaset": lambda ctx, o: ReplicaSetController(
        ctx, workers=o.concurrent_replicaset_syncs),
    "deployment": lambda ctx, o: DeploymentController(
        ctx, workers=o.concurrent_deployment_syncs),
    "garbagecollector": lambda ctx, o: GarbageCollector(ctx, workers=o.concurrent_gc_syncs),
    "namespace": lambda ctx, o: NamespaceController(
        ctx, workers=o.concurrent_namespace_syncs),
    "nodelifecycle": lambda ctx, o: NodeLifecycleController(
        ctx, monitor_period=o.node_monitor_period, grace_period=o.node_monitor_grace_period,
        startup_grace_period=o.node_startup_grace_period),
    "podgc": lambda ctx, o: PodGC(ctx, threshold=o.terminated_pod_gc_threshold,
                                  period=o.pod_gc_period, quarantine=o.orphan_pod_quarantine),
    "endpoint": lambda ctx, o: EndpointsController(ctx, workers=o.concurrent_endpoint_syncs),
    "endpointslice": lambda ctx, o: EndpointSliceController(
        ctx, workers=o.concurrent_service_endpoint_syncs, max_endpoints=o.max_endpoints_per_slice),
    "job": lambda ctx, o: JobController(ctx, workers=o.concurrent_job_syncs,
                                        pod_failure_backoff=o.job_pod_failure_backoff),
    "ttl-after-finished": lambda ctx, o: TTLAfterFinishedController(
        ctx, workers=o.concurrent_ttl_after_finished_syncs),
    "cronjob": lambda ctx, o: CronJobController(ctx, workers=o.concurrent_cron_job_syncs),
    "daemonset": lambda ctx, o: DaemonSetController(ctx, workers=o.concurrent_daemonset_syncs),
    "statefulset": lambda ctx, o: StatefulSetController(
        ctx, workers=o.concurrent_statefulset_syncs),
}


class ControllerManager:
    """The controllers of one process: build, start, report readiness, stop."""

    def __init__(self, api: Any, options: ControllerOptions, *,
                 metrics: CollectorRegistry | None = None,
                 resources: Registry | None = None, clock: Clock | None = None) -> None:
        self.options = options
        self.factory = SharedInformerFactory(api)
        self.ctx = ControllerContext(api=api, factory=self.factory,
                                     resources=resources or default_registry(),
                                     metrics=metrics, clock=clock or LoopClock())
        self.controllers: dict[str, Controller] = {
            name: FACTORIES[name](self.ctx, options)
            for name in options.controllers if name in FACTORIES}

    def start(self) -> None:
        self.factory.start()
        for controller in self.controllers.values():
            controller.start()
        log.info("started controllers: %s", ", ".join(self.controllers))

    def not_ready_reason(self) -> str | None:
        """For ``/readyz``: None once every controller's informers have synced."""
        waiting = [name for name, c in self.controllers.items() if not c.has_synced]
        return f"informers not synced for {', '.join(waiting)}" if waiting else None

    async def wait_synced(self, timeout: float | None = None) -> bool:
        return await self.factory.wait_for_sync(timeout)

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.controllers.values()),
                             return_exceptions=True)
        await self.ctx.flush_events()
        await self.factory.shutdown()
