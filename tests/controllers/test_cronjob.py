"""The CronJob loop on the in-memory FakeApi with a fake clock: Jobs start at their minute,
the concurrency policies, suspend, the history limits, and bad schedules reported as
Warning events instead of crashing the controller."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.fake import FakeApi
from observe.client.informer import SharedInformerFactory
from observe.controllers.base import ControllerContext
from observe.controllers.cronjob import CronJobController

REGISTRY = default_registry()
CRONJOBS = REGISTRY.get("batch", "cronjobs")
JOBS = REGISTRY.get("batch", "jobs")
EVENTS = REGISTRY.get("", "events")
START = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)


def cronjob(schedule: str = "* * * * *", **spec: object) -> dict:
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "tick", "namespace": "ns",
                         "creationTimestamp": "2024-01-01T00:00:30Z"},
            "spec": {"schedule": schedule, "concurrencyPolicy": "Allow",
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}},
                     **spec}}


async def settle() -> None:
    for _ in range(100):
        await asyncio.sleep(0)


class Harness:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.api = FakeApi()
        self.factory = SharedInformerFactory(self.api)
        origin = self.clock.now()
        ctx = ControllerContext(api=self.api, factory=self.factory, resources=REGISTRY,
                                clock=self.clock,
                                now=lambda: START + timedelta(seconds=self.clock.now() - origin))
        self.ctx = ctx
        self.controller = CronJobController(ctx)

    async def start(self, cj: dict) -> None:
        await self.api.create(CRONJOBS, cj, namespace="ns")
        self.factory.start()
        self.controller.start()
        assert await self.factory.wait_for_sync(5)
        await settle()

    async def advance(self, seconds: float) -> None:
        for _ in range(int(seconds)):
            self.clock.advance(1)
            await settle()

    async def jobs(self) -> list[str]:
        return sorted(j["metadata"]["name"] for j in (await self.api.list(JOBS))["items"])

    async def finish(self, name: str, kind: str = "Complete") -> None:
        job = await self.api.get(JOBS, name, namespace="ns")
        now = self.ctx.now().isoformat().replace("+00:00", "Z")
        job["status"] = {"startTime": now, "completionTime": now,
                         "conditions": [{"type": kind, "status": "True"}]}
        await self.api.replace(JOBS, job, namespace="ns")
        await settle()

    async def status(self) -> dict:
        return (await self.api.get(CRONJOBS, "tick", namespace="ns")).get("status") or {}

    async def events(self) -> list[tuple[str, str]]:
        await self.ctx.flush_events()
        return [(e["reason"], e["message"]) for e in (await self.api.list(EVENTS))["items"]]


@pytest.fixture
async def harness():
    h = Harness()
    yield h
    await h.controller.stop()
    await h.ctx.flush_events()
    await h.factory.shutdown()


def minute(n: int) -> str:
    return f"tick-{int(datetime(2024, 1, 1, 0, n, tzinfo=UTC).timestamp()) // 60}"


async def test_starts_a_job_each_minute_and_tracks_it(harness):
    await harness.start(cronjob())
    assert await harness.jobs() == []
    await harness.advance(31)
    assert await harness.jobs() == [minute(1)]
    status = await harness.status()
    assert status["lastScheduleTime"] == "2024-01-01T00:01:00Z"
    assert [r["name"] for r in status["active"]] == [minute(1)]
    await harness.finish(minute(1))
    status = await harness.status()
    assert "active" not in status and status["lastSuccessfulTime"]
    await harness.advance(60)
    assert await harness.jobs() == [minute(1), minute(2)]
    reasons = [r for r, _ in await harness.events()]
    assert reasons.count("SuccessfulCreate") == 2 and "SawCompletedJob" in reasons


async def test_forbid_skips_while_a_job_runs(harness):
    await harness.start(cronjob(concurrencyPolicy="Forbid"))
    await harness.advance(91)
    assert await harness.jobs() == [minute(1)], "the 00:02 run is skipped"
    assert ("JobAlreadyActive", "Not starting job because prior execution is running and "
            "concurrency policy is Forbid") in await harness.events()


async def test_replace_deletes_the_running_job(harness):
    await harness.start(cronjob(concurrencyPolicy="Replace"))
    await harness.advance(91)
    assert await harness.jobs() == [minute(2)]
    assert [r["name"] for r in (await harness.status())["active"]] == [minute(2)]
    assert ("SuccessfulDelete", f"Deleted job {minute(1)}") in await harness.events()


async def test_allow_runs_concurrently(harness):
    await harness.start(cronjob())
    await harness.advance(91)
    assert await harness.jobs() == [minute(1), minute(2)]


async def test_suspended_starts_nothing(harness):
    await harness.start(cronjob(suspend=True))
    await harness.advance(91)
    assert await harness.jobs() == []


async def test_history_limits_delete_the_oldest_finished(harness):
    await harness.start(cronjob(successfulJobsHistoryLimit=1, failedJobsHistoryLimit=0))
    await harness.advance(31)
    await harness.finish(minute(1))
    await harness.advance(60)
    await harness.finish(minute(2), "Failed")
    assert await harness.jobs() == [minute(1)], "the failed one goes at once"
    await harness.advance(60)
    await harness.finish(minute(3))
    assert await harness.jobs() == [minute(3)]


async def test_starting_deadline_misses_a_late_start(harness):
    await harness.start(cronjob(startingDeadlineSeconds=5, suspend=True))
    await harness.advance(60)
    job = await harness.api.get(CRONJOBS, "tick", namespace="ns")
    job["spec"]["suspend"] = False
    await harness.api.replace(CRONJOBS, job, namespace="ns")
    await settle()
    assert await harness.jobs() == [], "00:01 is 30s past: later than the 5s deadline"
    await harness.advance(31)
    assert await harness.jobs() == [minute(2)]


@pytest.mark.parametrize(("schedule", "zone", "reason", "message"), [
    ("61 * * * *", None, "UnparseableSchedule",
     'unparseable schedule: "61 * * * *" : end of range (61) above maximum (59): 61'),
    ("every minute", None, "UnparseableSchedule",
     'unparseable schedule: "every minute" : expected exactly 5 fields, found 2: '
     "[every minute]"),
    ("0 0 31 2 *", None, "InvalidSchedule",
     "invalid schedule: 0 0 31 2 * : time difference between two schedules is less than "
     "1 second"),
    ("* * * * *", "Nowhere/Atlantis", "UnknownTimeZone",
     'invalid timeZone: "Nowhere/Atlantis": unknown time zone Nowhere/Atlantis'),
])
async def test_bad_schedules_are_warning_events(harness, schedule, zone, reason, message):
    spec = {"timeZone": zone} if zone else {}
    await harness.start(cronjob(schedule, **spec))
    await harness.advance(61)
    assert await harness.jobs() == []
    assert (reason, message) in await harness.events()
    assert harness.controller.start().done() is False, "the controller keeps running"
