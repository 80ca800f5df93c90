"""core/v1 kinds other than Pod: Namespace, Node, Service, Endpoints, Event, ConfigMap,
Secret, ServiceAccount, PersistentVolume and PersistentVolumeClaim."""

import base64

import pytest

from observe.api.kinds import strategy_for
from tests.api.kind_samples import (
    admit,
    admitted,
    causes_of,
    modified,
    sample,
    update_causes,
    validate,
)


def _set(**fields):
    return lambda obj: obj.update(fields)


def _spec(**fields):
    return lambda obj: obj["spec"].update(fields)


# --- Namespace -------------------------------------------------------------------------------

def test_namespace_create():
    ns = admitted("", "Namespace")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}


def test_namespace_finalizer_is_added_once_and_only_on_create():
    ns = sample("", "Namespace")
    ns["spec"] = {"finalizers": ["example.com/cleanup"]}
    assert admit("", "Namespace", ns)["spec"]["finalizers"] == ["example.com/cleanup",
                                                                 "kubernetes"]
    emptied = modified(admitted("", "Namespace"), _spec(finalizers=[]))
    strategy_for("", "Namespace").default(emptied)
    assert emptied["spec"]["finalizers"] == [], "the namespace controller may remove it"


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda ns: ns["metadata"].update(name="team.a"), [("metadata.name", "FieldValueInvalid")]),
    (_set(spec={"finalizers": ["custom"]}), [("spec.finalizers", "FieldValueInvalid")]),
])
def test_namespace_validation(edit, expected):
    assert causes_of("", "Namespace", modified(sample("", "Namespace"), edit)) == expected


# --- Node ------------------------------------------------------------------------------------

def test_node_keeps_its_status_and_allocatable_defaults_to_capacity():
    node = admitted("", "Node")
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "8Gi", "pods": "110"}
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "x"


@pytest.mark.parametrize(("taints", "expected"), [
    ([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], []),
    ([{"key": "dedicated", "effect": "Sometimes"}],
     [("spec.taints[0].effect", "FieldValueNotSupported")]),
    ([{"effect": "NoSchedule"}], [("spec.taints[0].key", "FieldValueRequired")]),
    ([{"key": "a", "effect": "NoSchedule"}, {"key": "a", "effect": "NoSchedule"}],
     [("spec.taints[1]", "FieldValueDuplicate")]),
])
def test_node_taints(taints, expected):
    assert causes_of("", "Node", modified(sample("", "Node"), _set(spec={"taints": taints}))) \
        == expected


def test_node_pod_cidr():
    node = modified(sample("", "Node"), _set(spec={"podCIDR": "10.244.0.300/24"}))
    assert causes_of("", "Node", node) == [("spec.podCIDR", "FieldValueInvalid")]


def test_node_may_change_anything():
    old = admitted("", "Node")
    new = modified(old, _set(spec={"unschedulable": True, "podCIDR": "10.0.0.0/24"}))
    assert update_causes("", "Node", old, new) == []


# --- Service ---------------------------------------------------------------------------------

