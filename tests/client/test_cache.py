"""The informer's store: keys, the namespace index, and the diff a re-list produces."""

from __future__ import annotations

import pytest

from observe.client.cache import Store, object_key, split_key


def _obj(name, namespace=None, rv="1", **extra):
    meta = {"name": name, "resourceVersion": rv}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, **extra}


@pytest.mark.parametrize(
    ("obj", "key", "split"),
    [
        (_obj("web", "default"), "default/web", ("default", "web")),
        (_obj("n1"), "n1", (None, "n1")),
    ],
    ids=["namespaced", "cluster-scoped"],
)
def test_keys_round_trip(obj, key, split):
    assert object_key(obj) == key
    assert split_key(key) == split


def test_get_list_and_namespace_index():
    store = Store()
    for obj in (_obj("a", "ns1"), _obj("b", "ns1"), _obj("a", "ns2")):
        store.upsert(obj)

    assert store.get("ns2", "a") == _obj("a", "ns2")
    assert store.get("ns3", "a") is None
    assert len(store.list()) == 3
    assert sorted(o["metadata"]["name"] for o in store.list("ns1")) == ["a", "b"]
    assert store.list("empty") == []

    store.remove(_obj("a", "ns2"))
    assert store.namespaces() == ["ns1"], "an emptied namespace leaves the index"
    assert "ns2/a" not in store


def test_upsert_and_remove_return_the_previous_object():
    store = Store()
    assert store.upsert(_obj("n", rv="1")) is None
    assert store.upsert(_obj("n", rv="2"))["metadata"]["resourceVersion"] == "1"
    assert store.remove(_obj("n"))["metadata"]["resourceVersion"] == "2"
    assert store.remove(_obj("n")) is None


def test_replace_reports_only_the_differences():
    store = Store()
    for obj in (_obj("same", "d", "1"), _obj("changed", "d", "1"), _obj("removed", "d", "1")):
        store.upsert(obj)

    changes = store.replace([_obj("same", "d", "1"), _obj("changed", "d", "5"),
                             _obj("new", "d", "6")])

    assert [object_key(o) for o in changes.added] == ["d/new"]
    assert [(object_key(old), new["metadata"]["resourceVersion"])
            for old, new in changes.updated] == [("d/changed", "5")]
    assert [object_key(o) for o in changes.deleted] == ["d/removed"]
    assert sorted(store.keys()) == ["d/changed", "d/new", "d/same"]
