"""core/v1 Pod: defaults (container, pod spec, Pod-only), QoS class, validation and the
narrow update rules."""

import copy

import pytest

from tests.api.kind_samples import admit, admitted, causes_of, modified, sample, update_causes


def pod_with(**container) -> dict:
    pod = sample("", "Pod")
    pod["spec"]["containers"][0].update(container)
    return pod


def container_of(pod: dict, i: int = 0) -> dict:
    return admit("", "Pod", pod)["spec"]["containers"][i]


@pytest.mark.parametrize(("image", "policy"), [
    ("busybox", "Always"),
    ("busybox:latest", "Always"),
    ("busybox:1.36", "IfNotPresent"),
    ("localhost:5000/app", "Always"),  # a registry port is not a tag
    ("localhost:5000/app:v2", "IfNotPresent"),
    ("app@sha256:0123abcd", "IfNotPresent"),
])
def test_image_pull_policy_follows_the_tag(image, policy):
    assert container_of(pod_with(image=image))["imagePullPolicy"] == policy


def test_explicit_pull_policy_is_kept():
    assert container_of(pod_with(image="busybox", imagePullPolicy="Never"))[
        "imagePullPolicy"] == "Never"


def test_container_and_pod_spec_defaults():
    pod = admit("", "Pod", pod_with(ports=[{"containerPort": 8000}]))
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 8000, "protocol": "TCP"}]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["resources"] == {}
    assert {k: spec[k] for k in ("restartPolicy", "dnsPolicy", "schedulerName",
                                 "terminationGracePeriodSeconds", "securityContext",
                                 "enableServiceLinks", "serviceAccountName")} == {
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
        "securityContext": {}, "enableServiceLinks": True, "serviceAccountName": "default"}
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_probe_and_handler_defaults():
    probe = {"httpGet": {"port": 8000}}
    container = container_of(pod_with(livenessProbe=copy.deepcopy(probe),
                                      lifecycle={"preStop": copy.deepcopy(probe)}))
    assert container["livenessProbe"] == {
        "httpGet": {"port": 8000, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
        "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert container["lifecycle"]["preStop"]["httpGet"]["path"] == "/"


def test_requests_default_to_limits_and_quantities_are_canonical():
    container = container_of(pod_with(resources={"limits": {"cpu": "0.5", "memory": "1024Mi"},
                                                 "requests": {"cpu": "100m"}}))
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"},
                                      "requests": {"cpu": "100m", "memory": "1Gi"}}


def test_templates_do_not_get_pod_only_defaults():
    deployment = sample("apps", "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "limits": {"cpu": "1"}}
    spec = admit("apps", "Deployment", deployment)["spec"]["template"]["spec"]
    assert "enableServiceLinks" not in spec
    assert "serviceAccountName" not in spec
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
    assert spec["restartPolicy"] == "Always"


def test_host_network_exposes_container_ports():
    pod = pod_with(ports=[{"containerPort": 9100}])
    pod["spec"]["hostNetwork"] = True
    assert container_of(pod)["ports"][0]["hostPort"] == 9100


def test_volume_defaults():
    pod = sample("", "Pod")
    pod["spec"]["volumes"] = [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}},
                              {"name": "host", "hostPath": {"path": "/var/log"}}]
    volumes = admit("", "Pod", pod)["spec"]["volumes"]
    assert volumes == [{"name": "scratch", "emptyDir": {}},
                       {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420}},
                       {"name": "host", "hostPath": {"path": "/var/log", "type": ""}}]


