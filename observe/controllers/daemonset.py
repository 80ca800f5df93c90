"""The DaemonSet controller: one pod per eligible node, following nodes as they come and go,
rolled to a new template within ``maxUnavailable``.

The loop around :mod:`.daemonpods`, shaped like upstream's ``daemon_controller.go``. Any
node change re-syncs every DaemonSet (a new node may need a pod, a new taint may evict one).
A sync claims the DaemonSet's pods, makes sure its current template has a ControllerRevision
(:mod:`.revisions`; its hash labels the pods), then — once earlier creations and deletions
have been observed — deletes and creates pods as :func:`~.daemonpods.plan` says, deletes
revisions beyond ``revisionHistoryLimit`` and writes the status. Pods on a node that is
deleted are left to the pod garbage collector, as upstream does.

Events are upstream's: ``SuccessfulCreate`` "Created pod: x", ``FailedCreate``,
``SuccessfulDelete`` "Deleted pod: x", ``FailedDaemonPod`` "Found failed daemon pod ns/x on
node n, will try to kill it".
"""

from __future__ import annotations

import asyncio
from typing import Any

from observe.api import meta as m
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError
from observe.client.events import NORMAL, WARNING
from observe.controllers import daemonpods as dp
from observe.controllers import revisions as rv
from observe.controllers.base import Controller, is_not_found, namespace_terminating
from observe.controllers.expectations import Expectations
from observe.controllers.history import RevisionKeeper
from observe.controllers.replicaset import slow_start_batch
from observe.controllers.statuswrite import write_status


class DaemonSetController(Controller):
    name = "daemonset"
    component = "daemonset-controller"

    def register(self) -> None:
        self.expectations = Expectations(self.ctx.clock)
        self.daemonsets = self.informer("apps", "daemonsets")
        self.pods = self.informer("", "pods")
        self.nodes = self.informer("", "nodes")
        self.revisions = RevisionKeeper(self)
        self._ds_type = self.daemonsets.resource_type
        self._pod_type = self.pods.resource_type
        self.daemonsets.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                    self._ds_deleted)
        self.watch_owned_pods(self.pods, self.daemonsets, self.expectations)
        self.nodes.add_handler(self._enqueue_all, lambda old, new: self._enqueue_all(new),
                               self._enqueue_all)

    def _ds_deleted(self, ds: Object) -> None:
        self.expectations.forget(object_key(ds))
        self.enqueue(ds)

    def _enqueue_all(self, _node: Object) -> None:
        for ds in self.daemonsets.list():
            self.enqueue(ds)

    # -- sync ----------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        ds = self.daemonsets.get(namespace, name)
        if ds is None:
            self.expectations.forget(key)
            return
        if m.is_terminating(ds):
            return
        nodes = self.nodes.list()
        pods = await self.claim(ds, self._ds_type, self.pods.list(namespace), self._pod_type)
        template = (ds.get("spec") or {}).get("template") or {}
        revision = await self.revisions.current(ds, template)
        digest = rv.revision_hash(revision)
        now = self.ctx.now()
        if self.expectations.satisfied(key):
            plan = dp.plan(ds, nodes, pods, digest, now)
            for pod, node in plan.failed:
                self.recorder.event(ds, WARNING, "FailedDaemonPod",
                                    f"Found failed daemon pod {object_key(pod)} on node {node}, "
                                    "will try to kill it")
            await self._delete_pods(key, ds, plan.delete)
            await self._create_pods(key, ds, plan.create, digest)
        live = [p for p in pods if not m.is_terminating(p)]
        in_use = {digest} | {(p["metadata"].get("labels") or {}).get(rv.REVISION_HASH, "")
                             for p in live}
        await self.revisions.prune(ds, in_use)
        status = dp.calculate_status(ds, nodes, live, digest, now)
        await write_status(self.ctx.api, self._ds_type, ds, status)

    async def _create_pods(self, key: str, ds: Object, nodes: list[str], digest: str) -> None:
        if not nodes:
            return
        self.expectations.expect_creations(key, len(nodes))
        pending = list(nodes)

        async def create_one() -> None:
            pod = dp.daemon_pod(ds, pending.pop(0), digest)
            try:
                created = await self.ctx.api.create(self._pod_type, pod,
                                                    namespace=ds["metadata"]["namespace"])
            except ApiError as e:
                if namespace_terminating(e):
                    return
                self.recorder.event(ds, WARNING, "FailedCreate", f"Error creating: {e.message}")
                raise
            self.recorder.event(ds, NORMAL, "SuccessfulCreate",
                                f"Created pod: {created['metadata']['name']}")

        created, error = await slow_start_batch(len(nodes), create_one)
        for _ in range(len(nodes) - created):
            self.expectations.creation_observed(key)
        if error is not None:
            raise error

    async def _delete_pods(self, key: str, ds: Object, victims: list[Object]) -> None:
        if not victims:
            return
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])

        async def delete_one(pod: Object) -> None:
            meta = pod["metadata"]
            try:
                await self.ctx.api.delete(self._pod_type, meta["name"],
                                          namespace=meta["namespace"])
            except ApiError as e:
                self.expectations.deletion_observed(key, object_key(pod))
                if is_not_found(e):
                    return
                self.recorder.event(ds, WARNING, "FailedDelete", f"Error deleting: {e.message}")
                raise
            self.recorder.event(ds, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta['name']}")

        results: list[Any] = await asyncio.gather(*(delete_one(p) for p in victims),
                                                  return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
