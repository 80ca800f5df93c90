"""batch/v1 Job and CronJob: defaults, the generated Job selector, validation and what a Job
update may not change."""

import pytest

from tests.api.kind_samples import (
    UID,
    admit,
    admitted,
    causes_of,
    modified,
    sample,
    update_causes,
    validate,
)

GENERATED_LABELS = {"batch.kubernetes.io/controller-uid": UID, "controller-uid": UID,
                    "batch.kubernetes.io/job-name": "backup", "job-name": "backup"}


def test_job_defaults():
    job = admitted("batch", "Job")
    spec = job["spec"]
    assert {k: spec[k] for k in ("completions", "parallelism", "backoffLimit", "completionMode",
                                 "suspend", "podReplacementPolicy", "manualSelector")} == {
        "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
        "suspend": False, "podReplacementPolicy": "TerminatingOrFailed",
        "manualSelector": False}
    assert job["status"] == {}


def test_job_selector_and_labels_are_generated_from_the_uid():
    job = admitted("batch", "Job")
    assert job["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    assert job["spec"]["template"]["metadata"]["labels"] == GENERATED_LABELS
    # A Job without labels of its own takes its pods' labels.
    assert job["metadata"]["labels"] == GENERATED_LABELS


def test_job_keeps_its_own_labels():
    job = sample("batch", "Job")
    job["metadata"]["labels"] = {"team": "ops"}
    job["spec"]["template"]["metadata"]["labels"] = {"team": "ops"}
    job = admit("batch", "Job", job)
    assert job["metadata"]["labels"] == {"team": "ops"}
    assert job["spec"]["template"]["metadata"]["labels"] == {"team": "ops", **GENERATED_LABELS}


@pytest.mark.parametrize(("spec", "completions", "parallelism"), [
    ({}, 1, 1),
    ({"parallelism": 3}, None, 3),
    ({"completions": 5}, 5, 1),
])
def test_completions_and_parallelism(spec, completions, parallelism):
    job = sample("batch", "Job")
    job["spec"].update(spec)
    job = admit("batch", "Job", job)
    assert (job["spec"].get("completions"), job["spec"]["parallelism"]) == \
        (completions, parallelism)


def test_backoff_limit_per_index_lifts_the_backoff_limit():
    job = sample("batch", "Job")
    job["spec"].update(completionMode="Indexed", completions=3, backoffLimitPerIndex=1)
    assert admit("batch", "Job", job)["spec"]["backoffLimit"] == 2**31 - 1


def test_pod_failure_policy_changes_replacement_policy_and_pattern_status():
    job = sample("batch", "Job")
    job["spec"]["podFailurePolicy"] = {"rules": [{"action": "Ignore", "onPodConditions": [
        {"type": "DisruptionTarget"}]}]}
    spec = admit("batch", "Job", job)["spec"]
    assert spec["podReplacementPolicy"] == "Failed"
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"] == "True"


def test_manual_selector_is_left_alone():
    job = sample("batch", "Job")
    job["spec"]["manualSelector"] = True
    job["spec"]["selector"] = {"matchLabels": {"run": "x"}}
    job["spec"]["template"]["metadata"]["labels"] = {"run": "x"}
    job = admit("batch", "Job", job)
    assert job["spec"]["selector"] == {"matchLabels": {"run": "x"}}
    assert validate("batch", "Job", job) == []


def _spec(**fields):
    return lambda job: job["spec"].update(fields)


def _template_spec(**fields):
    return lambda job: job["spec"]["template"]["spec"].update(fields)


@pytest.mark.parametrize(("edit", "expected"), [
    (_template_spec(restartPolicy="Always"),
     [("spec.template.spec.restartPolicy", "FieldValueNotSupported")]),
    (lambda job: job["spec"]["template"]["spec"].pop("restartPolicy"),
     [("spec.template.spec.restartPolicy", "FieldValueNotSupported")]),
    (_spec(parallelism=-1), [("spec.parallelism", "FieldValueInvalid")]),
    (_spec(backoffLimit=-1), [("spec.backoffLimit", "FieldValueInvalid")]),
    (_spec(completionMode="Sometimes"), [("spec.completionMode", "FieldValueNotSupported")]),
    (_spec(completionMode="Indexed", parallelism=2),
     [("spec.completions", "FieldValueRequired")]),
    (_spec(selector={"matchLabels": {"app": "x"}}),
     [("spec.template.metadata.labels", "FieldValueInvalid"),
      ("spec.selector", "FieldValueInvalid")]),
    (lambda job: job["metadata"].pop("uid"), [("spec.selector", "FieldValueRequired")]),
    (_template_spec(containers=[]), [("spec.template.spec.containers", "FieldValueRequired")]),
])
def test_job_validation(edit, expected):
    assert causes_of("batch", "Job", modified(sample("batch", "Job"), edit)) == expected


def test_restart_policy_message():
    job = modified(sample("batch", "Job"), _template_spec(restartPolicy="Always"))
    (cause,) = validate("batch", "Job", admit("batch", "Job", job))
    assert cause.message == ('Unsupported value: "Always": supported values: "OnFailure", '
                             '"Never"')


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(parallelism=4), []),
    (_spec(suspend=True), []),
    (lambda job: job["metadata"].update(annotations={"note": "x"}), []),
    (_spec(completions=9), [("spec.completions", "FieldValueInvalid")]),
    (_spec(selector={"matchLabels": {"x": "y"}}), [("spec.selector", "FieldValueInvalid")]),
    (_template_spec(containers=[{"name": "app", "image": "python:3.12"}]),
     [("spec.template", "FieldValueInvalid")]),
])
def test_job_update_rules(edit, expected):
    old = admitted("batch", "Job")
    assert update_causes("batch", "Job", old, modified(old, edit)) == expected


