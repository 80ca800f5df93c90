"""The pod garbage collector's choices."""

from __future__ import annotations

import pytest

from observe.controllers.podgc import (
    on_missing_nodes,
    terminated_to_delete,
    unscheduled_terminating,
)


def pod(name: str, phase: str = "Running", created: int = 0, node: str = "",
        reason: str | None = None, deleting: bool = False) -> dict:
    meta: dict = {"name": name, "creationTimestamp": f"2024-01-01T00:00:{created:02d}Z"}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:01:00Z"
    status: dict = {"phase": phase}
    if reason:
        status["reason"] = reason
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": status}


PODS = [pod("new-done", "Succeeded", created=30), pod("old-done", "Succeeded", created=10),
        pod("evicted", "Failed", created=40, reason="Evicted"),
        pod("b-failed", "Failed", created=20), pod("a-failed", "Failed", created=20),
        pod("running", created=0)]


@pytest.mark.parametrize(("threshold", "expected"), [
    (5, []),
    (4, ["evicted"]),
    (2, ["evicted", "old-done", "a-failed"]),
    (0, []),  # disabled
])
def test_terminated_over_the_threshold(threshold, expected):
    assert [p["metadata"]["name"] for p in terminated_to_delete(PODS, threshold)] == expected


def test_pods_on_missing_nodes():
    pods = [pod("a", node="gone"), pod("b", node="here"), pod("c"), pod("d", node="gone")]
    missing = on_missing_nodes(pods, {"here"})
    assert {k: [p["metadata"]["name"] for p in v] for k, v in missing.items()} == \
        {"gone": ["a", "d"]}


def test_unscheduled_terminating():
    pods = [pod("a", deleting=True), pod("b", node="n", deleting=True), pod("c")]
    assert [p["metadata"]["name"] for p in unscheduled_terminating(pods)] == ["a"]
