"""Node readiness and picking the component to blame."""

from __future__ import annotations

import pytest

from observe.supervisor.readiness import culprit, describe_component, node_ready, nodes_not_ready


def node(name: str, *conditions: dict) -> dict:
    return {"metadata": {"name": name}, "status": {"conditions": list(conditions)}}


READY = {"type": "Ready", "status": "True", "reason": "KubeletReady"}
NOT_READY = {"type": "Ready", "status": "False", "reason": "KubeletNotReady",
             "message": "container runtime is down"}
UNKNOWN = {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}
MEMORY = {"type": "MemoryPressure", "status": "False"}


@pytest.mark.parametrize(("conditions", "want"), [
    ([MEMORY, READY], (True, "")),
    ([NOT_READY], (False, "Ready is False (KubeletNotReady: container runtime is down)")),
    ([UNKNOWN], (False, "Ready is Unknown (NodeStatusUnknown)")),
    ([MEMORY], (False, "has no Ready condition yet")),
    ([], (False, "has no Ready condition yet")),
])
def test_node_ready(conditions, want):
    assert node_ready(node("n", *conditions)) == want


def test_nodes_not_ready():
    listed = {"items": [node("node-1", READY), node("node-2", NOT_READY), node("other")]}
    assert nodes_not_ready(listed, ["node-1", "node-2", "node-3"]) == {
        "node-2": "Ready is False (KubeletNotReady: container runtime is down)",
        "node-3": "is not registered"}
    assert nodes_not_ready(listed, ["node-1"]) == {}
    assert nodes_not_ready({}, []) == {}


def component(healthy: bool, *deps: str, **extra) -> dict:
    return {"healthy": healthy, "dependsOn": list(deps), **extra}


@pytest.mark.parametrize(("components", "want"), [
    ({"apiserver": component(True), "scheduler": component(True, "apiserver")}, None),
    ({"apiserver": component(True), "scheduler": component(False, "apiserver")}, "scheduler"),
    # Everything waits for a broken apiserver: blame it, not the first in the list.
    ({"kubelet-node-1": component(False, "apiserver"), "apiserver": component(False),
      "scheduler": component(False, "apiserver")}, "apiserver"),
    ({"a": component(False, "b"), "b": component(False, "a")}, "a"),
])
def test_culprit(components, want):
    assert culprit({"components": components}) == want


@pytest.mark.parametrize(("c", "text"), [
    (component(False, message="exited with code 1", restarts=3),
     "scheduler: exited with code 1 (restarted 3 times)"),
    (component(False, restarts=1), "scheduler: is not healthy (restarted 1 time)"),
    (component(False, message="waiting for apiserver"), "scheduler: waiting for apiserver"),
])
def test_describe_component(c, text):
    assert describe_component("scheduler", c) == text
