"""``kube_cronjob_*``: a CronJob's schedule, activity and when it fires next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    created_family,
    labels_family,
    metadata,
    one,
    optional_gauge,
    spec,
    status,
    timestamp_samples,
)
from exporters.state.metrics.kind import Kind, namespaced_identity
from observe.api.cronschedule import ScheduleError, parse


def _info(obj: Object) -> Sequence[Sample]:
    s = spec(obj)
    return one(1.0, ("schedule", str(s.get("schedule") or "")),
               ("concurrency_policy", str(s.get("concurrencyPolicy") or "")),
               ("timezone", str(s.get("timeZone") or "local")))


def _next_schedule(obj: Object) -> Sequence[Sample]:
    """After the last schedule time, or the creation time if it never ran; nothing while
    suspended or when the schedule cannot be read."""
    s = spec(obj)
    if s.get("suspend"):
        return NO_SAMPLES
    since = status(obj).get("lastScheduleTime") or metadata(obj).get("creationTimestamp")
    try:
        schedule = parse(str(s.get("schedule") or ""), s.get("timeZone"))
        after = datetime.fromisoformat(since) if isinstance(since, str) else None
    except (ScheduleError, ValueError):
        return NO_SAMPLES
    fire = schedule.next(after) if after is not None else None
    return NO_SAMPLES if fire is None else one(float(int(fire.timestamp())))


def _resource_version(obj: Object) -> Sequence[Sample]:
    try:
        return one(float(metadata(obj).get("resourceVersion") or ""))
    except ValueError:
        return NO_SAMPLES


def _suspend(obj: Object):
    value = spec(obj).get("suspend")
    return None if value is None else (1 if value else 0)


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st_time(field: str):
        return lambda obj: timestamp_samples(status(obj).get(field))

    def fam(name: str, help_text: str, generate, *, stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_cronjob_{name}", help_text, GAUGE, generate, stable=stable)

    return [
        annotations_family("kube_cronjob", allowed_annotations),
        labels_family("kube_cronjob", allowed_labels),
        fam("info", "Info about cronjob.", _info),
        created_family("kube_cronjob"),
        fam("status_active", "Active holds pointers to currently running jobs.",
            lambda obj: one(float(len(status(obj).get("active") or [])))),
        fam("status_last_schedule_time", "LastScheduleTime keeps information of when was the "
            "last time the job was successfully scheduled.", st_time("lastScheduleTime")),
        fam("status_last_successful_time", "LastSuccessfulTime keeps information of when was "
            "the last time the job was completed successfully.", st_time("lastSuccessfulTime")),
        optional_gauge("kube_cronjob_spec_suspend",
                       "Suspend flag tells the controller to suspend subsequent executions.",
                       _suspend),
        optional_gauge("kube_cronjob_spec_starting_deadline_seconds",
                       "Deadline in seconds for starting the job if it misses scheduled time for "
                       "any reason.", lambda obj: spec(obj).get("startingDeadlineSeconds")),
        fam("next_schedule_time", "Next time the cronjob should be scheduled. The time after "
            "lastScheduleTime, or after the cron job's creation time if it's never been "
            "scheduled. Use this to determine if the job is delayed.", _next_schedule),
        fam("metadata_resource_version",
            "Resource version representing a specific version of the cronjob.",
            _resource_version),
        optional_gauge("kube_cronjob_spec_successful_job_history_limit",
                       "Successful job history limit tells the controller how many completed "
                       "jobs should be preserved.",
                       lambda obj: spec(obj).get("successfulJobsHistoryLimit"), stable=False),
        optional_gauge("kube_cronjob_spec_failed_job_history_limit",
                       "Failed job history limit tells the controller how many failed jobs "
                       "should be preserved.", lambda obj: spec(obj).get("failedJobsHistoryLimit"),
                       stable=False),
    ]


KIND = Kind("cronjobs", "batch", "cronjobs", "*v1.CronJob", namespaced_identity("cronjob"),
            families)
