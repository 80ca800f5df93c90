"""Revision annotations and the Deployment's status and conditions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.controllers import deployment_status as ds
from observe.controllers.deployment_revisions import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    REVISION,
    REVISION_HISTORY,
    max_revision,
    new_replicaset_annotations,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def stamp(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment(replicas: int = 3, status: dict | None = None, **spec: object) -> dict:
    return {"metadata": {"name": "web", "generation": 2, "annotations": {}},
            "spec": {"replicas": replicas, "progressDeadlineSeconds": 600,
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                         "maxSurge": "25%", "maxUnavailable": "25%"}}, **spec},
            "status": status or {}}


def rs(name: str, replicas: int, ready: int, available: int) -> dict:
    return {"metadata": {"name": name}, "spec": {"replicas": replicas},
            "status": {"replicas": replicas, "readyReplicas": ready,
                       "availableReplicas": available}}


def progressing(reason: str, seconds_ago: float = 0, status: str = "True") -> dict:
    return {"type": "Progressing", "status": status, "reason": reason, "message": "",
            "lastUpdateTime": stamp(seconds_ago), "lastTransitionTime": stamp(seconds_ago)}


@pytest.mark.parametrize(("deployment_annotations", "rs_annotations", "revision", "exists",
                          "expected"), [
    ({"kubernetes.io/change-cause": "v2"}, {}, 2, False,
     {"kubernetes.io/change-cause": "v2", REVISION: "2", DESIRED_REPLICAS: "3",
      MAX_REPLICAS: "4"}),
    # a rollback: the old number joins the history
    ({}, {REVISION: "1"}, 3, True, {REVISION: "3", REVISION_HISTORY: "1"}),
    ({}, {REVISION: "3", REVISION_HISTORY: "1"}, 5, True,
     {REVISION: "5", REVISION_HISTORY: "1,3"}),
    # the revision never goes down
    ({}, {REVISION: "4"}, 2, True, {REVISION: "4"}),
    # what the Deployment must not pass on
    ({REVISION: "9", "kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"},
     {REVISION: "2"}, 2, True, {REVISION: "2", "team": "a"}),
])
def test_new_replicaset_annotations(deployment_annotations, rs_annotations, revision, exists,
                                    expected):
    d = deployment()
    d["metadata"]["annotations"] = deployment_annotations
    assert new_replicaset_annotations(d, rs_annotations, revision, exists, (3, 4)) == expected


def test_max_revision_ignores_unreadable_ones():
    rss = [{"metadata": {"annotations": {REVISION: v}}} for v in ("3", "x", "10")]
    assert max_revision(rss) == 10
    assert max_revision([]) == 0


@pytest.mark.parametrize(("rss", "available_condition"), [
    ([rs("a", 3, 3, 3)], ("True", "MinimumReplicasAvailable")),
    ([rs("a", 3, 2, 2)], ("False", "MinimumReplicasUnavailable")),  # 25% of 3 is 0
    ([rs("old", 2, 2, 2), rs("new", 2, 1, 1)], ("True", "MinimumReplicasAvailable")),
])
def test_available_condition(rss, available_condition):
    status = ds.calculate_status(rss, rss[-1], deployment(), NOW)
    cond = ds.get_condition(status, "Available")
    assert (cond["status"], cond["reason"]) == available_condition


def test_status_counts_and_omits_zeros():
    status = ds.calculate_status([rs("old", 1, 1, 1), rs("new", 3, 0, 0)], rs("new", 3, 0, 0),
                                 deployment(), NOW)
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "readyReplicas": 1,
        "availableReplicas": 1, "unavailableReplicas": 3}
    empty = ds.calculate_status([rs("new", 0, 0, 0)], None, deployment(0), NOW)
    assert set(empty) == {"observedGeneration", "conditions"}


STALLED = {"readyReplicas": 3, "availableReplicas": 3}


@pytest.mark.parametrize(("name", "before", "rss", "expected"), [
    ("complete", {"updatedReplicas": 2, "replicas": 3,
                  "conditions": [progressing("ReplicaSetUpdated", 10)]},
     [rs("new", 3, 3, 3)], ("True", "NewReplicaSetAvailable",
                            'ReplicaSet "new" has successfully progressed.')),
    ("progress", {"updatedReplicas": 1, "replicas": 3,
                  "conditions": [progressing("NewReplicaSetCreated", 10)]},
     [rs("old", 2, 2, 2), rs("new", 2, 0, 0)], ("True", "ReplicaSetUpdated",
                                                'ReplicaSet "new" is progressing.')),
    ("stalled past the deadline", {"updatedReplicas": 1, "replicas": 4, **STALLED,
                                   "conditions": [progressing("ReplicaSetUpdated", 601)]},
     [rs("old", 3, 3, 3), rs("new", 1, 0, 0)], ("False", "ProgressDeadlineExceeded",
                                                'ReplicaSet "new" has timed out progressing.')),
    ("stalled within the deadline", {"updatedReplicas": 1, "replicas": 4, **STALLED,
                                     "conditions": [progressing("ReplicaSetUpdated", 30)]},
     [rs("old", 3, 3, 3), rs("new", 1, 0, 0)], ("True", "ReplicaSetUpdated", "")),
])
def test_progressing_condition(name, before, rss, expected):
    before = {"observedGeneration": 2, **before}
    status = ds.rollout_status(rss, rss[-1], deployment(status=before), NOW)
    cond = ds.get_condition(status, "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == expected, name


def test_progress_refreshes_update_time_but_keeps_transition_time():
    before = {"observedGeneration": 2, "updatedReplicas": 1, "replicas": 4,
              "conditions": [progressing("ReplicaSetUpdated", 100)]}
    status = ds.rollout_status([rs("old", 2, 2, 2), rs("new", 2, 0, 0)], rs("new", 2, 0, 0),
                               deployment(status=before), NOW)
    cond = ds.get_condition(status, "Progressing")
    assert cond["lastUpdateTime"] == stamp(0)
    assert cond["lastTransitionTime"] == stamp(100)


def test_a_stuck_rollout_is_looked_at_again_when_its_deadline_passes():
    before = {"observedGeneration": 2, "conditions": [progressing("ReplicaSetUpdated", 100)]}
    d = deployment(status=before)
    assert ds.stuck_requeue_delay(d, {"replicas": 3}, NOW) == 500
    done = {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
            "availableReplicas": 3}
    assert ds.stuck_requeue_delay(d, done, NOW) is None


@pytest.mark.parametrize(("paused", "recorded", "expected"), [
    (True, None, "DeploymentPaused"),
    (True, "DeploymentPaused", None),
    (False, "DeploymentPaused", "DeploymentResumed"),
    (False, "ReplicaSetUpdated", None),
    (True, "ProgressDeadlineExceeded", None),  # a timeout is never overwritten
])
def test_pause_and_resume_conditions(paused, recorded, expected):
    status = {"conditions": [progressing(recorded)]} if recorded else {}
    cond = ds.paused_condition(deployment(status=status, paused=paused), NOW)
    assert (cond["reason"] if cond else None) == expected
    if cond:
        assert cond["status"] == "Unknown"
