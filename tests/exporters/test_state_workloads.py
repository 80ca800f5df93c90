"""kube_deployment_*, kube_replicaset_*, kube_statefulset_*, kube_daemonset_*, kube_job_*
and kube_cronjob_* for realistic objects."""

from __future__ import annotations

import pytest

from exporters.state.metrics import (
    cronjobs,
    daemonsets,
    deployments,
    jobs,
    replicasets,
    statefulsets,
)
from exporters.state.metrics.deployments import scaled
from exporters.state.testing import exposition, series

CREATED = "2024-05-01T00:00:00Z"  # 1714521600
META = {"namespace": "shop", "creationTimestamp": CREATED, "generation": 4,
        "resourceVersion": "1234"}

DEPLOYMENT = {
    "metadata": {**META, "name": "web"},
    "spec": {"replicas": 5, "paused": False,
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}},
    "status": {"observedGeneration": 3, "replicas": 6, "updatedReplicas": 2, "readyReplicas": 4,
               "availableReplicas": 4, "unavailableReplicas": 2,
               "conditions": [{"type": "Available", "status": "False",
                               "reason": "MinimumReplicasUnavailable"},
                              {"type": "Progressing", "status": "True",
                               "reason": "ReplicaSetUpdated"}]},
}
D = 'namespace="shop",deployment="web"'


def test_deployment() -> None:
    assert series(exposition(deployments.KIND, DEPLOYMENT)) == [
        f"kube_deployment_created{{{D}}} 1.7145216e+09",
        f"kube_deployment_status_replicas{{{D}}} 6",
        f"kube_deployment_status_replicas_ready{{{D}}} 4",
        f"kube_deployment_status_replicas_available{{{D}}} 4",
        f"kube_deployment_status_replicas_unavailable{{{D}}} 2",
        f"kube_deployment_status_replicas_updated{{{D}}} 2",
        f"kube_deployment_status_observed_generation{{{D}}} 3",
        *[f'kube_deployment_status_condition{{{D},reason="MinimumReplicasUnavailable",'
          f'condition="Available",status="{s}"}} {v}'
          for s, v in (("true", 0), ("false", 1), ("unknown", 0))],
        *[f'kube_deployment_status_condition{{{D},reason="ReplicaSetUpdated",'
          f'condition="Progressing",status="{s}"}} {v}'
          for s, v in (("true", 1), ("false", 0), ("unknown", 0))],
        f"kube_deployment_spec_replicas{{{D}}} 5",
        f"kube_deployment_spec_paused{{{D}}} 0",
        f"kube_deployment_spec_strategy_rollingupdate_max_unavailable{{{D}}} 1",
        f"kube_deployment_spec_strategy_rollingupdate_max_surge{{{D}}} 2",
        f"kube_deployment_metadata_generation{{{D}}} 4",
    ]


@pytest.mark.parametrize(("value", "total", "round_up", "expected"), [
    (3, 10, False, 3), ("25%", 5, False, 1), ("25%", 5, True, 2), ("0%", 5, True, 0),
    ("100%", 3, False, 3), ("7", 10, False, 7), ("x%", 5, False, None), (None, 5, True, None),
])
def test_rolling_update_bounds_scale_like_apimachinery(value, total, round_up, expected) -> None:
    assert scaled(value, total, round_up) == expected


def test_recreate_strategy_has_no_rolling_bounds() -> None:
    recreate = {**DEPLOYMENT, "spec": {"replicas": 2, "strategy": {"type": "Recreate"}}}
    assert series(exposition(deployments.KIND, recreate),
                  "kube_deployment_spec_strategy_rollingupdate_max_surge") == []


def test_replicaset_owner() -> None:
    rs = {"metadata": {**META, "name": "web-7d4b9c",
                       "ownerReferences": [{"kind": "Deployment", "name": "web",
                                            "controller": True}]},
          "spec": {"replicas": 5},
          "status": {"replicas": 5, "fullyLabeledReplicas": 5, "readyReplicas": 3,
                     "observedGeneration": 4}}
    r = 'namespace="shop",replicaset="web-7d4b9c"'
    assert series(exposition(replicasets.KIND, rs)) == [
        f"kube_replicaset_created{{{r}}} 1.7145216e+09",
        f"kube_replicaset_status_replicas{{{r}}} 5",
        f"kube_replicaset_status_fully_labeled_replicas{{{r}}} 5",
        f"kube_replicaset_status_ready_replicas{{{r}}} 3",
        f"kube_replicaset_status_observed_generation{{{r}}} 4",
        f"kube_replicaset_spec_replicas{{{r}}} 5",
        f"kube_replicaset_metadata_generation{{{r}}} 4",
        f'kube_replicaset_owner{{{r},owner_kind="Deployment",owner_name="web",'
        'owner_is_controller="true"} 1',
    ]


