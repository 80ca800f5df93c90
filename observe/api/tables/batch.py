"""Printers of the batch group: Job (``STATUS``, ``COMPLETIONS 1/1``, ``DURATION``) and
CronJob (``SCHEDULE``, ``TIMEZONE``, ``SUSPEND``, ``ACTIVE``, ``LAST SCHEDULE``), as
kube-apiserver 1.32 prints them.
"""

from __future__ import annotations

from datetime import datetime

from observe.api.tables.cells import (
    age,
    bool_text,
    container_cells,
    dicts,
    format_label_selector,
    get,
    integer,
    items,
    mapping,
    name,
    or_none,
    text,
)
from observe.api.tables.columns import AGE, CONTAINERS, IMAGES, NAME, Column, Printer, wide
from observe.api.tables.descriptions import DOCS
from observe.api.tables.duration import between, parse_time, since


def _condition(job: dict, condition_type: str) -> bool:
    for condition in dicts(job, "status", "conditions"):
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


def job_status(job: dict) -> str:
    if _condition(job, "Complete"):
        return "Complete"
    if _condition(job, "Failed"):
        return "Failed"
    if get(job, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if _condition(job, "Suspended"):
        return "Suspended"
    if _condition(job, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def job_completions(job: dict) -> str:
    """``succeeded/completions``; without completions, ``n/1`` or ``n/1 of <parallelism>``."""
    succeeded = integer(job, "status", "succeeded")
    completions = get(job, "spec", "completions")
    if isinstance(completions, int) and not isinstance(completions, bool):
        return f"{succeeded}/{completions}"
    parallelism = integer(job, "spec", "parallelism")
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def job_duration(job: dict, now: datetime) -> str:
    start = parse_time(get(job, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(get(job, "status", "completionTime"))
    return between(start, end if end is not None else now)


def _job_cells(job: dict, now: datetime) -> list:
    return [name(job), job_status(job), job_completions(job), job_duration(job, now),
            age(job, now), *container_cells(mapping(job, "spec", "template", "spec")),
            format_label_selector(get(job, "spec", "selector"))]


JOB = Printer(
    (NAME, Column("Status", "Status of the job."),
     Column("Completions", DOCS["JobStatus.succeeded"]),
     Column("Duration", "Time required to complete the job."), AGE,
     CONTAINERS, IMAGES, wide("Selector", DOCS["JobSpec.selector"])),
    _job_cells,
)


def _cron_job_cells(cron_job: dict, now: datetime) -> list:
    last = get(cron_job, "status", "lastScheduleTime")
    job_spec = mapping(cron_job, "spec", "jobTemplate", "spec")
    return [name(cron_job), text(cron_job, "spec", "schedule"),
            or_none(text(cron_job, "spec", "timeZone")),
            bool_text(get(cron_job, "spec", "suspend")), len(items(cron_job, "status", "active")),
            "<none>" if last is None else since(now, last), age(cron_job, now),
            *container_cells(mapping(job_spec, "template", "spec")),
            format_label_selector(get(job_spec, "selector"))]


CRON_JOB = Printer(
    (NAME, Column("Schedule", DOCS["CronJobSpec.schedule"]),
     Column("Timezone", DOCS["CronJobSpec.timeZone"]),
     Column("Suspend", DOCS["CronJobSpec.suspend"], "boolean"),
     Column("Active", DOCS["CronJobStatus.active"], "integer"),
     Column("Last Schedule", DOCS["CronJobStatus.lastScheduleTime"]), AGE,
     CONTAINERS, IMAGES, wide("Selector", DOCS["JobSpec.selector"])),
    _cron_job_cells,
)
