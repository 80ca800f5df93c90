"""The garbage collector's graph bookkeeping and its decision for one dependent."""

from __future__ import annotations

import pytest

from observe.controllers.gcgraph import (
    Action,
    Graph,
    OwnerState,
    Queue,
    Work,
    decide,
    owner_state,
)

DELETING = {"deletionTimestamp": "2024-05-01T12:00:00Z"}


def obj(uid: str, *owners: str, block: bool = True, finalizers: list[str] | None = None,
        deleting: bool = False, kind: str = "ConfigMap") -> dict:
    meta: dict = {"name": uid, "namespace": "ns", "uid": uid,
                  "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": o,
                                       "uid": o, "blockOwnerDeletion": block}
                                      for o in owners]}
    if finalizers:
        meta["finalizers"] = finalizers
    if deleting:
        meta.update(DELETING)
    return {"apiVersion": "v1", "kind": kind, "metadata": meta}


def test_an_unseen_owner_is_virtual_and_checked():
    graph = Graph()
    work = graph.observe(obj("child", "parent"))
    assert work == [Work(Queue.DELETE, "parent")]
    assert graph.get("parent").virtual
    assert graph.get("parent").dependents == {"child"}
    graph.observe(obj("parent"))
    assert not graph.get("parent").virtual


def test_deleting_an_owner_queues_its_dependents():
    graph = Graph()
    graph.observe(obj("parent"))
    graph.observe(obj("a", "parent"))
    graph.observe(obj("b", "parent"))
    assert graph.forget(obj("parent")) == [Work(Queue.DELETE, "a"), Work(Queue.DELETE, "b")]
    # The dependents still point at it until they are processed.
    assert graph.get("parent").virtual
    graph.forget(obj("a", "parent"))
    graph.forget(obj("b", "parent"))
    assert "parent" not in graph


def test_foreground_deletion_queues_the_owner_and_every_dependent():
    graph = Graph()
    graph.observe(obj("a", "parent"))
    work = graph.observe(obj("parent", finalizers=["foregroundDeletion"], deleting=True))
    assert Work(Queue.DELETE, "parent") in work and Work(Queue.DELETE, "a") in work
    assert graph.get("parent").deleting_dependents
    # A dependent going away lets the waiting owner check again.
    assert graph.forget(obj("a", "parent")) == [Work(Queue.DELETE, "parent")]


def test_orphan_deletion_is_queued_for_orphaning():
    graph = Graph()
    assert graph.observe(obj("parent", finalizers=["orphan"], deleting=True)) == \
        [Work(Queue.ORPHAN, "parent")]


def test_only_blocking_dependents_block():
    graph = Graph()
    graph.observe(obj("parent"))
    graph.observe(obj("blocks", "parent"))
    graph.observe(obj("free", "parent", block=False))
    assert [n.identity.uid for n in graph.blocking_dependents("parent")] == ["blocks"]


def test_dropping_an_owner_reference_unlinks_it():
    graph = Graph()
    graph.observe(obj("parent"))
    graph.observe(obj("child", "parent"))
    graph.observe(obj("child"))
    assert graph.get("parent").dependents == set()


@pytest.mark.parametrize(("owner", "expected"), [
    (None, OwnerState.DANGLING),
    (obj("someone-else"), OwnerState.DANGLING),  # a namesake with another uid
    (obj("p"), OwnerState.SOLID),
    (obj("p", finalizers=["foregroundDeletion"], deleting=True), OwnerState.WAITING),
    (obj("p", finalizers=["orphan"], deleting=True), OwnerState.SOLID),
])
def test_owner_state(owner, expected):
    assert owner_state(owner, "p") is expected


S, D, W = OwnerState.SOLID, OwnerState.DANGLING, OwnerState.WAITING


@pytest.mark.parametrize(("name", "item", "states", "has_dependents", "expected"), [
    ("live owner", obj("x", "a"), {"a": S}, False, Action("none")),
    ("dead owner", obj("x", "a"), {"a": D}, False, Action("delete", propagation="Background")),
    ("one live, one dead", obj("x", "a", "b"), {"a": S, "b": D}, False,
     Action("remove-refs", ("b",))),
    ("live and foreground owner", obj("x", "a", "b"), {"a": S, "b": W}, False,
     Action("remove-refs", ("b",))),
    ("foreground owner, no dependents", obj("x", "a"), {"a": W}, False,
     Action("delete", propagation="Background")),
    ("foreground owner, own dependents", obj("x", "a"), {"a": W}, True,
     Action("delete", propagation="Foreground")),
    ("dead owner, orphan finalizer", obj("x", "a", finalizers=["orphan"]), {"a": D}, False,
     Action("delete", propagation="Orphan")),
    ("no owners", obj("x"), {}, False, Action("none")),
])
def test_decide(name, item, states, has_dependents, expected):
    assert decide(item, states, has_dependents, False) == expected, name


def test_decide_unblocks_a_foreground_cycle():
    action = decide(obj("x", "a"), {"a": W}, True, True)
    assert action == Action("delete", propagation="Foreground", unblock=True)
