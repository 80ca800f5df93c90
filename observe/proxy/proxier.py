"""The proxier: informers on Services and EndpointSlices → one sync → listeners and routes.

Like kube-proxy's ``syncProxyRules``, work is level-triggered and coalesced: informer
handlers only count the change (``kubeproxy_sync_proxy_rules_*_changes``) and wake the sync
loop; a sync recomputes the whole table from the caches (:func:`~.table.build_table`), hands
each Service port's balancer its ready endpoints, opens the listeners now wanted, re-points
the ones that stay, and closes (draining) the ones no longer wanted. A listener that cannot
be opened — the port is held by another process, the address is not available — is logged,
counted, reported once as a ``FailedToStartServiceListener`` Warning event on its Service,
and tried again on later syncs; the proxy keeps serving everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from observe.api import meta as m
from observe.api.registry import Registry, default_registry
from observe.client.cache import Object
from observe.client.events import WARNING, EventRecorder
from observe.client.informer import SharedInformerFactory
from observe.proxy.balancer import Balancer
from observe.proxy.forwarder import Route, TcpListener
from observe.proxy.metrics import ProxyMetrics
from observe.proxy.table import (
    TRIGGER_TIME,
    ListenKey,
    ServicePortName,
    build_table,
    desired_listeners,
)

log = logging.getLogger("observe.proxy")

DRAIN_TIMEOUT = 30.0
# kube-proxy's --iptables-sync-period: a full sync at least this often, changes or not.
SYNC_PERIOD = 30.0
# How soon a listener that could not be opened is tried again.
RETRY_PERIOD = 1.0
LISTENER_FAILED = "FailedToStartServiceListener"


class Proxier:
    def __init__(self, api: Any, factory: SharedInformerFactory, *, node_name: str,
                 node_address: str, metrics: ProxyMetrics, drain_timeout: float = DRAIN_TIMEOUT,
                 sync_period: float = SYNC_PERIOD,
                 resources: Registry | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        resources = resources or default_registry()
        self.node_name = node_name
        self.node_address = node_address
        self.metrics = metrics
        self.drain_timeout = drain_timeout
        self.sync_period = sync_period
        self.clock = clock
        self.recorder = EventRecorder(api, "kube-proxy", host=node_name)
        services_type = resources.get("", "services")
        slices_type = resources.get("discovery.k8s.io", "endpointslices")
        assert services_type is not None and slices_type is not None
        self.services = factory.informer(services_type)
        self.slices = factory.informer(slices_type)
        self.services.add_handler(self._service_changed,
                                  lambda old, new: self._service_changed(new),
                                  self._service_changed)
        self.slices.add_handler(self._slice_changed, lambda old, new: self._slice_changed(new),
                                self._slice_changed)
        self.listeners: dict[ListenKey, TcpListener] = {}
        self.routes: dict[ServicePortName, Route] = {}
        self._failed: dict[ListenKey, str] = {}
        self._pending_triggers: list[float] = []
        self._dirty = asyncio.Event()
        self._synced_once = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    # -- informer handlers: count and wake the loop --------------------------------------------

    def _wake(self) -> None:
        self.metrics.sync_last_queued_timestamp.set(time.time())
        self._dirty.set()

    def _service_changed(self, service: Object) -> None:
        self.metrics.service_changes.inc()
        self._wake()

    def _slice_changed(self, slice_: Object) -> None:
        self.metrics.endpoint_changes.inc()
        stamp = m.parse_time(((slice_.get("metadata") or {}).get("annotations") or {})
                             .get(TRIGGER_TIME))
        if stamp is not None:
            self._pending_triggers.append(stamp.timestamp())
        self._wake()

    # -- running -------------------------------------------------------------------------------

    def not_ready_reason(self) -> str | None:
        if not (self.services.has_synced and self.slices.has_synced):
            return "informers not synced"
        if not self._synced_once.is_set():
            return "proxy rules not synced yet"
        return None

    def start(self) -> asyncio.Task[None]:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="proxier")
        return self._task

    async def wait_synced(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._synced_once.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        await asyncio.gather(self.services.wait_synced(), self.slices.wait_synced())
        while True:
            self._dirty.clear()
            try:
                await self.sync()
                retry = bool(self._failed)
            except Exception:
                log.exception("syncing proxy rules failed; retrying")
                retry = True
            self._synced_once.set()
            period = RETRY_PERIOD if retry else self.sync_period
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), period)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.gather(*(lst.close(0) for lst in self.listeners.values()),
                             *self._closing, return_exceptions=True)
        self.listeners.clear()
        await self.recorder.flush()

    # -- one sync ------------------------------------------------------------------------------

    async def sync(self) -> None:
        started = self.clock()
        table = build_table(self.services.list(), self.slices.list())
        for name, port in table.items():
            route = self.routes.get(name)
            if route is None:
                route = self.routes[name] = Route(name, Balancer(self.clock), self.metrics)
            route.balancer.update(port.endpoints, port.affinity_timeout)
        for name in [n for n in self.routes if n not in table]:
            del self.routes[name]
        wanted = desired_listeners(table, self.node_address)
        for key in [k for k in self.listeners if k not in wanted]:
            self._close(key)
        for key, name in wanted.items():
            listener = self.listeners.get(key)
            if listener is not None:
                listener.route = self.routes[name]
            else:
                await self._open(key, self.routes[name])
        for key in [k for k in self._failed if k not in wanted]:
            del self._failed[key]
        self.metrics.sync_duration.observe(self.clock() - started)
        now = time.time()
        self.metrics.sync_last_timestamp.set(now)
        for trigger in self._pending_triggers:
            self.metrics.network_programming.observe(max(0.0, now - trigger))
        self._pending_triggers.clear()

    async def _open(self, key: ListenKey, route: Route) -> None:
        listener = TcpListener(key, route)
        try:
            await listener.start()
        except OSError as e:
            reason = os.strerror(e.errno).lower() if e.errno else str(e)
            message = f"listen tcp {key.address}:{key.port}: bind: {reason}"
            if self._failed.get(key) != message:
                self._failed[key] = message
                log.warning("%s: cannot serve %s: %s", route.service, key, message)
                route.counter("listener_errors").inc()
                self._report(route.service, message)
            return
        self._failed.pop(key, None)
        self.listeners[key] = listener
        log.info("%s: listening on %s", route.service, key)

    def _close(self, key: ListenKey) -> None:
        listener = self.listeners.pop(key)
        log.info("%s: closing %s (draining %d connections)", listener.route.service, key,
                 listener.active)
        task = asyncio.get_running_loop().create_task(listener.close(self.drain_timeout))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _report(self, name: ServicePortName, message: str) -> None:
        service = self.services.get(name.namespace, name.name)
        if service is not None:
            self.recorder.event(service, WARNING, LISTENER_FAILED,
                                f"Failed to start listener for service port {name}: {message}")
