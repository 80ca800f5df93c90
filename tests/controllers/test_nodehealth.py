"""Node heartbeats on the controller's own clock, and the conditions of a lost node."""

from __future__ import annotations

from datetime import UTC, datetime

from observe.client.clock import FakeClock
from observe.controllers.nodehealth import HeartbeatTracker, heartbeat, unknown_conditions

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def node(*conditions: dict) -> dict:
    return {"metadata": {"name": "n1", "creationTimestamp": "2024-05-01T10:00:00Z"},
            "status": {"conditions": list(conditions)}}


def lease(renewed: str) -> dict:
    return {"spec": {"renewTime": renewed}}


READY = {"type": "Ready", "status": "True", "reason": "KubeletReady",
         "lastHeartbeatTime": "2024-05-01T11:59:00Z",
         "lastTransitionTime": "2024-05-01T10:00:00Z"}


def test_silence_is_measured_from_the_last_change_seen():
    clock = FakeClock()
    tracker = HeartbeatTracker()
    n = node(READY)
    assert tracker.observe("n1", heartbeat(n, lease("t1")), clock.now()) == 0
    clock.advance(30)
    assert tracker.observe("n1", heartbeat(n, lease("t1")), clock.now()) == 30
    clock.advance(5)
    assert tracker.observe("n1", heartbeat(n, lease("t2")), clock.now()) == 0, \
        "a renewed Lease is a sign of life"
    clock.advance(50)
    later = node({**READY, "lastHeartbeatTime": "2024-05-01T12:00:50Z"})
    assert tracker.observe("n1", heartbeat(later, lease("t2")), clock.now()) == 0, \
        "so is a status heartbeat"
    tracker.forget("n1")
    clock.advance(100)
    assert tracker.observe("n1", heartbeat(later, lease("t2")), clock.now()) == 0, \
        "a node seen afresh gets a full grace period"


def test_a_lost_node_has_its_conditions_turned_unknown():
    conditions = unknown_conditions(node(READY), NOW)
    by_type = {c["type"]: c for c in conditions}
    assert by_type["Ready"] == {**READY, "status": "Unknown", "reason": "NodeStatusUnknown",
                                "message": "Kubelet stopped posting node status.",
                                "lastTransitionTime": "2024-05-01T12:00:00Z"}
    never = by_type["DiskPressure"]
    assert (never["status"], never["reason"], never["message"], never["lastHeartbeatTime"]) \
        == ("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.",
            "2024-05-01T10:00:00Z")
    assert unknown_conditions(node(*conditions), NOW) is None, "already Unknown: no change"
