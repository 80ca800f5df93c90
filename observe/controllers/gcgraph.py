"""The garbage collector's model: the ownerReference graph and what to do with one object.

:class:`Graph` mirrors upstream's ``GraphBuilder``: one :class:`Node` per object uid seen by
the informers of every kind, linked to its owners (by ownerReference uid) and dependents. An
owner that is referenced but not (yet) seen is a *virtual* node, to be verified against the
apiserver. Feeding it an informer event (:meth:`Graph.observe`, :meth:`Graph.forget`)
updates the links and returns the :class:`Work` the change calls for:

- a deleted object's dependents must be looked at (their owner may be gone);
- an owner being deleted in the foreground (``foregroundDeletion`` finalizer) must have its
  dependents deleted, and be looked at again whenever one of them goes;
- an owner being deleted with ``orphan`` must have its dependents' references removed.

:func:`decide` is upstream's ``attemptToDeleteItem`` decision for one dependent once its
owners have been classified: keep it (a live owner remains, minus references to dead or
foreground-deleting owners), or delete it with the propagation its own finalizers ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from observe.api import meta as m

Object = dict[str, Any]


@dataclass(frozen=True)
class Identity:
    """Enough to find an object through the API (an ownerReference plus its namespace)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    uid: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name} ({self.uid})"


@dataclass
class Node:
    identity: Identity
    owners: list[Object] = field(default_factory=list)
    dependents: set[str] = field(default_factory=set)
    virtual: bool = False
    being_deleted: bool = False
    deleting_dependents: bool = False
    orphaning: bool = False


class Queue(Enum):
    DELETE = "attempt_to_delete"
    ORPHAN = "attempt_to_orphan"


@dataclass(frozen=True)
class Work:
    queue: Queue
    uid: str


def identity_of(obj: Object) -> Identity:
    meta = obj.get("metadata") or {}
    return Identity(obj.get("apiVersion", ""), obj.get("kind", ""), meta.get("namespace"),
                    meta.get("name", ""), meta.get("uid", ""))


def owner_identity(ref: Object, dependent_namespace: str | None) -> Identity:
    """The owner an ownerReference names; owners live in their dependent's namespace (or
    are cluster-scoped, which the apiserver look-up sorts out)."""
    return Identity(ref.get("apiVersion", ""), ref.get("kind", ""), dependent_namespace,
                    ref.get("name", ""), ref.get("uid", ""))


def _deleting_with(obj: Object, finalizer: str) -> bool:
    return m.is_terminating(obj) and finalizer in m.finalizers(obj)


