"""The Job and TTL-after-finished controllers against a real apiserver. No kubelet runs:
the tests finish pods by writing the status a kubelet would (phase Succeeded or Failed)."""

from __future__ import annotations

from datetime import timedelta

from observe.api import meta as m
from observe.api.registry import default_registry
from observe.client.errors import ApiError
from observe.controllers.jobstate import COMPLETION_INDEX, TRACKING_FINALIZER
from tests.controllers.cluster import PODS, events_for, eventually, live_pods

JOBS = default_registry().get("batch", "jobs")
CRONJOBS = default_registry().get("batch", "cronjobs")


def job(name: str, completions: int | None, parallelism: int, **spec: object) -> dict:
    body: dict = {"parallelism": parallelism,
                  "template": {"spec": {"restartPolicy": "Never",
                                        "containers": [{"name": "c", "image": "busybox"}]}},
                  **spec}
    if completions is not None:
        body["completions"] = completions
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": body}


async def finish(api, pod: dict, phase: str) -> None:
    fresh = await api.get(PODS, pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    await api.replace(PODS, {**fresh, "status": {**(fresh.get("status") or {}), "phase": phase}},
                      subresource="status")


async def running_pods(api, ns: str, name: str) -> list[dict]:
    return [p for p in await live_pods(api, ns, f"batch.kubernetes.io/job-name={name}")
            if (p.get("status") or {}).get("phase") in (None, "Pending", "Running")]


async def condition(api, ns: str, name: str, kind: str) -> dict | None:
    current = await api.get(JOBS, name, namespace=ns)
    for cond in current["status"].get("conditions") or []:
        if cond["type"] == kind and cond["status"] == "True":
            return current
    return None


async def drive(api, ns: str, name: str, phase: str, until: str, max_running: int) -> dict:
    """Finish every running pod of the Job with ``phase`` until the Job has condition
    ``until``, checking it never runs more than ``max_running`` pods at once."""
    async def step() -> dict | None:
        running = await running_pods(api, ns, name)
        assert len(running) <= max_running, f"{len(running)} pods running at once"
        for pod in running:
            await finish(api, pod, phase)
        return await condition(api, ns, name, until)
    return await eventually(step, f"job {name} {until}")


async def test_completions_with_parallelism_complete(api, ns, controllers):
    await controllers("job")
    await api.create(JOBS, job("pi", 5, 2), namespace=ns)
    done = await drive(api, ns, "pi", "Succeeded", "Complete", max_running=2)
    status = done["status"]
    assert status["succeeded"] == 5 and "failed" not in status
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert status["conditions"][1]["reason"] == "CompletionsReached"
    assert status["completionTime"] and status["startTime"]
    pods = (await api.list(PODS, namespace=ns))["items"]
    assert len(pods) == 5, "exactly completions pods were created"
    assert all(TRACKING_FINALIZER not in (p["metadata"].get("finalizers") or [])
               for p in pods), "counted pods are released"
    events = await eventually(lambda: _reasons(api, ns, "pi", {"Completed"}), "events")
    assert events.count("SuccessfulCreate") == 5


async def test_a_failing_job_stops_at_its_backoff_limit(api, ns, controllers):
    await controllers("job", job_pod_failure_backoff=0.05)
    await api.create(JOBS, job("bad", 3, 1, backoffLimit=2), namespace=ns)
    failed = await drive(api, ns, "bad", "Failed", "Failed", max_running=1)
    status = failed["status"]
    assert status["failed"] == 3, "backoffLimit 2 allows 3 attempts"
    assert [(c["type"], c["reason"]) for c in status["conditions"]] == [
        ("FailureTarget", "BackoffLimitExceeded"), ("Failed", "BackoffLimitExceeded")]
    assert len((await api.list(PODS, namespace=ns))["items"]) == 3
    messages = await eventually(
        lambda: _messages(api, ns, "bad", "BackoffLimitExceeded"), "failure event")
    assert messages == ["Job has reached the specified backoff limit"]


async def test_indexed_job_runs_each_index_once(api, ns, controllers):
    await controllers("job")
    await api.create(JOBS, job("idx", 3, 3, completionMode="Indexed"), namespace=ns)
    pods = await eventually(lambda: _count(api, ns, "idx", 3), "3 indexed pods")
    assert sorted(p["metadata"]["annotations"][COMPLETION_INDEX] for p in pods) == \
        ["0", "1", "2"]
    assert sorted(p["spec"]["hostname"] for p in pods) == ["idx-0", "idx-1", "idx-2"]
    done = await drive(api, ns, "idx", "Succeeded", "Complete", max_running=3)
    assert done["status"]["completedIndexes"] == "0-2"


async def test_finished_job_is_deleted_after_its_ttl(api, ns, controllers):
    await controllers("job", "ttl-after-finished", "garbagecollector")
    await api.create(JOBS, job("short", 1, 1, ttlSecondsAfterFinished=1), namespace=ns)
    await drive(api, ns, "short", "Succeeded", "Complete", max_running=1)

    async def gone() -> bool:
        try:
            await api.get(JOBS, "short", namespace=ns)
        except ApiError as e:
            return e.code == 404
        return False
    await eventually(gone, "the job to be deleted")


async def test_active_deadline_fails_the_job(api, ns, controllers):
    await controllers("job")
    await api.create(JOBS, job("slow", 1, 1, activeDeadlineSeconds=1), namespace=ns)
    failed = await eventually(lambda: condition(api, ns, "slow", "Failed"), "deadline")
    assert failed["status"]["conditions"][-1]["reason"] == "DeadlineExceeded"
    assert await _messages(api, ns, "slow", "DeadlineExceeded") == \
        ["Job was active longer than specified deadline"]


async def _count(api, ns: str, name: str, count: int) -> list[dict] | None:
    pods = await running_pods(api, ns, name)
    return pods if len(pods) == count else None


async def _reasons(api, ns: str, name: str, need: set[str]) -> list[str] | None:
    reasons = [r for r, _ in await events_for(api, ns, name)]
    return reasons if need <= set(reasons) else None


async def _messages(api, ns: str, name: str, reason: str) -> list[str]:
    return [msg for r, msg in await events_for(api, ns, name) if r == reason]


async def test_an_every_minute_cronjob_runs_its_job(api, ns, controllers):
    """The CronJob was last scheduled 90s ago (as if the controller had been down): on
    start it runs the latest missed minute at once, through the Job controller to a pod."""
    created = await api.create(CRONJOBS, {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
        "spec": {"schedule": "* * * * *",
                 "jobTemplate": {"spec": {"template": {"spec": {
                     "restartPolicy": "Never",
                     "containers": [{"name": "c", "image": "busybox"}]}}}}}}, namespace=ns)
    last = m.now() - timedelta(seconds=90)
    await api.replace(CRONJOBS, {**created, "status": {"lastScheduleTime": m.rfc3339(last)}},
                      subresource="status")
    await controllers("cronjob", "job")

    async def a_job() -> list[dict]:
        return (await api.list(JOBS, namespace=ns))["items"]
    jobs = await eventually(a_job, "a job from the cronjob")
    assert len(jobs) == 1
    meta = jobs[0]["metadata"]
    assert meta["ownerReferences"][0]["kind"] == "CronJob"
    scheduled = m.parse_time(meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"])
    assert meta["name"] == f"tick-{int(scheduled.timestamp()) // 60}"
    assert last < scheduled <= m.now()
    await eventually(lambda: running_pods(api, ns, meta["name"]), "the job's pod")
    status = (await eventually(lambda: _cron_active(api, ns), "status.active"))["status"]
    assert status["active"][0]["name"] == meta["name"]
    assert status["lastScheduleTime"] == m.rfc3339(scheduled)


async def _cron_active(api, ns: str) -> dict | None:
    cj = await api.get(CRONJOBS, "tick", namespace=ns)
    return cj if (cj.get("status") or {}).get("active") else None
