"""The ReplicaSet controller's pure parts: status, the replica diff, slow-start batches,
claiming pods, and expectations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.client.clock import FakeClock
from observe.controllers.expectations import EXPECTATIONS_TTL, Expectations
from observe.controllers.ownership import Claim, claim_action
from observe.controllers.replicaset import (
    BURST_REPLICAS,
    calculate_status,
    replica_diff,
    slow_start_batch,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def rs(replicas: int = 3, **spec: object) -> dict:
    return {"metadata": {"name": "web", "namespace": "ns", "uid": "rs-uid", "generation": 4},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": {
                "app": "web", "tier": "front"}}}, **spec},
            "status": {}}


def pod(labels: dict, ready_since: str | None = None) -> dict:
    conditions = [{"type": "Ready", "status": "True", "lastTransitionTime": ready_since}] \
        if ready_since else []
    return {"metadata": {"labels": labels}, "status": {"conditions": conditions}}


def test_status_counts_labels_readiness_and_availability():
    pods = [pod({"app": "web", "tier": "front"}, "2024-05-01T11:59:58Z"),
            pod({"app": "web", "tier": "front"}, "2024-05-01T11:00:00Z"),
            pod({"app": "web"})]
    status = calculate_status(rs(minReadySeconds=10), pods, None, NOW)
    assert status == {"replicas": 3, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                      "availableReplicas": 1, "observedGeneration": 4}


def test_a_failed_create_is_reported_then_cleared():
    failed = calculate_status(rs(3), [], "quota exceeded", NOW)
    assert failed["conditions"] == [{
        "type": "ReplicaFailure", "status": "True", "lastTransitionTime": "2024-05-01T12:00:00Z",
        "reason": "FailedCreate", "message": "quota exceeded"}]
    healed = calculate_status({**rs(3), "status": failed}, [], None, NOW)
    assert "conditions" not in healed


@pytest.mark.parametrize(("replicas", "pods", "diff"), [
    (3, 0, -3), (3, 5, 2), (3, 3, 0), (BURST_REPLICAS + 100, 0, -BURST_REPLICAS),
])
def test_replica_diff(replicas, pods, diff):
    assert replica_diff(rs(replicas), [{}] * pods) == diff


@pytest.mark.parametrize(("count", "fail_at", "expected_calls", "expected_done"), [
    (10, None, 10, 10),
    (10, 1, 1, 0),   # the first batch of one fails: nothing more is tried
    (10, 3, 3, 2),   # call 3 fails in the batch of two: the batch of four never starts
    (10, 4, 7, 6),   # call 4 fails in the batch of four, whose other calls still run
])
async def test_slow_start_batches(count, fail_at, expected_calls, expected_done):
    calls = 0

    async def action() -> None:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise RuntimeError("refused")

    done, error = await slow_start_batch(count, action)
    assert (calls, done) == (expected_calls, expected_done)
    assert (error is None) == (fail_at is None)


OWNER = {"metadata": {"uid": "me", "namespace": "ns"}}


def owned_by(uid: str | None, namespace: str = "ns", deleting: bool = False) -> dict:
    meta: dict = {"namespace": namespace}
    if uid:
        meta["ownerReferences"] = [{"uid": uid, "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    return {"metadata": meta}


@pytest.mark.parametrize(("owner", "obj", "matches", "expected"), [
    (OWNER, owned_by("me"), True, Claim.OWNED),
    (OWNER, owned_by("me"), False, Claim.RELEASE),
    (OWNER, owned_by("someone"), True, Claim.IGNORE),
    (OWNER, owned_by(None), True, Claim.ADOPT),
    (OWNER, owned_by(None), False, Claim.IGNORE),
    (OWNER, owned_by(None, deleting=True), True, Claim.IGNORE),
    (OWNER, owned_by(None, namespace="other"), True, Claim.IGNORE),
    ({"metadata": {**OWNER["metadata"], "deletionTimestamp": "x"}}, owned_by(None), True,
     Claim.IGNORE),
    ({"metadata": {**OWNER["metadata"], "deletionTimestamp": "x"}}, owned_by("me"), False,
     Claim.IGNORE),
])
def test_claim_action(owner, obj, matches, expected):
    assert claim_action(owner, obj, matches) is expected


def test_expectations_hold_until_observed_or_expired():
    clock = FakeClock()
    exp = Expectations(clock)
    assert exp.satisfied("ns/web")
    exp.expect_creations("ns/web", 2)
    assert not exp.satisfied("ns/web")
    exp.creation_observed("ns/web")
    assert exp.pending("ns/web") == (1, 0)
    exp.creation_observed("ns/web")
    assert exp.satisfied("ns/web")

    exp.expect_deletions("ns/web", ["ns/a", "ns/b"])
    exp.deletion_observed("ns/web", "ns/a")
    exp.deletion_observed("ns/web", "ns/a")  # seen twice (update, then delete): counts once
    assert not exp.satisfied("ns/web")
    clock.advance(EXPECTATIONS_TTL + 1)
    assert exp.satisfied("ns/web"), "a lost event must not wedge the controller"
