"""What the CronJob controller decides, as pure functions over a CronJob, its Jobs and the
time.

Follows upstream's ``cronjob_controllerv2.go`` and ``utils.go``: the schedule time due now
is the most recent one after ``status.lastScheduleTime`` (or the CronJob's creation), and no
older than ``startingDeadlineSeconds`` — so schedules missed while the controller was down
start *one* Job, for the latest missed time, not one per miss; more than 100 missed times is
reported as ``TooManyMissedTimes``. A Job is named ``<cronjob>-<scheduled unix minutes>``,
which makes creating it twice for one time impossible. Finished Jobs beyond the history
limits are deleted oldest first.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from observe.api import meta as m
from observe.api.cronschedule import Schedule
from observe.controllers.jobstate import COMPLETE, FAILED, finished_condition
from observe.controllers.ownership import controller_ref

Object = dict[str, Any]

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
# Upstream's nextScheduleDelta: requeue a little after the time, never just before it.
NEXT_SCHEDULE_DELTA = 0.1
TOO_MANY_MISSED = 100


class InvalidSchedule(ValueError):
    """The schedule parses but cannot be followed (it never fires twice)."""


def _spec(cj: Object) -> Object:
    spec = cj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _deadline(cj: Object) -> int | None:
    value = _spec(cj).get("startingDeadlineSeconds")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Due:
    earliest: datetime
    most_recent: datetime | None
    missed: int  # how many schedule times passed since ``earliest`` (an estimate, as upstream)


def most_recent_schedule_time(cj: Object, now: datetime, schedule: Schedule,
                              include_deadline: bool = True) -> Due:
    """Upstream's ``mostRecentScheduleTime``."""
    meta, status = cj.get("metadata") or {}, cj.get("status") or {}
    earliest = m.parse_time(status.get("lastScheduleTime")) or \
        m.parse_time(meta.get("creationTimestamp")) or now
    deadline = _deadline(cj)
    if include_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=deadline))
    t1 = schedule.next(earliest)
    t2 = schedule.next(t1) if t1 is not None else None
    if t1 is None or t2 is None:
        raise InvalidSchedule("time difference between two schedules is less than 1 second")
    if now < t1:
        return Due(earliest, None, 0)
    if now < t2:
        return Due(earliest, t1, 1)
    between = round((t2 - t1).total_seconds())
    if between < 1:
        raise InvalidSchedule("time difference between two schedules is less than 1 second")
    missed = int((now - t1).total_seconds()) // between + 1
    # Start a little before the estimate so irregular schedules (30 6-16/4 * * 1-5) are
    # still walked through by the schedule itself.
    moment: datetime | None = schedule.next(t1 + timedelta(seconds=(missed - 2) * between))
    recent: datetime | None = None
    while moment is not None and moment <= now:
        recent = moment
        moment = schedule.next(moment)
    return Due(earliest, recent, missed)


def next_schedule_time(cj: Object, now: datetime, schedule: Schedule) -> tuple[datetime | None,
                                                                               bool]:
    """The schedule time to start a Job for now, if any, and whether too many were missed."""
    due = most_recent_schedule_time(cj, now, schedule)
    if due.most_recent is None or due.most_recent > now:
        return None, False
    return due.most_recent, due.missed > TOO_MANY_MISSED


def requeue_after(cj: Object, now: datetime, schedule: Schedule) -> float | None:
    """Seconds until the next schedule time (upstream's ``nextScheduleTimeDuration``)."""
    try:
        due = most_recent_schedule_time(cj, now, schedule, include_deadline=False)
        base = due.most_recent or (due.earliest if due.missed == 0 else now)
    except InvalidSchedule:
        base = now
    upcoming = schedule.next(base)
    if upcoming is None:
        return None
    return (upcoming - now).total_seconds() + NEXT_SCHEDULE_DELTA


def too_late(cj: Object, scheduled: datetime, now: datetime) -> bool:
    deadline = _deadline(cj)
    return deadline is not None and scheduled + timedelta(seconds=deadline) < now


def job_name(cj: Object, scheduled: datetime) -> str:
    return f"{cj['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_from_template(cj: Object, scheduled: datetime, schedule: Schedule) -> Object:
    """The Job started for ``scheduled`` (upstream's ``getJobFromTemplate2``)."""
    template = _spec(cj).get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    local = scheduled.astimezone(schedule.zone)
    annotations[SCHEDULED_TIMESTAMP] = local.isoformat().replace("+00:00", "Z")
    metadata: Object = {"name": job_name(cj, scheduled),
                        "namespace": cj["metadata"].get("namespace"),
                        "annotations": annotations,
                        "ownerReferences": [controller_ref(cj)]}
    if template_meta.get("labels"):
        metadata["labels"] = dict(template_meta["labels"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
            "spec": copy.deepcopy(template.get("spec") or {})}


def job_reference(job: Object) -> Object:
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta.get("namespace"), "name": meta["name"],
            "uid": meta.get("uid"), "apiVersion": "batch/v1",
            "resourceVersion": meta.get("resourceVersion")}


def finished_type(job: Object) -> str | None:
    cond = finished_condition(job)
    return str(cond["type"]) if cond else None


def _start_key(job: Object) -> tuple[int, float, str]:
    started = m.parse_time((job.get("status") or {}).get("startTime"))
    # Jobs that never started sort last, as upstream's byJobStartTime.
    return (0 if started else 1, started.timestamp() if started else 0.0,
            job["metadata"]["name"])


def history_to_delete(cj: Object, jobs: list[Object]) -> list[Object]:
    """Finished Jobs beyond ``successfulJobsHistoryLimit``/``failedJobsHistoryLimit``,
    oldest first."""
    victims: list[Object] = []
    for kind, key in ((COMPLETE, "successfulJobsHistoryLimit"),
                      (FAILED, "failedJobsHistoryLimit")):
        limit = _spec(cj).get(key)
        if not isinstance(limit, int):
            continue
        done = sorted((j for j in jobs if finished_type(j) == kind), key=_start_key)
        victims += done[:max(0, len(done) - limit)]
    return victims


def format_missed(scheduled: datetime) -> str:
    """Go's RFC1123Z of the UTC time, as the MissSchedule event prints it."""
    return scheduled.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