def test_field_ref_api_version_defaults():
    pod = pod_with(env=[{"name": "NODE", "valueFrom": {"fieldRef": {
        "fieldPath": "spec.nodeName"}}}])
    assert container_of(pod)["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"


@pytest.mark.parametrize(("resources", "qos"), [
    (None, "BestEffort"),
    ({"requests": {"cpu": "100m"}}, "Burstable"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
     "Guaranteed"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, "Burstable"),
    ({"limits": {"cpu": "1"}}, "Burstable"),
    ({"limits": {"ephemeral-storage": "1Gi"}}, "BestEffort"),
])
def test_qos_class(resources, qos):
    pod = pod_with(resources=resources) if resources else sample("", "Pod")
    assert admit("", "Pod", pod)["status"]["qosClass"] == qos


def test_qos_counts_every_container():
    pod = pod_with(resources={"limits": {"cpu": "1", "memory": "1Gi"}})
    pod["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    assert admit("", "Pod", pod)["status"]["qosClass"] == "Burstable"


def _spec(**fields):
    def edit(pod):
        pod["spec"].update(fields)
    return edit


def _container(**fields):
    def edit(pod):
        pod["spec"]["containers"][0].update(fields)
    return edit


C0 = "spec.containers[0]"


@pytest.mark.parametrize(("edit", "expected"), [
    (_spec(containers=[]), [("spec.containers", "FieldValueRequired")]),
    (_container(name=""), [(f"{C0}.name", "FieldValueRequired")]),
    (_container(name="App_1"), [(f"{C0}.name", "FieldValueInvalid")]),
    (_container(image=""), [(f"{C0}.image", "FieldValueRequired")]),
    (_container(image=" busybox"), [(f"{C0}.image", "FieldValueInvalid")]),
    (_container(imagePullPolicy="Sometimes"), [(f"{C0}.imagePullPolicy",
                                                "FieldValueNotSupported")]),
    (_container(ports=[{"containerPort": 70000}]), [(f"{C0}.ports[0].containerPort",
                                                     "FieldValueInvalid")]),
    (_container(ports=[{"containerPort": 80, "protocol": "HTTP"}]),
     [(f"{C0}.ports[0].protocol", "FieldValueNotSupported")]),
    (_container(ports=[{"name": "http", "containerPort": 80},
                       {"name": "http", "containerPort": 81}]),
     [(f"{C0}.ports[1].name", "FieldValueDuplicate")]),
    (_container(ports=[{"containerPort": "80"}]), [(f"{C0}.ports[0].containerPort",
                                                    "FieldValueTypeInvalid")]),
    (_container(env=[{"name": "A=B", "value": "1"}]), [(f"{C0}.env[0].name",
                                                        "FieldValueInvalid")]),
    (_container(env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"},
                                                 "secretKeyRef": {"key": "k"}}}]),
     [(f"{C0}.env[0].valueFrom", "FieldValueInvalid")]),
    (_container(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}),
     [(f"{C0}.resources.requests", "FieldValueInvalid")]),
    (_container(resources={"limits": {"cpu": "lots"}}),
     [(f"{C0}.resources.limits[cpu]", "FieldValueInvalid")]),
    # As upstream: the negative limit is also copied into requests, and reported there too.
    (_container(resources={"limits": {"memory": "-1Gi"}}),
     [(f"{C0}.resources.limits[memory]", "FieldValueInvalid"),
      (f"{C0}.resources.requests[memory]", "FieldValueInvalid")]),
    (_container(resources={"requests": {"gpu": "1"}}),
     [(f"{C0}.resources.requests[gpu]", "FieldValueInvalid")]),
    (_container(resources={"requests": {"example.com/gpu": "1"}}),
     [(f"{C0}.resources.limits", "FieldValueRequired")]),
    (_container(volumeMounts=[{"name": "data", "mountPath": "/data"}]),
     [(f"{C0}.volumeMounts[0].name", "FieldValueNotFound")]),
    (_container(livenessProbe={"initialDelaySeconds": 5}),
     [(f"{C0}.livenessProbe", "FieldValueRequired")]),
    (_container(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2}),
     [(f"{C0}.livenessProbe.successThreshold", "FieldValueInvalid")]),
    (_container(readinessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2}), []),
    (_container(restartPolicy="Always"), [(f"{C0}.restartPolicy", "FieldValueForbidden")]),
    (_spec(restartPolicy="Sometimes"), [("spec.restartPolicy", "FieldValueNotSupported")]),
    (_spec(dnsPolicy="None"), [("spec.dnsConfig", "FieldValueRequired")]),
    (_spec(activeDeadlineSeconds=0), [("spec.activeDeadlineSeconds", "FieldValueInvalid")]),
    (_spec(nodeSelector={"disk": "ssd fast"}), [("spec.nodeSelector", "FieldValueInvalid")]),
    (_spec(volumes=[{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]),
     [("spec.volumes[1].name", "FieldValueDuplicate")]),
    (_spec(volumes=[{"name": "a", "emptyDir": {}, "hostPath": {"path": "/x"}}]),
     [("spec.volumes[0].hostPath", "FieldValueForbidden")]),
    (_spec(volumes=[{"name": "s", "secret": {}}]),
     [("spec.volumes[0].secret.secretName", "FieldValueRequired")]),
    (_spec(tolerations=[{"operator": "Equal", "value": "x"}]),
     [("spec.tolerations[0].operator", "FieldValueInvalid")]),
    (_spec(tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule",
                         "tolerationSeconds": 5}]),
     [("spec.tolerations[0].effect", "FieldValueInvalid")]),
    (_spec(tolerations=[{"key": "k", "operator": "Equal", "value": "v",
                         "effect": "NoExecute", "tolerationSeconds": 5}]), []),
    (_spec(initContainers=[{"name": "app", "image": "busybox"}]),
     [(f"{C0}.name", "FieldValueDuplicate")]),
    (_spec(initContainers=[{"name": "init", "image": "busybox",
                            "readinessProbe": {"exec": {"command": ["true"]}}}]),
     [("spec.initContainers[0].readinessProbe", "FieldValueForbidden")]),
    (_spec(initContainers=[{"name": "proxy", "image": "envoy", "restartPolicy": "Always",
                            "readinessProbe": {"exec": {"command": ["true"]}}}]), []),
    (_spec(ephemeralContainers=[{"name": "debug", "image": "busybox"}]),
     [("spec.ephemeralContainers", "FieldValueForbidden")]),
    (_spec(containers="app"), [("spec.containers", "FieldValueTypeInvalid")]),
])
def test_validation(edit, expected):
    assert causes_of("", "Pod", modified(sample("", "Pod"), edit)) == expected