def test_statefulset() -> None:
    sts = {"metadata": {**META, "name": "db"},
           "spec": {"replicas": 3, "ordinals": {"start": 1},
                    "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                             "whenScaled": "Delete"}},
           "status": {"replicas": 3, "readyReplicas": 2, "currentReplicas": 1,
                      "updatedReplicas": 2, "availableReplicas": 2, "observedGeneration": 4,
                      "currentRevision": "db-5c9", "updateRevision": "db-6d1"}}
    s = 'namespace="shop",statefulset="db"'
    assert series(exposition(statefulsets.KIND, sts)) == [
        f"kube_statefulset_created{{{s}}} 1.7145216e+09",
        f"kube_statefulset_status_replicas{{{s}}} 3",
        f"kube_statefulset_status_replicas_available{{{s}}} 2",
        f"kube_statefulset_status_replicas_current{{{s}}} 1",
        f"kube_statefulset_status_replicas_ready{{{s}}} 2",
        f"kube_statefulset_status_replicas_updated{{{s}}} 2",
        f"kube_statefulset_status_observed_generation{{{s}}} 4",
        f"kube_statefulset_replicas{{{s}}} 3",
        f"kube_statefulset_ordinals_start{{{s}}} 1",
        f"kube_statefulset_metadata_generation{{{s}}} 4",
        f'kube_statefulset_persistentvolumeclaim_retention_policy{{{s},when_deleted="Retain",'
        'when_scaled="Delete"} 1',
        f'kube_statefulset_status_current_revision{{{s},revision="db-5c9"}} 1',
        f'kube_statefulset_status_update_revision{{{s},revision="db-6d1"}} 1',
    ]


def test_daemonset() -> None:
    ds = {"metadata": {**META, "name": "agent"},
          "status": {"currentNumberScheduled": 3, "desiredNumberScheduled": 4,
                     "numberAvailable": 2, "numberMisscheduled": 1, "numberReady": 2,
                     "numberUnavailable": 2, "observedGeneration": 4,
                     "updatedNumberScheduled": 3}}
    d = 'namespace="shop",daemonset="agent"'
    assert series(exposition(daemonsets.KIND, ds)) == [
        f"kube_daemonset_created{{{d}}} 1.7145216e+09",
        f"kube_daemonset_status_current_number_scheduled{{{d}}} 3",
        f"kube_daemonset_status_desired_number_scheduled{{{d}}} 4",
        f"kube_daemonset_status_number_available{{{d}}} 2",
        f"kube_daemonset_status_number_misscheduled{{{d}}} 1",
        f"kube_daemonset_status_number_ready{{{d}}} 2",
        f"kube_daemonset_status_number_unavailable{{{d}}} 2",
        f"kube_daemonset_status_observed_generation{{{d}}} 4",
        f"kube_daemonset_status_updated_number_scheduled{{{d}}} 3",
        f"kube_daemonset_metadata_generation{{{d}}} 4",
    ]


FAILED_JOB = {
    "metadata": {**META, "name": "backup-28", "ownerReferences": [
        {"kind": "CronJob", "name": "backup", "controller": True}]},
    "spec": {"parallelism": 1, "completions": 1, "activeDeadlineSeconds": 600},
    "status": {"failed": 3, "startTime": "2024-05-01T01:00:00Z",
               "conditions": [{"type": "Failed", "status": "True",
                               "reason": "BackoffLimitExceeded"}]},
}
J = 'namespace="shop",job_name="backup-28"'


def test_failed_job() -> None:
    assert series(exposition(jobs.KIND, FAILED_JOB)) == [
        f"kube_job_info{{{J}}} 1",
        f"kube_job_created{{{J}}} 1.7145216e+09",
        f"kube_job_spec_parallelism{{{J}}} 1",
        f"kube_job_spec_completions{{{J}}} 1",
        f"kube_job_spec_active_deadline_seconds{{{J}}} 600",
        f"kube_job_status_succeeded{{{J}}} 0",
        f'kube_job_status_failed{{{J},reason="BackoffLimitExceeded"}} 1',
        f'kube_job_status_failed{{{J},reason="DeadlineExceeded"}} 0',
        f'kube_job_status_failed{{{J},reason="Evicted"}} 0',
        f"kube_job_status_active{{{J}}} 0",
        f"kube_job_status_ready{{{J}}} 0",
        f'kube_job_failed{{{J},condition="true"}} 1',
        f'kube_job_failed{{{J},condition="false"}} 0',
        f'kube_job_failed{{{J},condition="unknown"}} 0',
        f"kube_job_status_start_time{{{J}}} 1.7145252e+09",
        f'kube_job_owner{{{J},owner_kind="CronJob",owner_name="backup",'
        'owner_is_controller="true"} 1',
    ]


@pytest.mark.parametrize(("job_status", "expected"), [
    ({}, [f"kube_job_status_failed{{{J}}} 0"]),
    ({"failed": 2}, [f'kube_job_status_failed{{{J},reason=""}} 2']),
    ({"failed": 1, "conditions": [{"type": "Failed", "status": "True",
                                   "reason": "PodFailurePolicy"}]},
     [f'kube_job_status_failed{{{J},reason="BackoffLimitExceeded"}} 0',
      f'kube_job_status_failed{{{J},reason="DeadlineExceeded"}} 0',
      f'kube_job_status_failed{{{J},reason="Evicted"}} 0',
      f'kube_job_status_failed{{{J},reason=""}} 1']),
])
def test_job_failures_by_reason(job_status: dict, expected: list[str]) -> None:
    job = {**FAILED_JOB, "status": job_status}
    assert series(exposition(jobs.KIND, job), "kube_job_status_failed") == expected


def test_cronjob() -> None:
    cron = {"metadata": {**META, "name": "backup"},
            "spec": {"schedule": "30 2 * * *", "concurrencyPolicy": "Forbid",
                     "timeZone": "UTC", "suspend": False, "startingDeadlineSeconds": 120,
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1},
            "status": {"active": [{"name": "backup-28"}],
                       "lastScheduleTime": "2024-05-01T02:30:00Z",
                       "lastSuccessfulTime": "2024-04-30T02:31:10Z"}}
    c = 'namespace="shop",cronjob="backup"'
    assert series(exposition(cronjobs.KIND, cron)) == [
        f'kube_cronjob_info{{{c},schedule="30 2 * * *",concurrency_policy="Forbid",'
        'timezone="UTC"} 1',
        f"kube_cronjob_created{{{c}}} 1.7145216e+09",
        f"kube_cronjob_status_active{{{c}}} 1",
        f"kube_cronjob_status_last_schedule_time{{{c}}} 1.7145306e+09",
        f"kube_cronjob_status_last_successful_time{{{c}}} 1.71444427e+09",
        f"kube_cronjob_spec_suspend{{{c}}} 0",
        f"kube_cronjob_spec_starting_deadline_seconds{{{c}}} 120",
        f"kube_cronjob_next_schedule_time{{{c}}} 1.714617e+09",
        f"kube_cronjob_metadata_resource_version{{{c}}} 1234",
        f"kube_cronjob_spec_successful_job_history_limit{{{c}}} 3",
        f"kube_cronjob_spec_failed_job_history_limit{{{c}}} 1",
    ]


@pytest.mark.parametrize(("spec", "expected"), [
    ({"schedule": "not a schedule", "timeZone": "UTC"}, []),
    ({"schedule": "0 * * * *", "timeZone": "UTC", "suspend": True}, []),
    # Never ran: the first time after creation.
    ({"schedule": "0 * * * *", "timeZone": "UTC"},
     ['kube_cronjob_next_schedule_time{namespace="shop",cronjob="c"} 1.7145252e+09']),
])
def test_cronjob_next_schedule(spec: dict, expected: list[str]) -> None:
    cron = {"metadata": {**META, "name": "c"}, "spec": spec}
    assert series(exposition(cronjobs.KIND, cron), "kube_cronjob_next_schedule_time") == expected
