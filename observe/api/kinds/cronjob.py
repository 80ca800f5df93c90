"""batch/v1 CronJob: ``SetDefaults_CronJob`` and ``ValidateCronJob``. The schedule is only
checked for presence here; parsing it is the CronJob controller's job.

A CronJob's ``jobTemplate`` is defaulted like a pod template only: the Job defaults apply
to each Job when it is created.
"""

from __future__ import annotations

import zoneinfo

from observe.api.errors import Cause
from observe.api.kinds.fields import child, set_default, set_default_if_empty
from observe.api.kinds.job import validate_job_spec, validate_job_template_selector
from observe.api.kinds.podspec import default_pod_template
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    bool_field,
    enum_field,
    int_field,
    invalid,
    max_len_error,
    string_field,
)

CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
# Job names get an 11-character suffix and must stay DNS-1035 labels (63 characters).
MAX_NAME_LENGTH = 52


def default_cronjob(obj: dict) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default_if_empty(spec, "concurrencyPolicy", "Allow")
    set_default(spec, "suspend", False)
    set_default(spec, "successfulJobsHistoryLimit", 3)
    set_default(spec, "failedJobsHistoryLimit", 1)
    job_template = child(spec, "jobTemplate")
    job_spec = child(job_template, "spec")
    child(job_template, "metadata")
    if job_spec is not None:
        default_pod_template(job_spec)


def validate_cronjob(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        causes.append(invalid("metadata.name", name, max_len_error(MAX_NAME_LENGTH)))
    spec = as_dict(obj.get("spec"), "spec", causes)
    schedule = spec.get("schedule")
    causes += string_field(schedule, "spec.schedule", required_=True)
    if isinstance(schedule, str) and ("TZ=" in schedule):
        causes.append(invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in "
                              "schedule, use timeZone field instead"))
    causes += _time_zone_causes(spec.get("timeZone"))
    causes += enum_field(spec.get("concurrencyPolicy"), "spec.concurrencyPolicy",
                         CONCURRENCY_POLICIES, required_=True)
    causes += bool_field(spec.get("suspend"), "spec.suspend")
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit",
                "failedJobsHistoryLimit"):
        causes += int_field(spec.get(key), f"spec.{key}", minimum=0)
    job_template = as_dict(spec.get("jobTemplate"), "spec.jobTemplate", causes)
    job_spec = as_dict(job_template.get("spec"), "spec.jobTemplate.spec", causes)
    causes += validate_job_spec(job_spec, "spec.jobTemplate.spec")
    causes += validate_job_template_selector(job_spec, "spec.jobTemplate.spec")
    return causes


def _time_zone_causes(zone: object) -> list[Cause]:
    causes = string_field(zone, "spec.timeZone")
    if causes or not zone:
        return causes
    try:
        zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return [invalid("spec.timeZone", zone, f"unknown time zone {zone}")]
    return []


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_cronjob, rules=validate_cronjob,
                          initial_status={})
