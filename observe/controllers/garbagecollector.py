"""The garbage collector: delete what lost its owners, and carry out cascading deletes.

Follows upstream's ``garbagecollector.go``. Informers on every kind in the registry feed the
ownerReference :class:`~observe.controllers.gcgraph.Graph`; the work it asks for lands on two
queues, named as upstream's:

- ``garbage_collector_attempt_to_delete`` (key: uid): re-read the object; if it is being
  deleted in the foreground, remove its ``foregroundDeletion`` finalizer once no dependent
  with ``blockOwnerDeletion`` is left (else push those dependents along); otherwise classify
  its owners (live, gone, or themselves waiting in the foreground) and act on
  :func:`~observe.controllers.gcgraph.decide`: drop references to dead owners, or delete
  the object (Background, or Foreground when a waiting owner's wait must cover our own
  dependents). A referenced owner the informers have not seen is looked up in the
  apiserver; one that does not exist there is removed from the graph, which sends its
  dependents here — so dependents of owners deleted while no collector ran go too.
- ``garbage_collector_attempt_to_orphan`` (key: uid): an owner deleted with
  ``propagationPolicy=Orphan`` carries the ``orphan`` finalizer; remove the owner reference
  from each dependent, then the finalizer.

The apiserver adds those finalizers on DELETE and removes an object whose last finalizer is
gone, so Background deletion needs no finalizer: the owner is simply gone and its dependents
follow.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from observe.api import meta as m
from observe.api.registry import ResourceType
from observe.client.cache import Object
from observe.client.errors import ApiError
from observe.controllers.base import Controller, is_not_found
from observe.controllers.gcgraph import (
    Action,
    Graph,
    Identity,
    OwnerState,
    Queue,
    Work,
    decide,
    owner_state,
)

# Upstream remembers this many owners known to be absent, saving a GET per dependent.
ABSENT_OWNER_CACHE = 500
_NEEDED_VERBS = {"list", "watch", "delete", "get"}


class GarbageCollector(Controller):
    name = "garbagecollector"
    queue_name = "garbage_collector_attempt_to_delete"
    component = "garbage-collector-controller"

    def register(self) -> None:
        self.graph = Graph()
        self.orphan_queue = self.add_queue("garbage_collector_attempt_to_orphan",
                                           self.sync_orphan)
        self._absent: OrderedDict[str, None] = OrderedDict()
        for rt in self.ctx.resources:
            if set(rt.verbs) >= _NEEDED_VERBS:
                self.informer(rt.group, rt.plural).add_handler(
                    self._observe, lambda old, new: self._observe(new), self._forget)

    # -- graph changes ------------------------------------------------------------------------

    def _observe(self, obj: Object) -> None:
        self._dispatch(self.graph.observe(obj))

    def _forget(self, obj: Object) -> None:
        self._dispatch(self.graph.forget(obj))

    def _dispatch(self, work: list[Work]) -> None:
        for item in work:
            (self.queue if item.queue is Queue.DELETE else self.orphan_queue).add(item.uid)

    # -- attempt to delete --------------------------------------------------------------------

    async def sync(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None or (node.being_deleted and not node.deleting_dependents):
            return
        latest = await self._get(node.identity)
        if latest is None:
            # Gone (or never existed, for an owner only known from references): let go of
            # it, which queues its dependents.
            self._dispatch(self.graph.remove(uid))
            return
        if node.virtual:
            return  # an owner that exists; its informer will tell the rest
        if m.is_terminating(latest):
            if m.FINALIZER_FOREGROUND in m.finalizers(latest):
                await self._finish_foreground(uid, latest)
            return
        refs = (latest.get("metadata") or {}).get("ownerReferences") or []
        if not refs:
            return
        states = {ref["uid"]: await self._owner_state(ref, latest) for ref in refs
                  if ref.get("uid")}
        dependents = [self.graph.get(d) for d in node.dependents]
        action = decide(latest, states, bool(node.dependents),
                        any(d is not None and d.deleting_dependents for d in dependents))
        await self._apply(node.identity, latest, action, states)

    async def _finish_foreground(self, uid: str, latest: Object) -> None:
        blocking = self.graph.blocking_dependents(uid)
        if not blocking:
            await self._remove_finalizer(latest, m.FINALIZER_FOREGROUND)
            return
        for dep in blocking:
            if not dep.deleting_dependents:
                self.queue.add(dep.identity.uid)

    async def _owner_state(self, ref: Object, dependent: Object) -> OwnerState:
        """How the owner ``ref`` names stands. An owner of a kind unknown here counts as
        alive: such a reference never gets anything deleted."""
        uid = ref["uid"]
        node = self.graph.get(uid)
        if node is not None and not node.virtual:
            return OwnerState.WAITING if node.deleting_dependents else OwnerState.SOLID
        if uid in self._absent:
            return OwnerState.DANGLING
        rt = self._resource(ref.get("apiVersion", ""), ref.get("kind", ""))
        if rt is None:
            self.log.info("owner %s/%s of %s is of an unknown kind; leaving it",
                          ref.get("kind"), ref.get("name"), dependent["metadata"].get("name"))
            return OwnerState.SOLID
        namespace = (dependent.get("metadata") or {}).get("namespace")
        if rt.namespaced and not namespace:
            return OwnerState.DANGLING  # a cluster-scoped object cannot have it as owner
        owner = await self._get(Identity(ref.get("apiVersion", ""), ref.get("kind", ""),
                                         namespace if rt.namespaced else None,
                                         ref.get("name", ""), uid))
        state = owner_state(owner, uid)
        if state is OwnerState.DANGLING:
            self._absent[uid] = None
            while len(self._absent) > ABSENT_OWNER_CACHE:
                self._absent.popitem(last=False)
        return state

    async def _apply(self, identity: Identity, latest: Object, action: Action,
                     states: dict[str, OwnerState]) -> None:
        rt = self._resource(identity.api_version, identity.kind)
        if rt is None or action.kind == "none":
            return
        meta = latest["metadata"]
        if action.kind == "remove-refs":
            await self._set_owner_refs(rt, latest, [
                r for r in meta.get("ownerReferences") or []
                if r.get("uid") not in action.owner_uids])
            return
        if action.unblock:
            await self._set_owner_refs(rt, latest, [
                {**r, "blockOwnerDeletion": False}
                if states.get(r.get("uid")) is OwnerState.WAITING else r
                for r in meta.get("ownerReferences") or []])
        self.log.info("deleting %s (propagation %s): its owners are gone", identity,
                      action.propagation)
        try:
            await self.ctx.api.delete(rt, meta["name"], namespace=meta.get("namespace"),
                                      propagation_policy=action.propagation,
                                      preconditions={"uid": meta["uid"]})
        except ApiError as e:
            # Gone already, or replaced by a namesake (the uid precondition failed).
            if not (is_not_found(e) or e.code == 409):
                raise

    # -- attempt to orphan --------------------------------------------------------------------

    async def sync_orphan(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None:
            return
        latest = await self._get(node.identity)
        if latest is None or not m.is_terminating(latest) or \
                m.FINALIZER_ORPHAN not in m.finalizers(latest):
            return
        for dep_uid in sorted(node.dependents):
            dep = self.graph.get(dep_uid)
            if dep is None or dep.virtual:
                continue
            rt = self._resource(dep.identity.api_version, dep.identity.kind)
            current = await self._get(dep.identity)
            if rt is None or current is None:
                continue
            refs = (current.get("metadata") or {}).get("ownerReferences") or []
            if any(r.get("uid") == uid for r in refs):
                await self._set_owner_refs(rt, current,
                                           [r for r in refs if r.get("uid") != uid])
        await self._remove_finalizer(latest, m.FINALIZER_ORPHAN)

    # -- API helpers --------------------------------------------------------------------------

    def _resource(self, api_version: str, kind: str) -> ResourceType | None:
        rt = self.ctx.resources.by_api_version(api_version, kind)
        if rt is None:
            rt = self.ctx.resources.by_kind(api_version.rpartition("/")[0], kind)
        return rt

    async def _get(self, identity: Identity) -> Object | None:
        """The object as the apiserver has it now, if it still has ``identity``'s uid."""
        rt = self._resource(identity.api_version, identity.kind)
        if rt is None:
            return None
        try:
            obj = await self.ctx.api.get(rt, identity.name,
                                         namespace=identity.namespace if rt.namespaced
                                         else None)
        except ApiError as e:
            if is_not_found(e):
                return None
            raise
        return obj if obj.get("metadata", {}).get("uid") == identity.uid else None

    async def _set_owner_refs(self, rt: ResourceType, obj: Object,
                              refs: list[dict[str, Any]]) -> None:
        meta = obj["metadata"]
        try:
            await self.ctx.api.patch(
                rt, meta["name"], {"metadata": {"ownerReferences": refs or None,
                                                "resourceVersion": meta["resourceVersion"]}},
                namespace=meta.get("namespace"), patch_type="merge")
        except ApiError as e:
            if not is_not_found(e):
                raise

    async def _remove_finalizer(self, obj: Object, finalizer: str) -> None:
        meta = obj["metadata"]
        rt = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        if rt is None or finalizer not in (meta.get("finalizers") or []):
            return
        remaining = [f for f in meta["finalizers"] if f != finalizer]
        try:
            await self.ctx.api.patch(
                rt, meta["name"], {"metadata": {"finalizers": remaining or None,
                                                "resourceVersion": meta["resourceVersion"]}},
                namespace=meta.get("namespace"), patch_type="merge")
        except ApiError as e:
            if not is_not_found(e):
                raise
