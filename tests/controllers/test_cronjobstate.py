"""The CronJob controller's decisions about time: which schedule time is due, what a
controller that was down does about the times it missed, the starting deadline, Job names
and templates, and the history limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.api.cronschedule import parse
from observe.controllers import cronjobstate as cs

EVERY_MINUTE = parse("* * * * *")


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2024-01-01T{text}+00:00").astimezone(UTC)


def cronjob(last: str | None = None, deadline: int | None = None, **spec: object) -> dict:
    body: dict = {"schedule": "* * * * *", **spec}
    if deadline is not None:
        body["startingDeadlineSeconds"] = deadline
    status = {"lastScheduleTime": f"2024-01-01T{last}Z"} if last else {}
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "tick", "namespace": "ns", "uid": "cj-uid",
                         "creationTimestamp": "2024-01-01T00:00:30Z"},
            "spec": body, "status": status}


@pytest.mark.parametrize(("name", "cj", "now", "due", "too_many"), [
    ("nothing before the first minute", cronjob(), "00:00:50", None, False),
    ("the first minute after creation", cronjob(), "00:01:10", "00:01:00", False),
    ("already started for this minute", cronjob("00:01:00"), "00:01:40", None, False),
    # The controller was down from 00:01 to 00:07: one Job, for the latest missed time.
    ("missed times while down: only the latest", cronjob("00:01:00"), "00:07:20",
     "00:07:00", False),
    ("the deadline hides older times", cronjob("00:01:00", deadline=30), "00:07:20",
     "00:07:00", False),
    ("the deadline can hide every time", cronjob("00:01:00", deadline=10), "00:07:20",
     None, False),
    ("more than 100 missed times is reported", cronjob("00:01:00"), "03:00:00",
     "03:00:00", True),
])
def test_next_schedule_time(name, cj, now, due, too_many):
    scheduled, many = cs.next_schedule_time(cj, at(now), EVERY_MINUTE)
    assert scheduled == (at(due) if due else None), name
    assert many is too_many, name


def test_an_impossible_schedule_is_invalid():
    with pytest.raises(cs.InvalidSchedule):
        cs.next_schedule_time(cronjob(), at("00:10:00"), parse("0 0 31 2 *"))


@pytest.mark.parametrize(("cj", "now", "seconds"), [
    (cronjob(), "00:00:50", 10.1),
    (cronjob("00:01:00"), "00:01:40", 20.1),
    (cronjob("00:01:00"), "00:07:20", 40.1),
])
def test_requeue_after_waits_for_the_next_time(cj, now, seconds):
    assert cs.requeue_after(cj, at(now), EVERY_MINUTE) == pytest.approx(seconds)


@pytest.mark.parametrize(("deadline", "now", "late"), [
    (None, "01:00:00", False), (30, "00:01:20", False), (30, "00:01:31", True),
])
def test_too_late(deadline, now, late):
    assert cs.too_late(cronjob(deadline=deadline), at("00:01:00"), at(now)) is late


def test_job_from_template():
    cj = cronjob(jobTemplate={"metadata": {"labels": {"team": "a"},
                                           "annotations": {"note": "x"}},
                              "spec": {"template": {"spec": {"containers": []}}}})
    job = cs.job_from_template(cj, at("00:05:00"), parse("* * * * *", "Asia/Tokyo"))
    meta = job["metadata"]
    assert meta["name"] == f"tick-{int(at('00:05:00').timestamp()) // 60}"
    assert meta["labels"] == {"team": "a"}
    assert meta["annotations"] == {"note": "x",
                                   cs.SCHEDULED_TIMESTAMP: "2024-01-01T09:05:00+09:00"}
    assert meta["ownerReferences"][0] == {
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "tick", "uid": "cj-uid",
        "controller": True, "blockOwnerDeletion": True}
    assert job["spec"] == {"template": {"spec": {"containers": []}}}


def finished(name: str, kind: str, started: str | None) -> dict:
    status: dict = {"conditions": [{"type": kind, "status": "True"}]}
    if started:
        status["startTime"] = f"2024-01-01T{started}Z"
    return {"metadata": {"name": name}, "status": status}


def test_history_keeps_the_newest_within_each_limit():
    jobs = [finished("s1", "Complete", "00:01:00"), finished("s3", "Complete", "00:03:00"),
            finished("s2", "Complete", "00:02:00"), finished("f1", "Failed", "00:01:00"),
            finished("f0", "Failed", None), {"metadata": {"name": "running"}, "status": {}}]
    cj = cronjob(successfulJobsHistoryLimit=1, failedJobsHistoryLimit=1)
    assert [j["metadata"]["name"] for j in cs.history_to_delete(cj, jobs)] == \
        ["s1", "s2", "f1"]
    assert cs.history_to_delete(cronjob(), jobs) == [], "no limits: keep everything"


def test_missed_time_formats_like_go_rfc1123z():
    assert cs.format_missed(at("00:07:00")) == "Mon, 01 Jan 2024 00:07:00 +0000"