def test_service_defaults():
    service = admitted("", "Service")
    assert service["spec"] == {
        "selector": {"app": "web"},
        "ports": [{"port": 80, "targetPort": 8000, "protocol": "TCP"}],
        "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}
    assert service["status"] == {"loadBalancer": {}}


@pytest.mark.parametrize(("spec", "expected"), [
    ({"ports": [{"port": 80}]}, {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}),
    ({"type": "NodePort", "ports": [{"port": 80}]},
     {"externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster"}),
    ({"type": "LoadBalancer", "ports": [{"port": 80}]},
     {"allocateLoadBalancerNodePorts": True, "externalTrafficPolicy": "Cluster"}),
    ({"sessionAffinity": "ClientIP", "ports": [{"port": 80}]},
     {"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}),
    ({"clusterIP": "10.96.0.10", "ports": [{"port": 53}]},
     {"clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"]}),
    ({"clusterIP": "fd00::10", "ports": [{"port": 53}]}, {"ipFamilies": ["IPv6"]}),
    ({"type": "ExternalName", "externalName": "db.example.com"}, {"type": "ExternalName"}),
])
def test_service_defaults_by_type(spec, expected):
    service = sample("", "Service")
    service["spec"] = spec
    got = admit("", "Service", service)["spec"]
    assert {k: got[k] for k in expected} == expected
    if spec.get("type") == "ExternalName":
        assert "ipFamilies" not in got and "internalTrafficPolicy" not in got
    assert validate("", "Service", admit("", "Service", service)) == []


@pytest.mark.parametrize(("spec", "expected"), [
    ({"ports": []}, [("spec.ports", "FieldValueRequired")]),
    ({"ports": [], "clusterIP": "None"}, []),
    # targetPort defaults to the (bad) port, and is reported too, as upstream does.
    ({"ports": [{"port": 0}]}, [("spec.ports[0].port", "FieldValueInvalid"),
                                ("spec.ports[0].targetPort", "FieldValueInvalid")]),
    ({"ports": [{"port": 80}, {"port": 81, "name": "b"}]},
     [("spec.ports[0].name", "FieldValueRequired")]),
    ({"ports": [{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]},
     [("spec.ports[1].name", "FieldValueDuplicate")]),
    ({"ports": [{"port": 80, "name": "a"}, {"port": 80, "name": "b"}]},
     [("spec.ports[1]", "FieldValueDuplicate")]),
    ({"ports": [{"port": 80, "protocol": "HTTP"}]},
     [("spec.ports[0].protocol", "FieldValueNotSupported")]),
    ({"ports": [{"port": 80, "targetPort": "--bad"}]},
     [("spec.ports[0].targetPort", "FieldValueInvalid")] * 2),
    ({"ports": [{"port": 80, "nodePort": 30080}]},
     [("spec.ports[0].nodePort", "FieldValueForbidden")]),
    ({"type": "Magic", "ports": [{"port": 80}]}, [("spec.type", "FieldValueNotSupported")]),
    ({"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]},
     [("spec.clusterIPs[0]", "FieldValueInvalid")]),
    ({"type": "ExternalName"}, [("spec.externalName", "FieldValueRequired")]),
    ({"type": "ExternalName", "externalName": "Bad_Name"},
     [("spec.externalName", "FieldValueInvalid")]),
    ({"clusterIP": "10.96.0.300", "ports": [{"port": 80}]},
     [("spec.clusterIP", "FieldValueInvalid"), ("spec.clusterIPs[0]", "FieldValueInvalid")]),
    ({"sessionAffinity": "Sticky", "ports": [{"port": 80}]},
     [("spec.sessionAffinity", "FieldValueNotSupported")]),
    ({"externalTrafficPolicy": "Local", "ports": [{"port": 80}]},
     [("spec.externalTrafficPolicy", "FieldValueInvalid")]),
    ({"selector": {"app": "no spaces"}, "ports": [{"port": 80}]},
     [("spec.selector", "FieldValueInvalid")]),
])
def test_service_validation(spec, expected):
    assert causes_of("", "Service", modified(sample("", "Service"), _set(spec=spec))) == \
        expected


def test_service_name_is_a_dns_1035_label():
    service = modified(sample("", "Service"), lambda s: s["metadata"].update(name="1web"))
    assert causes_of("", "Service", service) == [("metadata.name", "FieldValueInvalid")]


def _allocated() -> dict:
    service = admitted("", "Service")
    service["spec"].update(clusterIP="10.96.0.20", clusterIPs=["10.96.0.20"], type="NodePort",
                           externalTrafficPolicy="Cluster")
    service["spec"]["ports"][0]["nodePort"] = 30080
    return service


def test_cluster_ip_may_not_change():
    old = _allocated()
    new = modified(old, _spec(clusterIP="10.96.0.21", clusterIPs=["10.96.0.21"]))
    assert update_causes("", "Service", old, new) == [("spec.clusterIPs[0]",
                                                       "FieldValueInvalid")]


def test_replace_without_allocations_keeps_them():
    old = _allocated()
    new = sample("", "Service")
    new["spec"]["type"] = "NodePort"
    assert update_causes("", "Service", old, new) == []
    assert new["spec"]["clusterIP"] == "10.96.0.20"
    assert new["spec"]["clusterIPs"] == ["10.96.0.20"]
    assert new["spec"]["ports"][0]["nodePort"] == 30080


# --- Endpoints -------------------------------------------------------------------------------

def test_endpoints_port_protocol_defaults():
    assert admitted("", "Endpoints")["subsets"][0]["ports"] == [{"port": 8000,
                                                                 "protocol": "TCP"}]


@pytest.mark.parametrize(("subsets", "expected"), [
    ([{"addresses": [{"ip": "not-an-ip"}], "ports": [{"port": 80}]}],
     [("subsets[0].addresses[0].ip", "FieldValueInvalid")]),
    ([{"ports": [{"port": 80}]}], [("subsets[0]", "FieldValueRequired")]),
    ([{"addresses": [{"ip": "127.0.0.5"}]}], []),  # headless Services have no ports
    ([{"addresses": [{"ip": "127.0.0.5"}], "ports": [{"port": 80}, {"port": 81}]}],
     [("subsets[0].ports[0].name", "FieldValueRequired"),
      ("subsets[0].ports[1].name", "FieldValueRequired")]),
    ([{"notReadyAddresses": [{"ip": "::1"}], "ports": [{"port": 80}]}], []),
])
def test_endpoints_validation(subsets, expected):
    endpoints = modified(sample("", "Endpoints"), _set(subsets=subsets))
    assert causes_of("", "Endpoints", endpoints) == expected


# --- Event -----------------------------------------------------------------------------------

def test_event_is_kept_as_reported():
    event = admitted("", "Event")
    assert event["source"] == {"component": "default-scheduler"}
    assert event["reportingComponent"] == "default-scheduler"
    bare = admit("", "Event", {"metadata": {"name": "e", "namespace": "default"}})
    assert (bare["involvedObject"], bare["source"]) == ({}, {})


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda e: e["involvedObject"].update(namespace="other"),
     [("involvedObject.namespace", "FieldValueInvalid")]),
    (lambda e: e["involvedObject"].pop("namespace"), []),  # cluster-scoped object
    (_set(eventTime="2024-05-01T10:00:00.000000Z"),
     [("reportingInstance", "FieldValueRequired"), ("action", "FieldValueRequired")]),
    (_set(eventTime="2024-05-01T10:00:00.000000Z", reportingInstance="node-1",
          action="Binding"), []),
    (_set(count="3"), [("count", "FieldValueTypeInvalid")]),
])
def test_event_validation(edit, expected):
    assert causes_of("", "Event", modified(sample("", "Event"), edit)) == expected


# --- ConfigMap, Secret, ServiceAccount -------------------------------------------------------

@pytest.mark.parametrize(("edit", "expected"), [
    (_set(data={"bad key": "1"}), [("data[bad key]", "FieldValueInvalid")]),
    (_set(data={"a": 1}), [("data[a]", "FieldValueTypeInvalid")]),
    (_set(data={"a": "x"}, binaryData={"a": "eA=="}), [("data[a]", "FieldValueInvalid")]),
    (_set(binaryData={"b": "not base64!"}), [("binaryData[b]", "FieldValueInvalid")]),
    (_set(data={"big": "x" * (1024 * 1024)}), [("", "FieldValueTooLong")]),
])
def test_configmap_validation(edit, expected):
    assert causes_of("", "ConfigMap", modified(sample("", "ConfigMap"), edit)) == expected


@pytest.mark.parametrize("kind", ["ConfigMap", "Secret"])
def test_immutable_data_stays_put(kind):
    old = admitted("", kind)
    old["immutable"] = True
    new = modified(old, _set(data={"other": "eA=="}))
    assert update_causes("", kind, old, new) == [("data", "FieldValueForbidden")]
    unset = modified(old, _set(immutable=False))
    assert update_causes("", kind, old, unset) == [("immutable", "FieldValueForbidden")]
    mutable = admitted("", kind)
    assert update_causes("", kind, mutable, modified(mutable, _set(data={"x": "eA=="}))) == []


def test_secret_string_data_is_folded_into_data():
    secret = admitted("", "Secret")
    assert secret["type"] == "Opaque"
    assert "stringData" not in secret
    assert base64.b64decode(secret["data"]["password"]) == b"s3cret"


def test_string_data_overrides_data():
    secret = sample("", "Secret")
    secret["data"] = {"password": base64.b64encode(b"old").decode(), "user": "YWRtaW4="}
    data = admit("", "Secret", secret)["data"]
    assert base64.b64decode(data["password"]) == b"s3cret"
    assert data["user"] == "YWRtaW4="


@pytest.mark.parametrize(("edit", "expected"), [
    (_set(data={"k": "%%%"}), [("data[k]", "FieldValueInvalid")]),
    (_set(type="kubernetes.io/tls", data={"tls.crt": "eA=="}),
     [("data[tls.key]", "FieldValueRequired")]),
    (_set(type="kubernetes.io/dockerconfigjson",
          data={".dockerconfigjson": base64.b64encode(b"{nope").decode()}),
     [("data[.dockerconfigjson]", "FieldValueInvalid")]),
    (_set(type="kubernetes.io/basic-auth"), [("data[username]", "FieldValueRequired"),
                                             ("data[password]", "FieldValueRequired")]),
    (_set(type="kubernetes.io/service-account-token"),
     [("metadata.annotations[kubernetes.io/service-account.name]", "FieldValueRequired")]),
])
def test_secret_validation(edit, expected):
    secret = modified(sample("", "Secret"), lambda s: s.pop("stringData"))
    assert causes_of("", "Secret", modified(secret, edit)) == expected


def test_secret_type_is_immutable():
    old = admitted("", "Secret")
    new = modified(old, _set(type="example.com/other"))
    assert update_causes("", "Secret", old, new) == [("type", "FieldValueInvalid")]


def test_service_account_validation():
    sa = modified(sample("", "ServiceAccount"), _set(automountServiceAccountToken="no"))
    assert causes_of("", "ServiceAccount", sa) == [("automountServiceAccountToken",
                                                    "FieldValueTypeInvalid")]


# --- PersistentVolume, PersistentVolumeClaim -------------------------------------------------

def test_volume_defaults():
    pv = admitted("", "PersistentVolume")
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["status"] == {"phase": "Pending"}


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda pv: pv["spec"].pop("capacity"), [("spec.capacity", "FieldValueRequired")]),
    (_spec(capacity={"cpu": "1"}), [("spec.capacity", "FieldValueNotSupported")]),
    (_spec(accessModes=[]), [("spec.accessModes", "FieldValueRequired")]),
    (_spec(accessModes=["ReadSometimes"]), [("spec.accessModes", "FieldValueNotSupported")]),
    (lambda pv: pv["spec"].pop("hostPath"), [("spec", "FieldValueRequired")]),
    (_spec(nfs={"server": "nas", "path": "/x"}), [("spec.nfs", "FieldValueForbidden")]),
    (_spec(persistentVolumeReclaimPolicy="Keep"),
     [("spec.persistentVolumeReclaimPolicy", "FieldValueNotSupported")]),
])
def test_volume_validation(edit, expected):
    pv = modified(sample("", "PersistentVolume"), edit)
    assert causes_of("", "PersistentVolume", pv) == expected


