"""Node taints from conditions, toleration matching and eviction timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.controllers.taints import (
    NOT_READY,
    UNREACHABLE,
    desired_taints,
    eviction_delay,
    tolerates,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
NOW_TEXT = "2024-05-01T12:00:00Z"


def node(ready: str | None = "True", taints: list | None = None, **conditions: str) -> dict:
    conds = [{"type": k, "status": v} for k, v in conditions.items()]
    if ready is not None:
        conds.append({"type": "Ready", "status": ready})
    return {"spec": {"taints": taints or []}, "status": {"conditions": conds}}


@pytest.mark.parametrize(("n", "expected"), [
    (node("True"), []),
    (node("Unknown"), [{"key": UNREACHABLE, "effect": "NoSchedule"},
                       {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": NOW_TEXT}]),
    (node("False"), [{"key": NOT_READY, "effect": "NoSchedule"},
                     {"key": NOT_READY, "effect": "NoExecute", "timeAdded": NOW_TEXT}]),
    (node("True", MemoryPressure="True", DiskPressure="False"),
     [{"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}]),
    (node(None), []),
    # recovery: managed taints go, others stay
    (node("True", taints=[{"key": UNREACHABLE, "effect": "NoExecute"},
                          {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
     [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
    # an existing taint keeps its timeAdded; not-ready swaps to unreachable
    (node("Unknown", taints=[{"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": "t0"},
                             {"key": NOT_READY, "effect": "NoSchedule"}]),
     [{"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": "t0"},
      {"key": UNREACHABLE, "effect": "NoSchedule"}]),
])
def test_desired_taints(n, expected):
    assert desired_taints(n, NOW) == expected


def test_an_unschedulable_node_is_tainted_unschedulable():
    n = node("True")
    n["spec"]["unschedulable"] = True
    assert desired_taints(n, NOW) == [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]


TAINT = {"key": "k", "value": "v", "effect": "NoExecute"}


@pytest.mark.parametrize(("toleration", "expected"), [
    ({"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute"}, True),
    ({"key": "k", "value": "v"}, True),                      # Equal by default, any effect
    ({"key": "k", "operator": "Equal", "value": "w"}, False),
    ({"key": "k", "operator": "Exists"}, True),
    ({"operator": "Exists"}, True),                          # everything
    ({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, False),
    ({"key": "other", "operator": "Exists"}, False),
])
def test_tolerates(toleration, expected):
    assert tolerates(toleration, TAINT) is expected


def unreachable(added_seconds_ago: float | None) -> dict:
    taint = {"key": UNREACHABLE, "effect": "NoExecute"}
    if added_seconds_ago is not None:
        taint["timeAdded"] = (NOW - timedelta(seconds=added_seconds_ago)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    return taint


def tolerate(seconds: int | None, key: str = UNREACHABLE) -> dict:
    t = {"key": key, "operator": "Exists", "effect": "NoExecute"}
    if seconds is not None:
        t["tolerationSeconds"] = seconds
    return t


@pytest.mark.parametrize(("name", "taints", "tolerations", "expected"), [
    ("no taints", [], [tolerate(1)], None),
    ("not tolerated", [unreachable(0)], [], 0.0),
    ("tolerated forever", [unreachable(0)], [tolerate(None)], None),
    ("300s just added", [unreachable(0)], [tolerate(300)], 300.0),
    ("300s added 120s ago", [unreachable(120)], [tolerate(300)], 180.0),
    ("300s long over", [unreachable(1000)], [tolerate(300)], 0.0),
    ("the shortest toleration wins", [unreachable(0), {"key": NOT_READY,
                                                      "effect": "NoExecute"}],
     [tolerate(300), tolerate(60, NOT_READY)], 60.0),
    ("negative means now", [unreachable(0)], [tolerate(-5)], 0.0),
    ("no timeAdded counts from now", [unreachable(None)], [tolerate(30)], 30.0),
])
def test_eviction_delay(name, taints, tolerations, expected):
    assert eviction_delay(taints, tolerations, NOW) == expected, name