def test_cronjob_defaults():
    cronjob = admitted("batch", "CronJob")
    spec = cronjob["spec"]
    assert {k: spec[k] for k in ("concurrencyPolicy", "suspend", "successfulJobsHistoryLimit",
                                 "failedJobsHistoryLimit")} == {
        "concurrencyPolicy": "Allow", "suspend": False, "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1}
    job_spec = spec["jobTemplate"]["spec"]
    # Job defaults apply to each Job when created, not to the template.
    assert "backoffLimit" not in job_spec
    assert job_spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert cronjob["status"] == {}


def _cron_spec(**fields):
    return lambda cj: cj["spec"].update(fields)


def _job_template_spec(**fields):
    return lambda cj: cj["spec"]["jobTemplate"]["spec"].update(fields)


@pytest.mark.parametrize(("edit", "expected"), [
    (_cron_spec(schedule=""), [("spec.schedule", "FieldValueRequired")]),
    (_cron_spec(schedule="TZ=UTC 0 3 * * *"), [("spec.schedule", "FieldValueInvalid")]),
    (_cron_spec(timeZone="Mars/Olympus"), [("spec.timeZone", "FieldValueInvalid")]),
    (_cron_spec(timeZone="Europe/Paris"), []),
    (_cron_spec(concurrencyPolicy="Sometimes"),
     [("spec.concurrencyPolicy", "FieldValueNotSupported")]),
    (_cron_spec(startingDeadlineSeconds=-5),
     [("spec.startingDeadlineSeconds", "FieldValueInvalid")]),
    (_cron_spec(successfulJobsHistoryLimit=-1),
     [("spec.successfulJobsHistoryLimit", "FieldValueInvalid")]),
    (_job_template_spec(selector={"matchLabels": {"a": "b"}}),
     [("spec.jobTemplate.spec.selector", "FieldValueInvalid")]),
    (_job_template_spec(manualSelector=True),
     [("spec.jobTemplate.spec.manualSelector", "FieldValueNotSupported")]),
    (lambda cj: cj["spec"]["jobTemplate"]["spec"]["template"]["spec"].update(
        restartPolicy="Always"),
     [("spec.jobTemplate.spec.template.spec.restartPolicy", "FieldValueNotSupported")]),
    (lambda cj: cj["metadata"].update(name="n" * 53), [("metadata.name", "FieldValueInvalid")]),
])
def test_cronjob_validation(edit, expected):
    assert causes_of("batch", "CronJob", modified(sample("batch", "CronJob"), edit)) == expected
