"""Lease (coordination.k8s.io), EndpointSlice (discovery.k8s.io), HorizontalPodAutoscaler
(autoscaling/v2) and PodDisruptionBudget (policy/v1)."""

import pytest

from tests.api.kind_samples import admit, admitted, causes_of, modified, sample, update_causes

LEASE = ("coordination.k8s.io", "Lease")
SLICE = ("discovery.k8s.io", "EndpointSlice")
HPA = ("autoscaling", "HorizontalPodAutoscaler")
PDB = ("policy", "PodDisruptionBudget")


def _set(**fields):
    return lambda obj: obj.update(fields)


def _spec(**fields):
    return lambda obj: obj["spec"].update(fields)


def test_lease_spec_defaults_to_empty():
    lease = admit(*LEASE, {"metadata": {"name": "l", "namespace": "default"}})
    assert lease["spec"] == {}


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(leaseDurationSeconds=0), [("spec.leaseDurationSeconds", "FieldValueInvalid")]),
    (_spec(leaseTransitions=-1), [("spec.leaseTransitions", "FieldValueInvalid")]),
    (_spec(renewTime="yesterday"), [("spec.renewTime", "FieldValueInvalid")]),
])
def test_lease_validation(edit, expected):
    assert causes_of(*LEASE, modified(sample(*LEASE), edit)) == expected


def test_endpoint_slice_port_defaults():
    assert admitted(*SLICE)["ports"] == [{"port": 8000, "name": "", "protocol": "TCP"}]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda s: s.pop("addressType"), [("addressType", "FieldValueRequired")]),
    (_set(addressType="IPv5"), [("addressType", "FieldValueNotSupported")]),
    (_set(endpoints=[{"addresses": []}]), [("endpoints[0].addresses", "FieldValueRequired")]),
    (_set(endpoints=[{"addresses": ["::1"]}]), [("endpoints[0].addresses[0]",
                                                 "FieldValueInvalid")]),
    (_set(addressType="FQDN", endpoints=[{"addresses": ["db.example.com"]}]), []),
    (_set(ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}]),
     [("ports[1].name", "FieldValueDuplicate")]),
    (_set(ports=[{"port": 80, "protocol": "HTTP"}]), [("ports[0].protocol",
                                                       "FieldValueNotSupported")]),
])
def test_endpoint_slice_validation(edit, expected):
    assert causes_of(*SLICE, modified(sample(*SLICE), edit)) == expected


def test_endpoint_slice_address_type_is_immutable():
    old = admitted(*SLICE)
    new = modified(old, _set(addressType="IPv6", endpoints=[{"addresses": ["::1"]}]))
    assert update_causes(*SLICE, old, new) == [("addressType", "FieldValueInvalid")]


def test_hpa_defaults():
    hpa = admitted(*HPA)
    assert hpa["spec"]["minReplicas"] == 1
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in hpa["spec"]
    assert hpa["status"] == {"desiredReplicas": 0}


def test_hpa_behavior_defaults_fill_each_direction():
    hpa = sample(*HPA)
    hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    behavior = admit(*HPA, hpa)["spec"]["behavior"]
    assert behavior["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                     "policies": [{"type": "Percent", "value": 100,
                                                   "periodSeconds": 15}]}
    assert behavior["scaleUp"]["policies"] == [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15}]
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0


def _metric(metric):
    return _spec(metrics=[metric])


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(minReplicas=0), [("spec.minReplicas", "FieldValueInvalid")]),
    (_spec(maxReplicas=0), [("spec.maxReplicas", "FieldValueInvalid")]),
    (_spec(minReplicas=6), [("spec.maxReplicas", "FieldValueInvalid")]),
    (lambda h: h["spec"].pop("maxReplicas"), [("spec.maxReplicas", "FieldValueRequired")]),
    (_spec(scaleTargetRef={"kind": "Deployment"}),
     [("spec.scaleTargetRef.name", "FieldValueRequired")]),
    (_metric({"type": "Magic"}), [("spec.metrics[0].type", "FieldValueNotSupported")]),
    (_metric({"type": "Resource"}), [("spec.metrics[0].resource", "FieldValueRequired")]),
    (_metric({"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization"}}}),
     [("spec.metrics[0].resource.target.averageUtilization", "FieldValueRequired")]),
    (_metric({"type": "Resource", "resource": {"name": "memory", "target": {
        "type": "AverageValue", "averageValue": "0"}}}),
     [("spec.metrics[0].resource.target.averageValue", "FieldValueInvalid")]),
    (_metric({"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
        "type": "AverageValue", "averageValue": "100"}}}), []),
    (_spec(behavior={"scaleUp": {"policies": [{"type": "Pods", "value": 0,
                                               "periodSeconds": 4000}]}}),
     [("spec.behavior.scaleUp.policies[0].value", "FieldValueInvalid"),
      ("spec.behavior.scaleUp.policies[0].periodSeconds", "FieldValueInvalid")]),
    (_spec(behavior={"scaleDown": {"selectPolicy": "Median"}}),
     [("spec.behavior.scaleDown.selectPolicy", "FieldValueNotSupported")]),
])
def test_hpa_validation(edit, expected):
    assert causes_of(*HPA, modified(sample(*HPA), edit)) == expected


def test_pdb_initial_status():
    assert admitted(*PDB)["status"] == {"disruptionsAllowed": 0, "currentHealthy": 0,
                                        "desiredHealthy": 0, "expectedPods": 0}


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(maxUnavailable="10%"), [("spec", "FieldValueInvalid")]),
    (_spec(minAvailable="150%"), [("spec.minAvailable", "FieldValueInvalid")]),
    (_spec(minAvailable=-1), [("spec.minAvailable", "FieldValueInvalid")]),
    (_spec(minAvailable="50%"), []),
    (_spec(selector={"matchExpressions": [{"key": "app", "operator": "In"}]}),
     [("spec.selector.matchExpressions[0].values", "FieldValueRequired")]),
    (_spec(unhealthyPodEvictionPolicy="Never"),
     [("spec.unhealthyPodEvictionPolicy", "FieldValueNotSupported")]),
])
def test_pdb_validation(edit, expected):
    assert causes_of(*PDB, modified(sample(*PDB), edit)) == expected
