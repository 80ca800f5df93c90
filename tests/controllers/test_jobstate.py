"""The Job controller's decisions: counting finished pods through the tracking finalizer,
completion and failure, how many pods (or which indexes) to run, back-off, the pods it
creates and the status it writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.controllers import jobstate as js

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


def job(completions: int | None = 3, parallelism: int = 2, backoff: int = 6,
        mode: str = "NonIndexed", status: dict | None = None, **spec: object) -> dict:
    body = {"parallelism": parallelism, "backoffLimit": backoff, "completionMode": mode,
            "template": {"metadata": {"labels": {"app": "j"}},
                         "spec": {"restartPolicy": "Never",
                                  "containers": [{"name": "c", "image": "busybox"}]}},
            **spec}
    if completions is not None:
        body["completions"] = completions
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "ns", "uid": "job-uid"},
            "spec": body, "status": status or {}}


def pod(uid: str, phase: str = "Running", finalizer: bool = True, index: int | None = None,
        deleting: bool = False, restarts: int = 0) -> dict:
    meta: dict = {"name": f"p-{uid}", "namespace": "ns", "uid": uid}
    if finalizer:
        meta["finalizers"] = [js.TRACKING_FINALIZER]
    if index is not None:
        meta["annotations"] = {js.COMPLETION_INDEX: str(index)}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T11:59:00Z"
    return {"metadata": meta, "spec": {},
            "status": {"phase": phase,
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}}


@pytest.mark.parametrize(("name", "status", "pods", "want"), [
    ("finished pods become uncounted, their finalizers go",
     {}, [pod("a", "Succeeded"), pod("b", "Failed"), pod("c")],
     {"succeeded": 0, "failed": 0, "uncounted": {"succeeded": ["a"], "failed": ["b"]},
      "strip": ["a", "b"], "new": (1, 1)}),
    ("uncounted pods whose finalizer is gone are counted",
     {"succeeded": 1, "uncountedTerminatedPods": {"succeeded": ["a"], "failed": ["b"]}},
     [pod("a", "Succeeded", finalizer=False), pod("b", "Failed")],
     {"succeeded": 2, "failed": 0, "uncounted": {"succeeded": [], "failed": ["b"]},
      "strip": ["b"], "new": (0, 0)}),
    ("an uncounted pod that is gone is counted",
     {"uncountedTerminatedPods": {"failed": ["gone"]}}, [],
     {"succeeded": 0, "failed": 1, "uncounted": {"succeeded": [], "failed": []},
      "strip": [], "new": (0, 0)}),
    ("a pod deleted before finishing is a failure",
     {}, [pod("a", "Running", deleting=True)],
     {"succeeded": 0, "failed": 0, "uncounted": {"succeeded": [], "failed": ["a"]},
      "strip": ["a"], "new": (0, 1)}),
    ("pods without the finalizer were counted already",
     {"succeeded": 2}, [pod("a", "Succeeded", finalizer=False)],
     {"succeeded": 2, "failed": 0, "uncounted": {"succeeded": [], "failed": []},
      "strip": [], "new": (0, 0)}),
])
def test_tally(name, status, pods, want):
    counts = js.tally(job(status=status), pods)
    assert counts.succeeded == want["succeeded"], name
    assert counts.failed == want["failed"], name
    assert counts.uncounted == want["uncounted"], name
    assert [p["metadata"]["uid"] for p in counts.strip] == want["strip"], name
    assert (counts.new_successes, counts.new_failures) == want["new"], name


def test_tally_indexed_counts_each_index_once():
    j = job(completions=3, mode="Indexed", status={"completedIndexes": "0"})
    counts = js.tally(j, [pod("a", "Succeeded", index=0), pod("b", "Succeeded", index=2),
                          pod("c", "Succeeded", index=2), pod("d", "Succeeded", index=7)])
    assert counts.completed_indexes == {0, 2}
    assert counts.uncounted["succeeded"] == ["b"], "duplicates and strays complete nothing"
    assert len(counts.strip) == 4, "but every finished pod releases its finalizer"


@pytest.mark.parametrize(("text", "limit", "indexes"), [
    ("", 5, set()), ("0", 5, {0}), ("1,3-5", 10, {1, 3, 4, 5}), ("3-9", 5, {3, 4}),
    ("x,2", 5, {2}),
])
def test_parse_indexes(text, limit, indexes):
    assert js.parse_indexes(text, limit) == indexes


@pytest.mark.parametrize(("indexes", "text"), [
    (set(), ""), ({0}, "0"), ({0, 1, 2, 5, 7, 8}, "0-2,5,7-8"),
])
def test_format_indexes(indexes, text):
    assert js.format_indexes(indexes) == text


def counts_for(j: dict, pods: list[dict]) -> js.Tally:
    return js.tally(j, pods)


@pytest.mark.parametrize(("name", "j", "pods", "create", "delete", "interim", "finish"), [
    ("starts parallelism pods", job(5, 2), [], 2, 0, None, None),
    ("never more than the completions left", job(3, 5, status={"succeeded": 2}), [],
     1, 0, None, None),
    ("deletes the surplus when parallelism drops", job(5, 1), [pod("a"), pod("b")],
     0, 1, None, None),
    ("completes once enough pods succeeded", job(2, 2, status={"succeeded": 2}), [],
     0, 0, "SuccessCriteriaMet", "Complete"),
    ("waits for running pods before the terminal condition",
     job(1, 2, status={"succeeded": 1}), [pod("a")], 0, 1, "SuccessCriteriaMet", None),
    ("fails past the backoff limit", job(5, 2, backoff=1, status={"failed": 2}), [pod("a")],
     0, 1, "FailureTarget", None),
    ("at the backoff limit it retries", job(5, 2, backoff=2, status={"failed": 2}), [],
     2, 0, None, None),
    ("a work queue completes when one succeeded and none runs",
     job(None, 3, status={"succeeded": 1}), [], 0, 0, "SuccessCriteriaMet", "Complete"),
    ("a work queue starts no more once one succeeded",
     job(None, 3, status={"succeeded": 1}), [pod("a")], 0, 0, None, None),
    ("suspended: delete everything, create nothing", job(3, 2, suspend=True),
     [pod("a")], 0, 1, None, None),
])
def test_plan(name, j, pods, create, delete, interim, finish):
    active = [p for p in pods if p["status"]["phase"] in ("Pending", "Running")]
    result = js.plan(j, counts_for(j, pods), active, 0, NOW)
    assert result.create == create, name
    assert len(result.delete) == delete, name
    assert (result.interim or (None,))[0] == interim, name
    assert (result.finish or (None,))[0] == finish, name


def test_plan_fails_past_the_active_deadline_and_rechecks_before():
    started = {"startTime": "2024-01-01T11:59:00Z"}
    late = job(3, 1, activeDeadlineSeconds=30, status=started)
    result = js.plan(late, js.tally(late, []), [], 0, NOW)
    assert result.interim == ("FailureTarget", *js.DEADLINE_EXCEEDED)
    assert result.finish == ("Failed", *js.DEADLINE_EXCEEDED)
    early = job(3, 1, activeDeadlineSeconds=90, status=started)
    assert js.plan(early, js.tally(early, []), [], 0, NOW).recheck_after == 30


def test_plan_counts_restarts_when_restart_policy_is_on_failure():
    j = job(1, 1, backoff=2)
    j["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    running = [pod("a", restarts=2)]
    assert js.plan(j, js.tally(j, running), running, 0, NOW).interim[1] == \
        "BackoffLimitExceeded"


def test_plan_indexed_creates_the_lowest_missing_indexes_and_drops_duplicates():
    j = job(5, 3, mode="Indexed", status={"completedIndexes": "0"})
    pods = [pod("a", index=2), pod("b", index=2), pod("c", index=0)]
    result = js.plan(j, js.tally(j, pods), pods, 0, NOW)
    assert sorted(p["metadata"]["uid"] for p in result.delete) in (["b", "c"], ["a", "c"])
    assert result.create_indexes == [1, 3]


@pytest.mark.parametrize(("failures", "elapsed", "left"), [
    (0, 0.0, 0.0), (1, 0.0, 10.0), (1, 4.0, 6.0), (3, 0.0, 40.0), (20, 0.0, 600.0),
    (2, 25.0, 0.0),
])
def test_backoff(failures, elapsed, left):
    record = js.BackoffRecord(failures, 100.0)
    assert record.remaining(100.0 + elapsed, 10.0) == pytest.approx(left)


def test_backoff_resets_on_success():
    record = js.BackoffRecord()
    record.observe(0, 2, now=5.0)
    assert (record.failures, record.last_failure) == (2, 5.0)
    record.observe(1, 0, now=6.0)
    assert record.failures == 0


def test_indexed_pod_carries_its_index_everywhere():
    j = job(3, 1, mode="Indexed")
    p = js.pod_for(j, 2)
    meta = p["metadata"]
    assert meta["generateName"] == "j-2-"
    assert meta["annotations"][js.COMPLETION_INDEX] == "2"
    assert meta["labels"] == {"app": "j", js.COMPLETION_INDEX: "2"}
    assert meta["finalizers"] == [js.TRACKING_FINALIZER]
    assert meta["ownerReferences"][0]["uid"] == "job-uid"
    assert p["spec"]["hostname"] == "j-2"
    assert p["spec"]["containers"][0]["env"] == [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {
        "fieldRef": {"fieldPath": "metadata.annotations['batch.kubernetes.io/"
                                  "job-completion-index']"}}}]
    plain = js.pod_for(job(), None)
    assert plain["metadata"]["generateName"] == "j-" and "hostname" not in plain["spec"]


def test_status_after_completion():
    j = job(1, 1, status={"succeeded": 0, "startTime": "2024-01-01T11:00:00Z",
                          "uncountedTerminatedPods": {"succeeded": ["a"]}})
    counts = js.tally(j, [])
    result = js.plan(j, counts, [], 0, NOW)
    status = js.next_status(j, counts, [], 0, result, NOW)
    assert status["succeeded"] == 1 and status["startTime"] == "2024-01-01T11:00:00Z"
    assert [(c["type"], c["reason"]) for c in status["conditions"]] == [
        ("SuccessCriteriaMet", "CompletionsReached"), ("Complete", "CompletionsReached")]
    assert status["completionTime"] == "2024-01-01T12:00:00Z"
    assert status["uncountedTerminatedPods"] == {}
    assert "active" not in status and status["ready"] == 0


def test_status_suspended_and_resumed():
    j = job(3, 1, suspend=True, status={"startTime": "2024-01-01T11:00:00Z"})
    status = js.next_status(j, js.tally(j, []), [], 0, js.Plan(), NOW)
    assert "startTime" not in status
    assert status["conditions"][0]["type"] == "Suspended"
    assert status["conditions"][0]["reason"] == "JobSuspended"
    resumed = job(3, 1, status=status)
    again = js.next_status(resumed, js.tally(resumed, []), [], 0, js.Plan(), NOW)
    assert again["conditions"][0]["status"] == "False"
    assert again["conditions"][0]["reason"] == "JobResumed"
    assert again["startTime"] == "2024-01-01T12:00:00Z"
