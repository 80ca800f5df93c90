"""Watch over a real apiserver: event types, resume, selectors, bookmarks, 410, WatchList."""

from __future__ import annotations

import threading

from observe.testing import ApiServerProcess
from tests.http import TABLE_ACCEPT, call, watch_lines


def configmap(name: str, labels: dict | None = None, data: dict | None = None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}}, "data": data or {}}


def collect_async(url: str, *, accept: str = "application/json") -> tuple[list, threading.Thread]:
    """Read a watch in a thread; returns the list it appends to and the thread."""
    events: list = []

    def run() -> None:
        for event in watch_lines(url, accept=accept):
            events.append(event)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return events, thread


def test_watch_from_a_revision_sees_every_change_in_order(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    start = call("GET", base).json()["metadata"]["resourceVersion"]
    obj = call("POST", base, configmap("w1")).json()
    obj["data"] = {"k": "v"}
    call("PUT", f"{base}/w1", obj)
    call("DELETE", f"{base}/w1")
    events = list(watch_lines(f"{base}?watch=true&resourceVersion={start}&timeoutSeconds=1"))
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    revisions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revisions == sorted(revisions) and revisions[0] > int(start)
    assert events[2]["object"]["data"] == {"k": "v"}  # the last state
    assert events[0]["object"]["kind"] == "ConfigMap"


def test_watch_without_revision_starts_with_current_objects(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    call("POST", base, configmap("existing"))
    events = list(watch_lines(f"{base}?watch=1&timeoutSeconds=1"))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "existing")]


def test_live_watch_with_label_selector_transitions(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    rv = call("GET", base).json()["metadata"]["resourceVersion"]
    events, thread = collect_async(
        f"{base}?watch=true&resourceVersion={rv}&labelSelector=tier%3Dweb&timeoutSeconds=2")
    obj = call("POST", base, configmap("t", {"tier": "db"})).json()  # not matching: unseen
    obj["metadata"]["labels"] = {"tier": "web"}
    obj = call("PUT", f"{base}/t", obj).json()  # starts matching: ADDED
    obj["metadata"]["labels"] = {"tier": "db"}
    call("PUT", f"{base}/t", obj)  # stops matching: DELETED
    thread.join(10)
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


def test_bookmarks_and_timeout(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    rv = call("GET", base).json()["metadata"]["resourceVersion"]
    # The session apiserver sends bookmarks every second.
    events = list(watch_lines(
        f"{base}?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=3"))
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert len(bookmarks) >= 2
    assert bookmarks[-1]["object"]["kind"] == "ConfigMap"
    assert int(bookmarks[-1]["object"]["metadata"]["resourceVersion"]) >= int(rv)


def test_send_initial_events_ends_with_the_annotated_bookmark(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    call("POST", base, configmap("a"))
    call("POST", base, configmap("b"))
    events = list(watch_lines(
        f"{base}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        f"&allowWatchBookmarks=true&resourceVersion=&timeoutSeconds=1"))
    assert [e["type"] for e in events[:2]] == ["ADDED", "ADDED"]
    end = events[2]
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    # Without the bookmark option the request is refused, so client-go falls back to LIST.
    refused = call("GET", f"{base}?watch=true&sendInitialEvents=true"
                          f"&resourceVersionMatch=NotOlderThan")
    assert refused.status == 422


def test_table_watch_streams_one_row_tables(apiserver, namespace):
    base = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    call("POST", base, configmap("tw", data={"a": "1"}))
    events = list(watch_lines(f"{base}?watch=true&timeoutSeconds=1", accept=TABLE_ACCEPT))
    assert events[0]["object"]["kind"] == "Table"
    assert len(events[0]["object"]["rows"]) == 1
    assert events[0]["object"]["rows"][0]["cells"][0] == "tw"


def test_watch_from_a_compacted_revision_is_expired(tmp_path):
    server = ApiServerProcess(tmp_path / "api", extra_args=(
        "--compaction-interval", "0.2", "--compaction-window", "0.2",
        "--compaction-min-retain", "1"))
    with server:
        base = f"{server.url}/api/v1/namespaces/default/configmaps"
        obj = call("POST", base, configmap("c")).json()
        first = obj["metadata"]["resourceVersion"]
        for i in range(5):
            obj["data"] = {"i": str(i)}
            obj = call("PUT", f"{base}/c", obj).json()
        import time
        deadline = time.monotonic() + 20
        events: list = []
        while time.monotonic() < deadline:
            events = list(watch_lines(f"{base}?watch=true&resourceVersion={first}"
                                      f"&timeoutSeconds=1"))
            if events and events[0]["type"] == "ERROR":
                break
        assert events and events[0]["type"] == "ERROR", events
        assert events[0]["object"]["code"] == 410
        assert events[0]["object"]["reason"] == "Expired"
        # A list continue token from before the compaction is expired too.
        listed = call("GET", f"{base}?resourceVersion={first}&resourceVersionMatch=Exact")
        assert listed.status == 410
