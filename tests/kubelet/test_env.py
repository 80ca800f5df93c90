"""A container's environment and command line by Kubernetes' rules."""

from __future__ import annotations

import base64

import pytest

from observe.kubelet.env import (
    ContainerConfigError,
    PodNetwork,
    command_line,
    container_env,
    expand,
    process_env,
    referenced_objects,
    service_env,
)
from observe.kubelet.images import ImageReference, ResolvedImage

NETWORK = PodNetwork(pod_ip="127.10.0.7", host_ip="127.0.0.1")
ALLOCATABLE = {"cpu": "4", "memory": "8Gi"}


def pod(containers=None, **meta):
    return {"metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1",
                         "labels": {"app": "web"}, "annotations": {"note": "hi"}, **meta},
            "spec": {"nodeName": "node-a", "serviceAccountName": "default",
                     "containers": containers or []}}


def b64(text):
    return base64.b64encode(text.encode()).decode()


CONFIG = {"settings": {"data": {"mode": "fast", "level": "3"}}}
SECRETS = {"creds": {"data": {"password": b64("s3cret"), "user": b64("admin")}}}


def env_of(container, config_maps=CONFIG, secrets=SECRETS, services=None):
    return dict(container_env(pod([container]), container, config_maps=config_maps,
                              secrets=secrets, network=NETWORK, allocatable=ALLOCATABLE,
                              service_env=services))


@pytest.mark.parametrize(("field", "value"), [
    ("metadata.name", "web-1"),
    ("metadata.namespace", "shop"),
    ("metadata.uid", "u-1"),
    ("metadata.labels['app']", "web"),
    ("metadata.annotations['note']", "hi"),
    ("metadata.labels['missing']", ""),
    ("spec.nodeName", "node-a"),
    ("spec.serviceAccountName", "default"),
    ("status.podIP", "127.10.0.7"),
    ("status.hostIP", "127.0.0.1"),
])
def test_field_refs(field, value):
    container = {"env": [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": field}}}]}
    assert env_of(container)["X"] == value


@pytest.mark.parametrize(("resources", "ref", "value"), [
    ({"limits": {"memory": "64Mi"}}, {"resource": "limits.memory"}, str(64 * 1024 * 1024)),
    ({"limits": {"memory": "64Mi"}}, {"resource": "limits.memory", "divisor": "1Mi"}, "64"),
    ({"limits": {"cpu": "500m"}}, {"resource": "limits.cpu"}, "1"),
    ({"limits": {"cpu": "500m"}}, {"resource": "limits.cpu", "divisor": "1m"}, "500"),
    ({"requests": {"cpu": "250m"}}, {"resource": "requests.cpu", "divisor": "1m"}, "250"),
    ({}, {"resource": "limits.cpu"}, "4"),
    ({}, {"resource": "limits.memory", "divisor": "1Gi"}, "8"),
])
def test_resource_field_refs(resources, ref, value):
    container = {"name": "app", "resources": resources,
                 "env": [{"name": "X", "valueFrom": {"resourceFieldRef": ref}}]}
    assert env_of(container)["X"] == value


def test_values_expand_earlier_variables_and_keep_unknown_references():
    container = {"env": [{"name": "A", "value": "one"},
                         {"name": "B", "value": "$(A)-two-$(NOPE)-$$(A)"}]}
    assert env_of(container)["B"] == "one-two-$(NOPE)-$(A)"


def test_config_map_and_secret_keys_and_env_from_with_prefix():
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"},
                    {"secretRef": {"name": "creds"}}],
        "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings",
                                                                   "key": "mode"}}},
                {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "creds",
                                                                "key": "password"}}}],
    }
    env = env_of(container)
    assert env["CFG_mode"] == "fast" and env["CFG_level"] == "3"
    assert env["user"] == "admin"
    assert env["MODE"] == "fast" and env["PASS"] == "s3cret"