class Graph:
    """Owner/dependent links between every object the informers have seen."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}

    def __contains__(self, uid: object) -> bool:
        return uid in self.nodes

    def get(self, uid: str) -> Node | None:
        return self.nodes.get(uid)

    def observe(self, obj: Object) -> list[Work]:
        """An object was added or updated."""
        identity = identity_of(obj)
        if not identity.uid:
            return []
        work: list[Work] = []
        node = self.nodes.get(identity.uid)
        refs = [r for r in (obj.get("metadata") or {}).get("ownerReferences") or []
                if isinstance(r, dict) and r.get("uid")]
        if node is None:
            node = self.nodes[identity.uid] = Node(identity)
        elif node.virtual:
            node.virtual = False
            node.identity = identity
        old_uids = {r["uid"] for r in node.owners}
        new_uids = {r["uid"] for r in refs}
        for uid in old_uids - new_uids:
            owner = self.nodes.get(uid)
            if owner is not None:
                owner.dependents.discard(identity.uid)
                if owner.deleting_dependents:
                    work.append(Work(Queue.DELETE, uid))  # may no longer be blocked
        for ref in refs:
            if ref["uid"] in old_uids:
                continue
            owner = self.nodes.get(ref["uid"])
            if owner is None:
                owner = self.nodes[ref["uid"]] = Node(
                    owner_identity(ref, identity.namespace), virtual=True)
                work.append(Work(Queue.DELETE, ref["uid"]))  # verify it exists
            owner.dependents.add(identity.uid)
        node.owners = refs
        node.being_deleted = m.is_terminating(obj)
        node.deleting_dependents = _deleting_with(obj, m.FINALIZER_FOREGROUND)
        node.orphaning = _deleting_with(obj, m.FINALIZER_ORPHAN)
        if node.orphaning:
            work.append(Work(Queue.ORPHAN, identity.uid))
        if node.deleting_dependents:
            work.append(Work(Queue.DELETE, identity.uid))
            work += [Work(Queue.DELETE, dep) for dep in sorted(node.dependents)]
        return work

    def forget(self, obj: Object) -> list[Work]:
        """An object was deleted."""
        return self.remove(identity_of(obj).uid)

    def remove(self, uid: str) -> list[Work]:
        """Drop ``uid`` (deleted, or a virtual owner found not to exist)."""
        node = self.nodes.get(uid)
        if node is None:
            return []
        work = [Work(Queue.DELETE, dep) for dep in sorted(node.dependents)]
        if node.dependents:
            # Keep a virtual placeholder so the dependents' links stay consistent until
            # they are processed; it goes when the last one lets go of it.
            self.nodes[uid] = Node(node.identity, dependents=set(node.dependents),
                                   virtual=True)
        else:
            del self.nodes[uid]
        for ref in node.owners:
            owner = self.nodes.get(ref["uid"])
            if owner is None:
                continue
            owner.dependents.discard(uid)
            if owner.deleting_dependents:
                work.append(Work(Queue.DELETE, ref["uid"]))
            if owner.virtual and not owner.dependents:
                del self.nodes[ref["uid"]]
        return work

    def blocking_dependents(self, uid: str) -> list[Node]:
        """Dependents of ``uid`` whose reference to it has ``blockOwnerDeletion``."""
        node = self.nodes.get(uid)
        if node is None:
            return []
        blocking = []
        for dep_uid in sorted(node.dependents):
            dep = self.nodes.get(dep_uid)
            if dep is not None and not dep.virtual and any(
                    r.get("uid") == uid and r.get("blockOwnerDeletion") for r in dep.owners):
                blocking.append(dep)
        return blocking


# -- the decision for one dependent ------------------------------------------------------------

class OwnerState(Enum):
    SOLID = "solid"          # exists and is not deleting its dependents
    DANGLING = "dangling"    # gone, or replaced by a namesake with another uid
    WAITING = "waiting"      # exists, deleting in the foreground: waits for its dependents


@dataclass(frozen=True)
class Action:
    kind: str                # "none", "remove-refs", "delete"
    owner_uids: tuple[str, ...] = ()
    propagation: str | None = None
    unblock: bool = False    # drop blockOwnerDeletion first (breaks foreground cycles)


KEEP = Action("none")


def owner_state(owner: Object | None, uid: str) -> OwnerState:
    """Classify what the apiserver returned for an owner reference with ``uid``."""
    if owner is None or (owner.get("metadata") or {}).get("uid") != uid:
        return OwnerState.DANGLING
    if _deleting_with(owner, m.FINALIZER_FOREGROUND):
        return OwnerState.WAITING
    return OwnerState.SOLID


def decide(obj: Object, states: dict[str, OwnerState], has_dependents: bool,
           dependent_deleting_dependents: bool) -> Action:
    """What to do with ``obj`` given the state of each owner (by uid)."""
    refs = [r for r in (obj.get("metadata") or {}).get("ownerReferences") or []
            if r.get("uid") in states]
    if not refs:
        return KEEP
    solid = [r["uid"] for r in refs if states[r["uid"]] is OwnerState.SOLID]
    not_solid = [r["uid"] for r in refs if states[r["uid"]] is not OwnerState.SOLID]
    waiting = [u for u in not_solid if states[u] is OwnerState.WAITING]
    if solid:
        return Action("remove-refs", tuple(not_solid)) if not_solid else KEEP
    if waiting and has_dependents:
        # An owner waits for us and we have dependents of our own: go in the foreground
        # too, so the wait covers the whole subtree.
        return Action("delete", propagation="Foreground",
                      unblock=dependent_deleting_dependents)
    if m.FINALIZER_ORPHAN in m.finalizers(obj):
        return Action("delete", propagation="Orphan")
    if m.FINALIZER_FOREGROUND in m.finalizers(obj):
        return Action("delete", propagation="Foreground")
    return Action("delete", propagation="Background")
