"""Turning informer updates into the cluster events queueing hints speak of."""

from __future__ import annotations

import copy

import pytest

from observe.api.podinfo import PodInfo
from observe.scheduler import clusterevents as ev
from observe.scheduler.clusterevents import ActionType, ClusterEvent
from tests.scheduler.builders import node, pod


def changed(path: tuple[str, ...], value: object) -> dict:
    new = copy.deepcopy(node("n1"))
    target = new
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return new


@pytest.mark.parametrize(("new", "labels"), [
    (changed(("spec", "unschedulable"), True), ["NodeSpecUnschedulableChange"]),
    (changed(("status", "allocatable"), {"cpu": "8"}), ["NodeAllocatableChange"]),
    (changed(("metadata", "labels"), {"zone": "a"}), ["NodeLabelChange"]),
    (changed(("spec", "taints"), [{"key": "k", "effect": "NoSchedule"}]), ["NodeTaintChange"]),
    (changed(("status", "conditions"), [{"type": "Ready", "status": "False"}]),
     ["NodeConditionChange"]),
    (changed(("metadata", "annotations"), {"a": "b"}), ["NodeAnnotationChange"]),
    # A heartbeat moves timestamps only: nothing scheduling cares about.
    (changed(("status", "conditions"), [{"type": "Ready", "status": "True",
                                         "lastHeartbeatTime": "2024-01-01T00:00:01Z"}]), []),
])
def test_node_update_events(new: dict, labels: list[str]) -> None:
    assert [e.label for e in ev.node_update_events(node("n1"), new)] == labels


def test_assigned_pod_update_events() -> None:
    old = PodInfo(pod("p", cpu="1", labels={"a": "1"}, node_name="n1"))
    relabelled = PodInfo({**old.pod, "metadata": {**old.pod["metadata"], "labels": {"a": "2"}}})
    assert [e.label for e in ev.assigned_pod_update_events(old, relabelled)] == [
        "PodLabelChange"]
    assert [e.label for e in ev.assigned_pod_update_events(old, old)] == ["AssignedPodUpdate"]


@pytest.mark.parametrize(("interest", "event", "matches"), [
    (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_TAINT, ""), ev.NODE_ADD, True),
    (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_TAINT, ""),
     ev.NODE_LABEL_CHANGE, False),
    (ClusterEvent("Node", ActionType.ADD, ""), ev.ASSIGNED_POD_ADD, False),
    (ClusterEvent("*", ActionType.ALL, ""), ev.ASSIGNED_POD_DELETE, True),
])
def test_registered_interest_matches_events(interest: ClusterEvent, event: ClusterEvent,
                                            matches: bool) -> None:
    assert interest.matches(event) is matches
