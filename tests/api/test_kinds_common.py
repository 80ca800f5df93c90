"""What every kind's strategy must do: accept its minimal object, default idempotently,
produce objects the official Python client can read, enforce metadata rules, and never raise
on malformed input."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observe.api.errors import Cause
from observe.api.kinds import KindStrategy, known_kinds, strategy_for
from observe.api.registry import default_registry
from tests.api.kind_samples import (
    SAMPLES,
    admit,
    admitted,
    deserialize,
    sample,
    validate,
)

KINDS = sorted(SAMPLES)
REASONS = {"FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported",
           "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong",
           "FieldValueNotFound", "FieldValueTooMany", "FieldValueTypeInvalid"}


def kind_id(key: tuple[str, str]) -> str:
    return f"{key[0] or 'core'}/{key[1]}"


def test_every_registered_kind_has_its_own_schema_and_a_sample():
    registered = {(t.group, t.kind) for t in default_registry()}
    assert registered == set(known_kinds())
    assert registered == set(SAMPLES)


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_minimal_object_is_valid(key):
    causes = validate(*key, admitted(*key))
    assert causes == [], [c.to_dict() for c in causes]


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_defaulting_is_idempotent(key):
    once = admitted(*key)
    twice = copy.deepcopy(once)
    strategy_for(*key).default(twice)
    assert twice == once


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_official_client_reads_the_admitted_object(key):
    model, _ = SAMPLES[key]
    obj = admitted(*key)
    obj["metadata"]["uid"] = "uid-1"
    obj["metadata"]["creationTimestamp"] = "2024-05-01T10:00:00Z"
    obj["metadata"]["resourceVersion"] = "7"
    parsed = deserialize(model, obj)
    assert parsed.metadata.name == obj["metadata"]["name"]
    assert parsed.to_dict(serialize=True) is not None


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_prepare_for_create_replaces_client_status(key):
    obj = sample(*key)
    obj["status"] = {"bogus": True}
    admit(*key, obj)
    if key == ("", "Node"):
        assert obj["status"]["bogus"] is True, "a kubelet registers its node with status"
    elif default_registry().by_kind(*key).has_status:
        assert "bogus" not in obj.get("status", {})


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_metadata_is_validated_with_the_kinds_scope(key):
    obj = admitted(*key)
    obj["metadata"]["name"] = "Not/Valid"
    obj["metadata"]["labels"] = {"app": "bad value"}
    namespaced = default_registry().by_kind(*key).namespaced
    if namespaced:
        del obj["metadata"]["namespace"]
    else:
        obj["metadata"]["namespace"] = "default"
    fields = {(c.field, c.reason) for c in validate(*key, obj)}
    expected_namespace = ("metadata.namespace",
                          "FieldValueRequired" if namespaced else "FieldValueForbidden")
    assert ("metadata.name", "FieldValueInvalid") in fields
    assert ("metadata.labels", "FieldValueInvalid") in fields
    assert expected_namespace in fields


def test_go_zero_values_from_kubectl_create_are_tolerated():
    # The body `kubectl create deployment nginx --image=nginx:1.19` sends.
    body = json.loads(
        '{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"nginx",'
        '"creationTimestamp":null,"labels":{"app":"nginx"}},"spec":{"replicas":1,'
        '"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":'
        '{"creationTimestamp":null,"labels":{"app":"nginx"}},"spec":{"containers":[{"name":'
        '"nginx","image":"nginx:1.19","resources":{}}]}},"strategy":{}},"status":{}}')
    body["metadata"]["namespace"] = "default"
    obj = admit("apps", "Deployment", body)
    assert validate("apps", "Deployment", obj) == []
    assert "creationTimestamp" not in obj["metadata"]
    assert "creationTimestamp" not in obj["spec"]["template"]["metadata"]
    assert obj["spec"]["strategy"]["type"] == "RollingUpdate"


def test_unknown_kinds_get_a_metadata_only_strategy():
    strategy = strategy_for("example.com", "Widget")
    assert isinstance(strategy, KindStrategy)
    obj = {"metadata": {"name": "w", "namespace": "default", "annotations": None},
           "spec": {"anything": None, "size": 3}}
    strategy.prepare_for_create(obj)
    strategy.default(obj)
    assert obj == {"metadata": {"name": "w", "namespace": "default"}, "spec": {"size": 3}}
    assert strategy.validate(obj) == []
    assert [c.field for c in strategy.validate({"metadata": {"name": "W"}})] == ["metadata.name"]
    assert strategy.validate_update(obj, obj) == []


@pytest.mark.parametrize(("key", "rule"), [
    (("", "Namespace"), "label"), (("", "Service"), "rfc1035"),
    (("autoscaling", "HorizontalPodAutoscaler"), "path"), (("", "Pod"), "subdomain"),
])
def test_name_rules_per_kind(key, rule):
    assert strategy_for(*key).name_rule == rule


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
def test_unchanged_update_is_allowed(key):
    old = admitted(*key)
    new = copy.deepcopy(old)
    strategy = strategy_for(*key)
    strategy.prepare_for_update(new, old)
    strategy.default(new)
    assert strategy.validate_update(new, old) == []


# --------------------------------------------------------------------------------------------
# robustness: malformed bodies give causes, never exceptions

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False)
    | st.text(max_size=6) | st.sampled_from(["", "None", "Always", "1Gi", "TCP", "-1", "25%"]),
    # YAML bodies can have non-string keys.
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=5) | st.integers(0, 2), inner, max_size=3),
    max_leaves=8)


# Field names the schemas read, so the fuzzer also plants bad values where none were.
FIELD_NAMES = (
    "volumes", "initContainers", "containers", "ports", "env", "resources", "limits", "requests",
    "selector", "matchLabels", "matchExpressions", "template", "metadata", "labels", "annotations",
    "ownerReferences", "finalizers", "strategy", "rollingUpdate", "updateStrategy", "tolerations",
    "livenessProbe", "httpGet", "valueFrom", "fieldRef", "volumeMounts", "behavior", "scaleUp",
    "metrics", "target", "subsets", "addresses", "endpoints", "data", "stringData", "binaryData",
    "type", "capacity", "accessModes", "volumeClaimTemplates", "jobTemplate", "podFailurePolicy",
    "rules", "onPodConditions", "sessionAffinity", "sessionAffinityConfig", "clientIP",
    "clusterIP", "clusterIPs", "hostNetwork", "lifecycle", "postStart", "projected", "sources",
    "downwardAPI", "items", "ephemeral", "volumeClaimTemplate", "status", "spec", "allocatable",
    "taints", "immutable", "generateName", "uid", "name", "nodePort", "externalIPs", "timeZone",
    "schedule", "minAvailable", "maxUnavailable", "maxSurge", "partition",
    "persistentVolumeClaimRetentionPolicy", "ordinals", "secret", "configMap", "emptyDir",
    "hostPath", "serviceAccountToken", "restartPolicy", "manualSelector", "completionMode",
    "scaleTargetRef", "resource", "averageValue", "policies", "involvedObject", "eventTime",
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _at(obj, path):
    for step in path:
        obj = obj[step]
    return obj


def _replace(obj, path, value):
    if not path:
        return value
    target = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return obj


def _check_causes(causes):
    assert isinstance(causes, list)
    for cause in causes:
        assert isinstance(cause, Cause)
        assert cause.reason in REASONS, cause
        assert isinstance(cause.field, str) and isinstance(cause.message, str)


@pytest.mark.parametrize("key", KINDS, ids=kind_id)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_input_never_raises(key, data):
    base = data.draw(st.sampled_from([sample(*key), admitted(*key)]))
    paths = list(_paths(base))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        if data.draw(st.booleans()) and isinstance(_at(base, path), dict):
            path = (*path, data.draw(st.sampled_from(FIELD_NAMES)))
        base = _replace(base, path, data.draw(JSON))
        paths = list(_paths(base))
    strategy = strategy_for(*key)
    obj = copy.deepcopy(base)
    strategy.prepare_for_update(obj, admitted(*key))
    strategy.prepare_for_create(obj)
    strategy.default(obj)
    again = copy.deepcopy(obj)
    strategy.default(again)
    assert again == obj, "defaulting is not idempotent on this input"
    _check_causes(strategy.validate(obj))
    _check_causes(strategy.validate_update(obj, admitted(*key)))
    _check_causes(strategy.validate_update(admitted(*key), obj))