def test_volume_mode_is_immutable():
    old = admitted("", "PersistentVolume")
    assert update_causes("", "PersistentVolume", old, modified(old, _spec(volumeMode="Block"))) \
        == [("spec.volumeMode", "FieldValueInvalid")]


def test_claim_defaults():
    pvc = admitted("", "PersistentVolumeClaim")
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert pvc["status"] == {"phase": "Pending"}


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(accessModes=[]), [("spec.accessModes", "FieldValueRequired")]),
    (_spec(resources={}), [("spec.resources[storage]", "FieldValueRequired")]),
    (_spec(resources={"requests": {"storage": "0"}}),
     [("spec.resources[storage]", "FieldValueInvalid")]),
    (_spec(resources={"requests": {"storage": "lots"}}),
     [("spec.resources.requests[storage]", "FieldValueInvalid")]),
    (_spec(volumeMode="Disk"), [("spec.volumeMode", "FieldValueNotSupported")]),
])
def test_claim_validation(edit, expected):
    pvc = modified(sample("", "PersistentVolumeClaim"), edit)
    assert causes_of("", "PersistentVolumeClaim", pvc) == expected


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(resources={"requests": {"storage": "2Gi"}}), []),
    (_spec(volumeName="pv-1"), []),
    (_spec(resources={"requests": {"storage": "512Mi"}}),
     [("spec.resources.requests.storage", "FieldValueForbidden")]),
    (_spec(accessModes=["ReadWriteMany"]), [("spec", "FieldValueForbidden")]),
    (_spec(storageClassName="fast"), [("spec", "FieldValueForbidden")]),
])
def test_claim_update_rules(edit, expected):
    old = admitted("", "PersistentVolumeClaim")
    assert update_causes("", "PersistentVolumeClaim", old, modified(old, edit)) == expected


def test_bound_volume_name_may_not_change():
    old = modified(admitted("", "PersistentVolumeClaim"), _spec(volumeName="pv-1"))
    new = modified(old, _spec(volumeName="pv-2"))
    assert update_causes("", "PersistentVolumeClaim", old, new) == [("spec",
                                                                     "FieldValueForbidden")]