def test_messages_match_upstream():
    from tests.api.kind_samples import validate
    pod = admit("", "Pod", modified(sample("", "Pod"), _container(
        image="", ports=[{"containerPort": 80, "protocol": "HTTP"}],
        resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})))
    messages = {c.field: c.message for c in validate("", "Pod", pod)}
    assert messages == {
        f"{C0}.image": "Required value",
        f"{C0}.ports[0].protocol":
            'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        f"{C0}.resources.requests": 'Invalid value: "2": must be less than or equal to cpu '
                                    "limit of 1",
    }


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda p: p["metadata"].update(labels={"tier": "web"}), []),
    (_container(image="python:3.12"), []),
    (_spec(activeDeadlineSeconds=60), []),
    (_spec(tolerations=[{"key": "k", "operator": "Exists"}]), []),
    (_spec(restartPolicy="Never"), [("spec", "FieldValueForbidden")]),
    (_container(command=["sleep", "1"]), [("spec", "FieldValueForbidden")]),
    (_spec(nodeName="node-1"), [("spec", "FieldValueForbidden")]),
    (lambda p: p["spec"]["containers"].append({"name": "b", "image": "busybox"}),
     [("spec.containers", "FieldValueForbidden")]),
])
def test_update_rules(edit, expected):
    old = admitted("", "Pod")
    assert update_causes("", "Pod", old, modified(old, edit)) == expected


@pytest.mark.parametrize(("old_deadline", "new_deadline", "expected"), [
    (60, 30, []),
    (60, 90, [("spec.activeDeadlineSeconds", "FieldValueInvalid")]),
    (60, None, [("spec.activeDeadlineSeconds", "FieldValueInvalid")]),
])
def test_active_deadline_may_only_shrink(old_deadline, new_deadline, expected):
    old = admitted("", "Pod")
    old["spec"]["activeDeadlineSeconds"] = old_deadline
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = new_deadline
    assert update_causes("", "Pod", old, new) == expected


def test_tolerations_may_only_be_added():
    old = admitted("", "Pod")
    old["spec"]["tolerations"] = [{"key": "a", "operator": "Exists"}]
    new = copy.deepcopy(old)
    new["spec"]["tolerations"] = [{"key": "b", "operator": "Exists"}]
    assert update_causes("", "Pod", old, new) == [("spec.tolerations", "FieldValueForbidden")]
