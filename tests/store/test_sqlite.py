"""The kine-like SQLite store: revisions, compare-and-swap, history, compaction."""

from __future__ import annotations

import pytest

from observe.store.interface import (
    CompactedError,
    KeyExistsError,
    KeyNotFoundError,
    RevisionMismatch,
)
from observe.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "state.db")
    yield s
    s.close()


def test_revisions_are_global_and_monotonic(store):
    a = store.create("/r/a", b"1")
    b = store.create("/r/b", b"1")
    a2 = store.update("/r/a", b"2", a.mod_revision)
    assert (a.mod_revision, b.mod_revision, a2.mod_revision) == (1, 2, 3)
    assert a2.create_revision == a.mod_revision
    assert store.current_revision() == 3
    assert store.get("/r/a").value == b"2"


def test_create_of_live_key_fails_but_recreate_after_delete_works(store):
    store.create("/r/a", b"1")
    with pytest.raises(KeyExistsError):
        store.create("/r/a", b"again")
    gone = store.delete("/r/a")
    assert gone.value == b"1" and gone.mod_revision == 2
    assert store.get("/r/a") is None
    again = store.create("/r/a", b"new")
    assert store.get("/r/a").value == b"new"
    assert again.create_revision == again.mod_revision == 3


def test_compare_and_swap_rejects_stale_revision(store):
    kv = store.create("/r/a", b"1")
    store.update("/r/a", b"2", kv.mod_revision)
    with pytest.raises(RevisionMismatch):
        store.update("/r/a", b"3", kv.mod_revision)
    with pytest.raises(RevisionMismatch):
        store.delete("/r/a", kv.mod_revision)
    assert store.get("/r/a").value == b"2"


def test_update_or_delete_of_missing_key(store):
    with pytest.raises(KeyNotFoundError):
        store.update("/r/none", b"x", 0)
    with pytest.raises(KeyNotFoundError):
        store.delete("/r/none")


def test_list_by_prefix_in_key_order_with_paging(store):
    for name in ("c", "a", "b", "d"):
        store.create(f"/r/ns1/{name}", name.encode())
    store.create("/r/ns10/x", b"x")  # shares a string prefix with ns1 but not the slash
    store.create("/s/other", b"o")
    page = store.list("/r/ns1/", limit=3)
    assert [kv.key for kv in page.items] == ["/r/ns1/a", "/r/ns1/b", "/r/ns1/c"]
    assert page.more
    rest = store.list("/r/ns1/", start_after=page.items[-1].key, revision=page.revision)
    assert [kv.key for kv in rest.items] == ["/r/ns1/d"] and not rest.more
    assert store.count("/r/") == 5


def test_list_at_an_old_revision_sees_the_old_snapshot(store):
    a = store.create("/r/a", b"1")
    snapshot = store.current_revision()
    store.update("/r/a", b"2", a.mod_revision)
    store.create("/r/b", b"1")
    store.delete("/r/a")
    old = store.list("/r/", revision=snapshot)
    assert [(kv.key, kv.value) for kv in old.items] == [("/r/a", b"1")]
    assert [kv.key for kv in store.list("/r/").items] == ["/r/b"]


def test_events_after_replay_history_with_previous_values(store):
    a = store.create("/r/a", b"1")
    store.update("/r/a", b"2", a.mod_revision)
    store.delete("/r/a")
    store.create("/s/x", b"x")
    events = store.events_after(0, "/r/")
    assert [(e.kind, e.kv.value, e.revision) for e in events] == [
        ("create", b"1", 1), ("update", b"2", 2), ("delete", b"2", 3)]
    assert events[1].prev.value == b"1"
    assert [e.revision for e in store.events_after(2)] == [3, 4]


def test_listeners_see_every_commit_in_order(store):
    seen = []
    store.add_listener(lambda e: seen.append((e.kind, e.kv.key, e.revision)))
    a = store.create("/r/a", b"1")
    store.update("/r/a", b"2", a.mod_revision)
    with pytest.raises(KeyExistsError):
        store.create("/r/a", b"dup")  # a failed write announces nothing
    store.delete("/r/a")
    assert seen == [("create", "/r/a", 1), ("update", "/r/a", 2), ("delete", "/r/a", 3)]


def test_compaction_drops_history_and_expires_old_revisions(store):
    a = store.create("/r/a", b"1")
    a = store.update("/r/a", b"2", a.mod_revision)
    store.create("/r/b", b"1")
    store.delete("/r/b")
    store.update("/r/a", b"3", a.mod_revision)
    removed = store.compact(4)
    # a@1 and b@3 are superseded at or below 4, b@4 is a tombstone; a@2 stays because the
    # row that supersedes it (5) is after the compaction revision.
    assert removed == 3
    assert store.compacted_revision() == 4
    with pytest.raises(CompactedError):
        store.events_after(2)
    with pytest.raises(CompactedError):
        store.list("/r/", revision=3)
    assert [kv.value for kv in store.list("/r/", revision=4).items] == [b"2"]
    assert [e.revision for e in store.events_after(4)] == [5]
    assert store.get("/r/a").value == b"3"


def test_restart_keeps_data_and_revision_even_when_newest_rows_are_compacted(tmp_path):
    path = tmp_path / "state.db"
    s = SQLiteStore(path)
    s.create("/r/a", b"1")
    s.create("/r/b", b"1")
    s.delete("/r/b")  # the newest row is a tombstone; compaction removes it
    s.compact(3)
    s.close()
    s = SQLiteStore(path)
    assert s.current_revision() == 3
    assert s.compacted_revision() == 3
    assert s.create("/r/c", b"1").mod_revision == 4
    assert [kv.key for kv in s.list("/r/").items] == ["/r/a", "/r/c"]
    s.close()
