"""``kube_job_*``: a Job's parallelism, progress, conditions and owner.

Series carry ``namespace`` and ``job_name`` (not ``job``, which Prometheus reserves for the
scrape job).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from exporters.state.allowlist import AllowList
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    annotations_family,
    condition_of,
    condition_samples,
    created_family,
    gauge,
    labels_family,
    number,
    one,
    optional_gauge,
    owner_samples,
    spec,
    status,
    timestamp_samples,
)
from exporters.state.metrics.kind import Kind, namespaced_identity

FAILURE_REASONS = ("BackoffLimitExceeded", "DeadlineExceeded", "Evicted")


def _failed(obj: Object) -> list[Sample]:
    """Failed pods, split by the known reasons of a ``Failed`` condition; failures with no
    known reason under ``reason=""``; a bare 0 when nothing failed."""
    failed = number(status(obj).get("failed"))
    if failed == 0:
        return [Sample((), 0.0)]
    out: list[Sample] = []
    known = False
    for condition in condition_of(obj, "Failed"):
        for reason in FAILURE_REASONS:
            matches = condition.get("reason") == reason
            known = known or matches
            out.append(Sample((("reason", reason),), 1.0 if matches else 0.0))
    if not known:
        out.append(Sample((("reason", ""),), failed))
    return out


def _condition(condition_type: str) -> Callable[[Object], list[Sample]]:
    return lambda obj: [s for c in condition_of(obj, condition_type)
                        for s in condition_samples(c.get("status"), key="condition")]


def _suspended(obj: Object) -> list[Sample]:
    return [Sample((), 1.0 if c.get("status") == "True" else 0.0)
            for c in condition_of(obj, "Suspended")]


def _time(field: str) -> Callable[[Object], Sequence[Sample]]:
    return lambda obj: timestamp_samples(status(obj).get(field))


def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    def st(field: str):
        return lambda obj: number(status(obj).get(field))

    def sp(field: str):
        return lambda obj: spec(obj).get(field)

    def fam(name: str, help_text: str, generate: Callable[[Object], Sequence[Sample]], *,
            stable: bool = True) -> FamilyGenerator:
        return FamilyGenerator(f"kube_job_{name}", help_text, GAUGE, generate, stable=stable)

    return [
        annotations_family("kube_job", allowed_annotations),
        labels_family("kube_job", allowed_labels),
        fam("info", "Information about job.", lambda obj: one(1.0)),
        created_family("kube_job"),
        optional_gauge("kube_job_spec_parallelism",
                       "The maximum desired number of pods the job should run at any given time.",
                       sp("parallelism")),
        optional_gauge("kube_job_spec_completions",
                       "The desired number of successfully finished pods the job should be run "
                       "with.", sp("completions")),
        optional_gauge("kube_job_spec_active_deadline_seconds",
                       "The duration in seconds relative to the startTime that the job may be "
                       "active before the system tries to terminate it.",
                       sp("activeDeadlineSeconds")),
        gauge("kube_job_status_succeeded", "The number of pods which reached Phase Succeeded.",
              st("succeeded")),
        fam("status_failed", "The number of pods which reached Phase Failed and the reason for "
            "failure.", _failed),
        gauge("kube_job_status_active", "The number of actively running pods.", st("active")),
        gauge("kube_job_status_ready", "The number of ready pods that belong to this Job.",
              st("ready"), stable=False),
        fam("complete", "The job has completed its execution.", _condition("Complete")),
        fam("failed", "The job has failed its execution.", _condition("Failed")),
        fam("status_start_time",
            "StartTime represents time when the job was acknowledged by the Job Manager.",
            _time("startTime")),
        fam("status_completion_time", "CompletionTime represents time when the job was "
            "completed.", _time("completionTime")),
        fam("status_suspended", "The number of pods which reached Phase Suspended.", _suspended,
            stable=False),
        fam("owner", "Information about the Job's owner.", owner_samples),
    ]


KIND = Kind("jobs", "batch", "jobs", "*v1.Job", namespaced_identity("job_name"), families)
