"""The scheduler's loop: informers in, bindings, Events and pod conditions out.

Sits on top of the package (see :mod:`observe.scheduler`). Informer handlers only update
the cache and the queue (and tell the queue what changed); a single loop pops one pod at a
time and runs a scheduling attempt (:mod:`.algorithm`) without yielding, so the cache cannot
change under it. A pod that fits is assumed onto its node in the cache and bound in a
background task, so the next pod is scheduled while the binding call is in flight; a pod
that does not fit gets a ``FailedScheduling`` Event, a ``PodScheduled=False`` condition
with reason ``Unschedulable`` and the same message, and goes back to the queue, which
retries it when the cluster changes in a way that may help, after its back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any

from observe.api import meta as m
from observe.api.podinfo import PodInfo
from observe.api.registry import Registry, default_registry
from observe.client.clock import Clock, LoopClock
from observe.client.errors import ApiError, ClientError
from observe.client.events import EventRecorder
from observe.client.informer import SharedInformerFactory
from observe.scheduler import clusterevents as ev
from observe.scheduler.algorithm import Algorithm, ScheduleResult
from observe.scheduler.cache import Cache
from observe.scheduler.config import SchedulerConfig
from observe.scheduler.eventsink import EventSink
from observe.scheduler.framework import (
    Code,
    CycleState,
    FitError,
    Framework,
    PluginFactory,
    Status,
)
from observe.scheduler.handle import ApiHandle
from observe.scheduler.metrics import ERROR, UNSCHEDULABLE, SchedulerMetrics
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.registry import in_tree_registry
from observe.scheduler.queue import QueuedPodInfo, SchedulingQueue, ShutDown

log = logging.getLogger(__name__)

# Terminal pods hold nothing on a node; upstream's pod informer leaves them out the same way.
POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"
REASON_UNSCHEDULABLE = "Unschedulable"
REASON_SCHEDULER_ERROR = "SchedulerError"
# Event notes are limited to 1 KiB (validation.NoteLengthLimit).
NOTE_LENGTH_LIMIT = 1024


def truncate_message(message: str) -> str:
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    suffix = " ..."
    return message[: NOTE_LENGTH_LIMIT - len(suffix)] + suffix


def scheduled_condition_patch(pod: dict[str, Any], reason: str, message: str,
                              nominated: str | None, now: str) -> dict[str, Any] | None:
    """The status patch recording a failed attempt, or None when it would change nothing
    (upstream's ``updatePod``: the condition keeps its transition time while its status
    stays False)."""
    status = pod.get("status") or {}
    current = next((c for c in status.get("conditions") or []
                    if isinstance(c, dict) and c.get("type") == "PodScheduled"), None)
    nominate = nominated is not None and (status.get("nominatedNodeName") or "") != nominated
    if (current is not None and current.get("status") == "False"
            and current.get("reason") == reason and current.get("message") == message
            and not nominate):
        return None
    transition = now
    if current is not None and current.get("status") == "False":
        transition = current.get("lastTransitionTime") or now
    patch: dict[str, Any] = {"conditions": [{
        "type": "PodScheduled", "status": "False", "lastProbeTime": None,
        "lastTransitionTime": transition, "reason": reason, "message": message}]}
    if nominate:
        patch["nominatedNodeName"] = nominated or None  # null clears it
    return {"status": patch}


class Scheduler:
    def __init__(
        self,
        api: Any,
        config: SchedulerConfig | None = None,
        *,
        factory: SharedInformerFactory | None = None,
        metrics: SchedulerMetrics | None = None,
        clock: Clock | None = None,
        registry: dict[str, PluginFactory] | None = None,
        resources: Registry | None = None,
        randrange: Callable[[int], int] = random.randrange,
    ) -> None:
        self.api = api
        self.config = config = config or SchedulerConfig()
        self.metrics = metrics
        self.clock = clock or LoopClock()
        resources = resources or default_registry()
        self._pods_type = resources.get("", "pods")
        self.factory = factory or SharedInformerFactory(api)
        self.pods = self.factory.informer(self._pods_type, field_selector=POD_FIELD_SELECTOR)
        self.nodes = self.factory.informer(resources.get("", "nodes"))
        self.namespaces = self.factory.informer(resources.get("", "namespaces"))
        services = self.factory.informer(resources.get("", "services"))
        owners = {"ReplicaSet": self.factory.informer(resources.get("apps", "replicasets")),
                  "StatefulSet": self.factory.informer(resources.get("apps", "statefulsets"))}
        self.events = EventSink(lambda: EventRecorder(api, config.scheduler_name),
                                limit=config.event_limit)
        self.cache = Cache()
        self.handle = ApiHandle(api, self._pods_type, self.cache.snapshot, self.events,
                                config.scheduler_name, services=services, owners=owners)
        self.framework = Framework(config.profile, registry or in_tree_registry(), self.handle)
        self.queue = SchedulingQueue(
            sort_key=self.framework.sort_key, pre_enqueue=self.framework.run_pre_enqueue,
            hints=self.framework.events_to_register(), clock=self.clock,
            initial_backoff=config.pod_initial_backoff_seconds,
            max_backoff=config.pod_max_backoff_seconds,
            max_in_unschedulable=config.pod_max_in_unschedulable_seconds, metrics=metrics)
        if metrics is not None:
            metrics.watch_queue(self.queue.pending, self.queue.rejections)
        self.algorithm = Algorithm(self.framework, self.cache,
                                   percentage_of_nodes_to_score=config.percentage_of_nodes_to_score,
                                   randrange=randrange)
        self._binding_slots = asyncio.Semaphore(config.max_concurrent_bindings)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._synced = False
        self._register_handlers()

    # -- readiness ---------------------------------------------------------------------------

    def not_ready(self) -> str | None:
        """Why the scheduler is not ready yet (for ``/readyz``), or None."""
        return None if self._synced else "informers have not synced"

    # -- informer handlers -------------------------------------------------------------------

    def _register_handlers(self) -> None:
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.nodes.add_handler(self._node_added, self._node_updated, self._node_deleted)
        self.namespaces.add_handler(self.cache.set_namespace,
                                    lambda old, new: self.cache.set_namespace(new),
                                    self._namespace_deleted)

    def _responsible(self, pod: PodInfo) -> bool:
        return pod.scheduler_name == self.config.scheduler_name

    def _pod_added(self, obj: dict[str, Any]) -> None:
        pod = PodInfo(obj)
        if pod.node_name:
            if not pod.terminated:
                self.cache.add_pod(pod)
                self.queue.move_all(ev.ASSIGNED_POD_ADD, None, pod)
        elif self._responsible(pod) and not pod.terminated:
            self.framework.nominator.update(pod)
            self.queue.add(pod)

    def _pod_updated(self, old_obj: dict[str, Any], new_obj: dict[str, Any]) -> None:
        new = PodInfo(new_obj)
        uid = new.uid
        if new.node_name:
            self.queue.delete(uid)
            self.framework.nominator.remove(uid)
            if new.terminated:
                self._assigned_pod_gone(uid)
                return
            before = None if self.cache.is_assumed(uid) else self.cache.pod(uid)
            self.cache.update_pod(new)
            if before is None:  # newly bound (by us or anyone): it now takes room
                self.queue.move_all(ev.ASSIGNED_POD_ADD, None, new)
                return
            for event in ev.assigned_pod_update_events(before, new):
                self.queue.move_all(event, before, new)
            return
        if not self._responsible(new) or self.cache.is_assumed(uid):
            return  # an older version of a pod being bound
        if new.terminated:
            self.queue.delete(uid)
            self.framework.nominator.remove(uid)
            return
        self.framework.nominator.update(new)
        queued = self.queue.get(uid)
        self.queue.update(queued.pod if queued is not None else None, new)

    def _pod_deleted(self, obj: dict[str, Any]) -> None:
        uid = str((obj.get("metadata") or {}).get("uid") or "")
        self.queue.delete(uid)
        self.framework.nominator.remove(uid)
        self._assigned_pod_gone(uid)

    def _assigned_pod_gone(self, uid: str) -> None:
        gone = self.cache.remove_pod(uid)
        if gone is not None:
            self.queue.move_all(ev.ASSIGNED_POD_DELETE, gone, None)

    def _node_added(self, obj: dict[str, Any]) -> None:
        self.cache.add_node(obj)
        if self.queue.has_waiting():
            self.queue.move_all(ev.NODE_ADD, None, NodeInfo(obj))

    def _node_updated(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.cache.update_node(new)
        changes = ev.node_update_events(old, new)
        if changes and self.queue.has_waiting():
            old_info, new_info = NodeInfo(old), NodeInfo(new)
            for event in changes:
                self.queue.move_all(event, old_info, new_info)

    def _node_deleted(self, obj: dict[str, Any]) -> None:
        self.cache.remove_node(str((obj.get("metadata") or {}).get("name") or ""))
        if self.queue.has_waiting():
            self.queue.move_all(ev.NODE_DELETE, NodeInfo(obj), None)

    def _namespace_deleted(self, obj: dict[str, Any]) -> None:
        self.cache.remove_namespace(str((obj.get("metadata") or {}).get("name") or ""))

    # -- running -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Sync the informers, then schedule until cancelled or :meth:`stop`."""
        self.factory.start()
        await self.factory.wait_for_sync()
        self._synced = True
        flusher = asyncio.create_task(self.queue.run(), name="scheduling-queue-flush")
        try:
            while True:
                try:
                    await self.schedule_one()
                except ShutDown:
                    return
                # One attempt runs without yielding; let informers and bindings through.
                await asyncio.sleep(0)
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    def stop(self) -> None:
        self.queue.close()

    async def shutdown(self) -> None:
        """Stop scheduling and wait for bindings and writes in flight."""
        self.stop()
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        await self.events.flush()
        await self.factory.shutdown()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def schedule_one(self) -> None:
        queued = await self.queue.pop()
        pod = queued.pod
        if pod.terminating or self.cache.pod(pod.uid) is not None:
            self.queue.done(pod.uid)  # being deleted, or already placed (assumed or bound)
            return
        start = self.clock.now()
        state = CycleState()
        try:
            result = self.algorithm.schedule_pod(state, pod)
        except Exception as e:  # a plugin bug must cost one attempt, not the scheduler
            log.exception("scheduling %s failed", pod.key)
            result = Status(Code.ERROR, f"running scheduling plugins: {e}")
        if self.metrics is not None:
            self.metrics.algorithm_duration.observe(self.clock.now() - start)
        if isinstance(result, ScheduleResult):
            assumed = self.cache.assume_pod(pod, result.suggested_host)
            await self._binding_slots.acquire()
            self._spawn(self._bind(queued, assumed, state, start))
            return
        await self._handle_failure(queued, state, result, start)

    async def _bind(self, queued: QueuedPodInfo, assumed: PodInfo, state: CycleState,
                    start: float) -> None:
        try:
            try:
                status = await self.framework.run_bind(state, assumed, assumed.node_name)
            except Exception as e:  # a bind plugin's bug must not strand an assumed pod
                log.exception("binding %s failed", assumed.key)
                status = Status(Code.ERROR, f"binding: {e}")
            if status is not None:
                self.cache.forget_pod(assumed.uid)
                await self._handle_failure(queued, state, status, start, nominated="")
                self.queue.move_all(ev.ASSIGNED_POD_DELETE, assumed, None)
                return
            self.cache.finish_binding(assumed.uid)
            now = self.clock.now()
            if self.metrics is not None:
                first = queued.initial_attempt_timestamp
                self.metrics.scheduled(now - start, queued.attempts,
                                       None if first is None else now - first)
            self.events.emit(assumed.pod, "Normal", "Scheduled",
                             f"Successfully assigned {assumed.namespace}/{assumed.name} "
                             f"to {assumed.node_name}")
            self.queue.done(assumed.uid)
        finally:
            self._binding_slots.release()

    async def _handle_failure(self, queued: QueuedPodInfo, state: CycleState,
                              failure: FitError | Status, start: float,
                              nominated: str | None = None) -> None:
        """Report a failed attempt and requeue the pod. ``nominated`` is the node to
        nominate for it ("" clears a nomination, None leaves it)."""
        pod = queued.pod
        if isinstance(failure, FitError):
            diagnosis = failure.diagnosis
            if self.framework.post_filter_plugins:
                if self.metrics is not None:
                    self.metrics.preemption_attempts.inc()
                nominated, status = await self.framework.run_post_filter(
                    state, pod, diagnosis.node_to_status)
                if status is not None and status.code != Code.SUCCESS:
                    diagnosis.post_filter_msg = status.message
            queued.unschedulable_plugins = set(diagnosis.unschedulable_plugins)
            queued.pending_plugins = set(diagnosis.pending_plugins)
            reason, message, result = REASON_UNSCHEDULABLE, failure.message, UNSCHEDULABLE
        else:
            # Not a verdict on the pod (an error, or no nodes at all): with no rejecting
            # plugins on record the queue retries it after its back-off.
            queued.unschedulable_plugins = set()
            queued.pending_plugins = set()
            rejected = failure.is_rejected
            reason = REASON_UNSCHEDULABLE if rejected else REASON_SCHEDULER_ERROR
            message = failure.message
            result = UNSCHEDULABLE if rejected else ERROR
        if self.metrics is not None:
            self.metrics.attempt(result, self.clock.now() - start)
        if nominated is not None:
            self.framework.nominator.add(pod, nominated)
        current = self.pods.get(pod.namespace, pod.name)
        current_info = pod
        if current is None or (current.get("spec") or {}).get("nodeName"):
            self.queue.done(pod.uid)  # deleted, or bound by someone else meanwhile
        else:
            if current is not pod.pod:
                current_info = queued.pod = PodInfo(current)
            self.queue.add_unschedulable(queued)
        log.info("unable to schedule %s: %s", pod.key, message)
        self.events.emit(current_info.pod, "Warning", "FailedScheduling",
                         truncate_message(message))
        if current is not None:
            self._spawn(self._record_condition(current, reason, message, nominated))

    async def _record_condition(self, pod: dict[str, Any], reason: str, message: str,
                                nominated: str | None) -> None:
        patch = scheduled_condition_patch(pod, reason, message, nominated,
                                          m.rfc3339(m.now()))
        if patch is None:
            return
        meta = pod.get("metadata") or {}
        try:
            await self.api.patch(self._pods_type, meta.get("name"), patch,
                                 namespace=meta.get("namespace"), subresource="status")
        except ApiError as e:
            if e.code != 404:
                log.warning("could not update the condition of %s/%s: %s",
                            meta.get("namespace"), meta.get("name"), e)
        except ClientError as e:
            log.warning("could not update the condition of %s/%s: %s",
                        meta.get("namespace"), meta.get("name"), e)