@pytest.mark.parametrize(("container", "message"), [
    ({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "k"}}}]},
     'configmap "gone" not found'),
    ({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "settings",
                                                              "key": "nokey"}}}]},
     "couldn't find key nokey in ConfigMap shop/settings"),
    ({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k"}}}]},
     'secret "gone" not found'),
    ({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "k"}}}]},
     "couldn't find key k in Secret shop/creds"),
    ({"envFrom": [{"configMapRef": {"name": "gone"}}]}, 'configmap "gone" not found'),
])
def test_missing_references_are_config_errors_with_upstream_messages(container, message):
    config_maps = {**CONFIG, "gone": None}
    secrets = {**SECRETS, "gone": None}
    with pytest.raises(ContainerConfigError) as raised:
        env_of(container, config_maps=config_maps, secrets=secrets)
    assert str(raised.value) == message
    assert raised.value.reason == "CreateContainerConfigError"


def test_optional_references_are_skipped():
    container = {"envFrom": [{"configMapRef": {"name": "gone", "optional": True}}],
                 "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {
                     "name": "settings", "key": "nokey", "optional": True}}}]}
    assert "X" not in env_of(container, config_maps={**CONFIG, "gone": None})


def test_referenced_objects():
    container = {"envFrom": [{"configMapRef": {"name": "a"}}, {"secretRef": {"name": "s"}}],
                 "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "b",
                                                                         "key": "k"}}}]}
    assert referenced_objects(container) == ({"a", "b"}, {"s"})


def service(name, namespace, ip, ports):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": ip, "ports": ports}}


def test_service_links():
    services = [
        service("kubernetes", "default", "10.96.0.1", [{"name": "https", "port": 443}]),
        service("redis-main", "shop", "10.96.0.9", [{"name": "redis", "port": 6379,
                                                     "protocol": "TCP"}]),
        service("headless", "shop", "None", [{"port": 80}]),
        service("other", "elsewhere", "10.96.0.3", [{"port": 80}]),
    ]
    env = service_env(services, "shop", enable_service_links=True)
    assert env["REDIS_MAIN_SERVICE_HOST"] == "10.96.0.9"
    assert env["REDIS_MAIN_SERVICE_PORT"] == "6379"
    assert env["REDIS_MAIN_SERVICE_PORT_REDIS"] == "6379"
    assert env["REDIS_MAIN_PORT"] == "tcp://10.96.0.9:6379"
    assert env["REDIS_MAIN_PORT_6379_TCP_ADDR"] == "10.96.0.9"
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert not any(k.startswith(("HEADLESS", "OTHER")) for k in env)
    without = service_env(services, "shop", enable_service_links=False)
    assert set(k.split("_")[0] for k in without) == {"KUBERNETES"}


def test_spec_variables_win_over_service_links():
    env = env_of({"env": [{"name": "REDIS_SERVICE_HOST", "value": "mine"}]},
                 services={"REDIS_SERVICE_HOST": "10.0.0.1", "REDIS_SERVICE_PORT": "1"})
    assert env["REDIS_SERVICE_HOST"] == "mine" and env["REDIS_SERVICE_PORT"] == "1"


IMAGE = ResolvedImage(ImageReference("docker.io", "library/app", "1"), "id",
                      entrypoint=("/entry",), cmd=("serve", "--port=80"),
                      env={"PATH": "/img/bin", "LANG": "C"})


@pytest.mark.parametrize(("container", "argv"), [
    ({}, ["/entry", "serve", "--port=80"]),
    ({"args": ["debug"]}, ["/entry", "debug"]),
    ({"command": ["sh", "-c"]}, ["sh", "-c"]),
    ({"command": ["sh", "-c"], "args": ["echo $(GREETING) $$(GREETING)"]},
     ["sh", "-c", "echo hello $(GREETING)"]),
])
def test_command_line_rules(container, argv):
    assert command_line(container, IMAGE, {"GREETING": "hello"}) == argv


def test_process_env_layers_image_then_spec_and_adds_pod_ip():
    env = process_env(IMAGE, [("LANG", "en_US.UTF-8"), ("X", "1")], "web-1", "127.10.0.7")
    assert env["PATH"] == "/img/bin" and env["LANG"] == "en_US.UTF-8"
    assert env["HOSTNAME"] == "web-1" and env["POD_IP"] == "127.10.0.7"
    assert process_env(IMAGE, [("POD_IP", "mine")], "p", "127.0.0.9")["POD_IP"] == "mine"


@pytest.mark.parametrize(("text", "want"), [
    ("$(A)$(B)", "12"), ("$(A", "$(A"), ("$$", "$"), ("$$$(A)", "$1"), ("plain", "plain")])
def test_expand(text, want):
    assert expand(text, {"A": "1", "B": "2"}) == want
