"""apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision: defaults,
validation and immutability."""

import pytest

from tests.api.kind_samples import (
    admit,
    admitted,
    causes_of,
    modified,
    sample,
    update_causes,
    validate,
)

WORKLOADS = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]


def test_deployment_defaults():
    spec = admitted("apps", "Deployment")["spec"]
    assert {k: spec[k] for k in ("replicas", "strategy", "revisionHistoryLimit",
                                 "progressDeadlineSeconds")} == {
        "replicas": 1,
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
    assert admitted("apps", "Deployment")["status"] == {}


def test_recreate_strategy_gets_no_rolling_update():
    deployment = sample("apps", "Deployment")
    deployment["spec"]["strategy"] = {"type": "Recreate"}
    assert admit("apps", "Deployment", deployment)["spec"]["strategy"] == {"type": "Recreate"}


def test_partial_rolling_update_is_completed():
    deployment = sample("apps", "Deployment")
    deployment["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": 1}}
    assert admit("apps", "Deployment", deployment)["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}


def test_replicaset_defaults_and_initial_status():
    rs = admitted("apps", "ReplicaSet")
    assert rs["spec"]["replicas"] == 1
    assert rs["status"] == {"replicas": 0}


def test_statefulset_defaults():
    sts = sample("apps", "StatefulSet")
    del sts["spec"]["serviceName"]
    sts["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    sts = admit("apps", "StatefulSet", sts)
    spec = sts["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                            "whenScaled": "Retain"}
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["serviceName"]) == (1, 10, "")
    claim = spec["volumeClaimTemplates"][0]
    assert claim["spec"]["volumeMode"] == "Filesystem"
    assert claim["status"] == {"phase": "Pending"}
    assert sts["status"] == {"replicas": 0, "availableReplicas": 0}
    assert validate("apps", "StatefulSet", sts) == []


def test_statefulset_on_delete_gets_no_rolling_update():
    sts = sample("apps", "StatefulSet")
    sts["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert admit("apps", "StatefulSet", sts)["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_daemonset_defaults():
    ds = admitted("apps", "DaemonSet")
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["spec"]["revisionHistoryLimit"] == 10
    assert ds["status"] == {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                            "desiredNumberScheduled": 0, "numberReady": 0}


def _set(path: str, value):
    def edit(obj):
        *parents, last = path.split(".")
        target = obj
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return edit


def _drop(path: str):
    def edit(obj):
        *parents, last = path.split(".")
        target = obj
        for key in parents:
            target = target[key]
        del target[last]
    return edit


@pytest.mark.parametrize("kind", WORKLOADS)
@pytest.mark.parametrize(("edit", "expected"), [
    (_drop("spec.selector"), [("spec.selector", "FieldValueRequired")]),
    (_set("spec.selector", {}), [("spec.selector", "FieldValueInvalid")]),
    (_set("spec.selector", {"matchLabels": {"app": "other"}}),
     [("spec.template.metadata.labels", "FieldValueInvalid")]),
    (_set("spec.selector", {"matchExpressions": [{"key": "app", "operator": "Near"}]}),
     [("spec.selector.matchExpressions[0].operator", "FieldValueInvalid"),
      ("spec.template.metadata.labels", "FieldValueInvalid")]),
    (_set("spec.template.spec.restartPolicy", "Never"),
     [("spec.template.spec.restartPolicy", "FieldValueNotSupported")]),
    (_set("spec.template.spec.activeDeadlineSeconds", 30),
     [("spec.template.spec.activeDeadlineSeconds", "FieldValueForbidden")]),
    (_set("spec.template.spec.containers", []),
     [("spec.template.spec.containers", "FieldValueRequired")]),
    (lambda o: o["spec"]["template"]["metadata"]["labels"].update({"bad key!": "x"}),
     [("spec.template.labels", "FieldValueInvalid")]),
    (_drop("spec.template"), [("spec.template", "FieldValueRequired")]),
    (_set("spec.minReadySeconds", -1), [("spec.minReadySeconds", "FieldValueInvalid")]),
])
def test_shared_workload_rules(kind, edit, expected):
    assert causes_of("apps", kind, modified(sample("apps", kind), edit)) == expected


def test_selector_mismatch_message():
    obj = modified(sample("apps", "Deployment"),
                   _set("spec.selector", {"matchLabels": {"app": "other"}}))
    (cause,) = validate("apps", "Deployment", admit("apps", "Deployment", obj))
    assert cause.message == ('Invalid value: {"app":"web"}: `selector` does not match '
                             "template `labels`")


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet"])
def test_negative_replicas(kind):
    obj = modified(sample("apps", kind), _set("spec.replicas", -1))
    assert causes_of("apps", kind, obj) == [("spec.replicas", "FieldValueInvalid")]


@pytest.mark.parametrize(("edit", "expected"), [
    (_set("spec.strategy", {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
     [("spec.strategy.rollingUpdate", "FieldValueForbidden")]),
    (_set("spec.strategy", {"type": "BlueGreen"}), [("spec.strategy", "FieldValueNotSupported")]),
    (_set("spec.strategy", {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     [("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid")]),
    (_set("spec.strategy", {"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}),
     [("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid")]),
    (_set("spec.strategy", {"rollingUpdate": {"maxUnavailable": "120%"}}),
     [("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid")]),
    (_set("spec.strategy", {"rollingUpdate": {"maxSurge": "200%"}}), []),
    (_set("spec.strategy", {"rollingUpdate": {"maxSurge": "x"}}),
     [("spec.strategy.rollingUpdate.maxSurge", "FieldValueInvalid")]),
    (lambda d: d["spec"].update(progressDeadlineSeconds=10, minReadySeconds=10),
     [("spec.progressDeadlineSeconds", "FieldValueInvalid")]),
    (_set("spec.paused", "yes"), [("spec.paused", "FieldValueTypeInvalid")]),
])
def test_deployment_rules(edit, expected):
    assert causes_of("apps", "Deployment", modified(sample("apps", "Deployment"), edit)) == \
        expected


@pytest.mark.parametrize(("edit", "expected"), [
    (_set("spec.podManagementPolicy", "Random"),
     [("spec.podManagementPolicy", "FieldValueInvalid")]),
    (_set("spec.updateStrategy", {"type": "OnDelete", "rollingUpdate": {"partition": 1}}),
     [("spec.updateStrategy.rollingUpdate", "FieldValueInvalid")]),
    (_set("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}),
     [("spec.updateStrategy.rollingUpdate.partition", "FieldValueInvalid")]),
    (_set("spec.persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Keep"}),
     [("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "FieldValueNotSupported")]),
    (_set("spec.volumeClaimTemplates", [{"metadata": {}, "spec": {}}]),
     [("spec.volumeClaimTemplates[0].metadata.name", "FieldValueRequired"),
      ("spec.volumeClaimTemplates[0].spec.accessModes", "FieldValueRequired"),
      ("spec.volumeClaimTemplates[0].spec.resources[storage]", "FieldValueRequired")]),
])
def test_statefulset_rules(edit, expected):
    assert causes_of("apps", "StatefulSet", modified(sample("apps", "StatefulSet"), edit)) == \
        expected


@pytest.mark.parametrize(("rolling", "expected"), [
    ({"maxUnavailable": 0, "maxSurge": 1}, []),
    ({"maxUnavailable": 1, "maxSurge": 1},
     [("spec.updateStrategy.rollingUpdate.maxSurge", "FieldValueInvalid")]),
    ({"maxUnavailable": 0, "maxSurge": 0},
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueInvalid")]),
    ({"maxUnavailable": "150%"},
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueInvalid")]),
])
def test_daemonset_rolling_update(rolling, expected):
    ds = modified(sample("apps", "DaemonSet"), _set(
        "spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": rolling}))
    assert causes_of("apps", "DaemonSet", ds) == expected


def test_daemonset_unknown_strategy():
    ds = modified(sample("apps", "DaemonSet"), _set("spec.updateStrategy", {"type": "Never"}))
    assert causes_of("apps", "DaemonSet", ds) == [("spec.updateStrategy",
                                                   "FieldValueNotSupported")]


@pytest.mark.parametrize("kind", WORKLOADS)
def test_selector_is_immutable(kind):
    old = admitted("apps", kind)
    new = modified(old, lambda o: o["spec"].update(
        selector={"matchLabels": {"app": "web", "tier": "x"}}))
    expected = [("spec", "FieldValueForbidden")] if kind == "StatefulSet" else \
        [("spec.selector", "FieldValueInvalid")]
    assert update_causes("apps", kind, old, new) == expected


@pytest.mark.parametrize("kind", WORKLOADS)
def test_template_and_replicas_may_change(kind):
    old = admitted("apps", kind)

    def edit(obj):
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "python:3.12"
        if kind != "DaemonSet":
            obj["spec"]["replicas"] = 5
    assert update_causes("apps", kind, old, modified(old, edit)) == []


def test_equivalent_empty_selector_members_are_not_a_change():
    old = admitted("apps", "Deployment")
    new = modified(old, lambda o: o["spec"]["selector"].update(matchExpressions=[]))
    assert update_causes("apps", "Deployment", old, new) == []


@pytest.mark.parametrize(("edit", "expected"), [
    (_set("spec.serviceName", "other"), [("spec", "FieldValueForbidden")]),
    (_set("spec.podManagementPolicy", "Parallel"), [("spec", "FieldValueForbidden")]),
    (_set("spec.updateStrategy", {"type": "OnDelete"}), []),
    (_set("spec.minReadySeconds", 5), []),
])
def test_statefulset_update_rules(edit, expected):
    old = admitted("apps", "StatefulSet")
    assert update_causes("apps", "StatefulSet", old, modified(old, edit)) == expected


@pytest.mark.parametrize(("edit", "expected"), [
    (_drop("data"), [("data", "FieldValueRequired")]),
    (_set("revision", -1), [("revision", "FieldValueInvalid")]),
])
def test_controller_revision_rules(edit, expected):
    obj = modified(sample("apps", "ControllerRevision"), edit)
    assert causes_of("apps", "ControllerRevision", obj) == expected


def test_controller_revision_data_is_immutable():
    old = admitted("apps", "ControllerRevision")
    assert update_causes("apps", "ControllerRevision", old,
                         modified(old, _set("revision", 2))) == []
    assert update_causes("apps", "ControllerRevision", old,
                         modified(old, _set("data", {"x": 1}))) == [("data", "FieldValueInvalid")]
