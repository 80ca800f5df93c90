"""The loop every controller shares, shaped like client-go controllers.

A controller subclasses :class:`Controller`: in :meth:`~Controller.register` it asks the
shared informer factory (one per process, :class:`ControllerContext`) for the informers it
needs and maps their events to keys — its own objects by ``namespace/name``, dependents to
their controlling owner through :meth:`~Controller.owner_key` — and it implements
``async sync(key)``. The base gives it a :class:`~observe.client.workqueue.WorkQueue` named
after it (so ``workqueue_*`` metrics carry ``name="replicaset"``), waits for its informers'
first list, then runs N workers: each pops a key, awaits ``sync``, and on success forgets the
key's back-off, on failure logs and re-queues it rate-limited. Handlers only enqueue; the
sync re-reads the cache and is level-triggered, so a key may be synced any number of times.
Controllers that create or delete what their own informers will show them record it in
:class:`~observe.controllers.expectations.Expectations` first, so a sync that runs before the
cache catches up does not act twice; :meth:`~Controller.claim` adopts and releases dependents.

Controllers that must act on time alone (node heartbeats, pod GC) set ``tick_period`` and
override :meth:`~Controller.tick`, which runs on the injectable clock and normally enqueues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from prometheus_client import CollectorRegistry

from observe.api import meta as m
from observe.api.registry import Registry, ResourceType
from observe.api.selectors import label_selector_from_dict
from observe.client.cache import Object, object_key
from observe.client.clock import Clock, LoopClock
from observe.client.errors import ApiError, ClientError
from observe.client.events import EventRecorder
from observe.client.informer import Informer, SharedInformerFactory
from observe.client.workqueue import WorkQueue
from observe.controllers.expectations import Expectations
from observe.controllers.ownership import (
    Claim,
    adopt_patch,
    claim_action,
    controller_of,
    release_patch,
)

# How long a controller waits for its informers' first list before it starts anyway; the
# apiserver may be down at start, and the informers keep retrying behind the workers.
SYNC_WAIT_SECONDS = 60.0


@dataclass
class ControllerContext:
    """What every controller in one process shares; built once by the entry point."""

    api: Any
    """The :class:`~observe.client.rest.ApiClient` (or a fake with the same verbs)."""

    factory: SharedInformerFactory
    """The one informer factory: controllers asking for the same collection share a cache."""

    resources: Registry
    """Resource types by group and plural, for informers and for the garbage collector."""

    metrics: CollectorRegistry | None = None
    """Where work queues register their ``workqueue_*`` metrics."""

    clock: Clock = field(default_factory=LoopClock)
    """Monotonic time for queues, delays and periodic work."""

    now: Callable[[], datetime] = m.now
    """Wall-clock time for timestamps written into objects (conditions, taints)."""

    _recorders: dict[str, EventRecorder] = field(default_factory=dict, repr=False)

    def recorder(self, component: str) -> EventRecorder:
        """The event recorder writing as ``component`` (``source.component`` of Events)."""
        if component not in self._recorders:
            self._recorders[component] = EventRecorder(self.api, component)
        return self._recorders[component]

    def resource(self, group: str, plural: str) -> ResourceType:
        rt = self.resources.get(group, plural)
        if rt is None:
            raise LookupError(f"the registry has no {plural}.{group}")
        return rt

    async def flush_events(self) -> None:
        for recorder in list(self._recorders.values()):
            await recorder.flush()


class RetryLater(Exception):
    """A sync that cannot finish yet for a known, ordinary reason (an owner being deleted, a
    name collision): retried with back-off and logged without a traceback."""


def is_not_found(error: BaseException) -> bool:
    return isinstance(error, ApiError) and error.code == 404


def namespace_terminating(error: BaseException) -> bool:
    """The create was refused because its namespace is being deleted: nothing to retry."""
    return isinstance(error, ApiError) and error.code == 403 and \
        "being terminated" in error.message


class Controller(ABC):
    """One reconcile loop: informers → keys → work queue → workers → :meth:`sync`."""

    name: ClassVar[str]
    """The name ``--controllers`` selects it by."""

    queue_name: ClassVar[str] = ""
    """The work queue's metrics name (upstream's); ``name`` when empty."""

    component: ClassVar[str] = ""
    """``source.component`` of the Events it records."""

    def __init__(self, ctx: ControllerContext, *, workers: int = 1) -> None:
        self.ctx = ctx
        self.workers = max(1, workers)
        self.queue = WorkQueue(self.queue_name or self.name, ctx.metrics, clock=ctx.clock)
        self.log = logging.getLogger(f"observe.controllers.{self.name}")
        self.tick_period: float | None = None
        self._queues: list[tuple[WorkQueue, Callable[[str], Awaitable[None]]]] = [
            (self.queue, self.sync)]
        self._informers: list[Informer] = []
        self._task: asyncio.Task[None] | None = None
        self.register()

    # -- what a controller provides ------------------------------------------------------------

    @abstractmethod
    def register(self) -> None:
        """Ask for informers (:meth:`informer`) and attach handlers that enqueue keys."""

    @abstractmethod
    async def sync(self, key: str) -> None:
        """Bring the world in line for ``key``; raise to be retried with back-off."""

    def tick(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Called every ``tick_period`` seconds once the informers have synced."""

    # -- helpers for register() ----------------------------------------------------------------

    def informer(self, group: str, plural: str, namespace: str | None = None) -> Informer:
        informer = self.ctx.factory.informer(self.ctx.resource(group, plural), namespace)
        if informer not in self._informers:
            self._informers.append(informer)
        return informer

    @property
    def recorder(self) -> EventRecorder:
        return self.ctx.recorder(self.component or f"{self.name}-controller")

    def add_queue(self, name: str, sync: Callable[[str], Awaitable[None]]) -> WorkQueue:
        """A second work queue with its own workers (the garbage collector has two)."""
        queue = WorkQueue(name, self.ctx.metrics, clock=self.ctx.clock)
        self._queues.append((queue, sync))
        return queue

    def enqueue(self, obj: Object) -> None:
        self.queue.add(object_key(obj))

    def enqueue_after(self, key: str, delay: float) -> None:
        self.queue.add_after(key, delay)

    @staticmethod
    def owner_key(obj: Object, owners: Informer) -> str | None:
        """The key of the object of ``owners``' kind that controls ``obj``, if it is in the
        cache with the uid the reference names (a reference to a deleted-and-recreated
        namesake does not count)."""
        ref = controller_of(obj)
        rt = owners.resource_type
        if ref is None or ref.get("kind") != rt.kind or \
                ref.get("apiVersion", "").rpartition("/")[0] != rt.group:
            return None
        namespace = (obj.get("metadata") or {}).get("namespace") if rt.namespaced else None
        owner = owners.get(namespace, ref.get("name", ""))
        if owner is None or (owner.get("metadata") or {}).get("uid") != ref.get("uid"):
            return None
        return object_key(owner)

    def watch_owned_pods(self, pods: Informer, owners: Informer,
                         expectations: Expectations) -> None:
        """Queue the owner of every pod event and settle its expectations, as upstream's
        addPod/updatePod/deletePod do for controllers that create pods: a pod that arrives
        counts as an expected creation (as an expected deletion when it is already
        terminating), one that starts terminating or goes away as an expected deletion."""

        def observed(pod: Object, deleting: bool, created: bool) -> None:
            owner = self.owner_key(pod, owners)
            if owner is None:
                return
            if deleting:
                expectations.deletion_observed(owner, object_key(pod))
            elif created:
                expectations.creation_observed(owner)
            self.queue.add(owner)

        pods.add_handler(
            lambda pod: observed(pod, m.is_terminating(pod), True),
            lambda old, new: observed(new, m.is_terminating(new), False),
            lambda pod: observed(pod, True, False))

    # -- helpers for sync() --------------------------------------------------------------------

    async def claim(self, owner: Object, owner_type: ResourceType, candidates: list[Object],
                    dependent_type: ResourceType) -> list[Object]:
        """The ``candidates`` ``owner`` controls once its selector has been applied:
        matching orphans adopted, non-matching dependents released (upstream's
        ControllerRefManager). Adoption first re-reads ``owner`` from the apiserver, so a
        stale cache never adopts for an owner that is gone or being deleted."""
        selector = label_selector_from_dict((owner.get("spec") or {}).get("selector"))
        meta = owner["metadata"]
        claimed: list[Object] = []
        owner_checked = False
        for obj in candidates:
            action = claim_action(owner, obj, selector.matches(obj["metadata"].get("labels")))
            if action is Claim.OWNED:
                claimed.append(obj)
                continue
            if action is Claim.IGNORE:
                continue
            if action is Claim.ADOPT and not owner_checked:
                fresh = await self.ctx.api.get(owner_type, meta["name"],
                                               namespace=meta.get("namespace"))
                if fresh["metadata"].get("uid") != meta.get("uid") or m.is_terminating(fresh):
                    raise RetryLater(f"{owner_type.kind} {object_key(owner)} is gone or "
                                     "being deleted: not adopting")
                owner_checked = True
            patch = adopt_patch(owner, obj) if action is Claim.ADOPT else \
                release_patch(meta.get("uid", ""), obj)
            try:
                patched = await self.ctx.api.patch(
                    dependent_type, obj["metadata"]["name"], patch,
                    namespace=obj["metadata"].get("namespace"), patch_type="merge")
            except ApiError as e:
                if is_not_found(e):
                    continue
                raise
            if action is Claim.ADOPT:
                claimed.append(patched)
        return claimed

    # -- running -------------------------------------------------------------------------------

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers)

    @property
    def has_synced(self) -> bool:
        return all(i.has_synced for i in self._informers)

    def start(self) -> asyncio.Task[None]:
        """Run in the background until :meth:`stop` (the factory must be started too)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"controller {self.name}")
        return self._task

    async def run(self) -> None:
        waits = [i.wait_synced(SYNC_WAIT_SECONDS) for i in self._informers]
        if not all(await asyncio.gather(*waits)):
            self.log.warning("%s: informers not synced after %.0fs; starting anyway",
                             self.name, SYNC_WAIT_SECONDS)
        tasks = [asyncio.create_task(self._worker(queue, sync),
                                     name=f"{queue.name} worker {i}")
                 for queue, sync in self._queues for i in range(self.workers)]
        if self.tick_period:
            tasks.append(asyncio.create_task(self._ticker(), name=f"{self.name} ticker"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        for queue, _ in self._queues:
            queue.shutdown()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def process_next(self) -> str:
        """Take one key of the main queue and sync it as a worker would; for tests that
        step by hand."""
        key = str(await self.queue.get())
        await self._process(self.queue, self.sync, key)
        return key

    async def _worker(self, queue: WorkQueue, sync: Callable[[str], Awaitable[None]]) -> None:
        async for key in queue:
            await self._process(queue, sync, str(key))

    async def _process(self, queue: WorkQueue, sync: Callable[[str], Awaitable[None]],
                       key: str) -> None:
        try:
            await sync(key)
        except asyncio.CancelledError:
            queue.done(key)
            raise
        except ApiError as e:
            # Conflicts are routine (the cache was behind); they only need another pass.
            level = logging.INFO if e.code == 409 else logging.WARNING
            self.log.log(level, "%s: error syncing %r: %s; requeuing", queue.name, key, e)
            queue.add_rate_limited(key)
        except (ClientError, RetryLater) as e:
            self.log.warning("%s: error syncing %r: %s; requeuing", queue.name, key, e)
            queue.add_rate_limited(key)
        except Exception:
            self.log.exception("%s: error syncing %r; requeuing", queue.name, key)
            queue.add_rate_limited(key)
        else:
            queue.forget(key)
        queue.done(key)

    async def _ticker(self) -> None:
        assert self.tick_period
        while not self.queue.shutting_down:
            try:
                self.tick()
            except Exception:
                self.log.exception("%s: periodic check failed", self.name)
            await self.ctx.clock.sleep(self.tick_period)
