"""Minimal valid objects for every kind, as a client would send them, and the helpers the
kind tests share: admitting an object the way the apiserver does and reading causes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from kubernetes.client import ApiClient

from observe.api.errors import Cause
from observe.api.kinds import strategy_for

UID = "6b2c8f3e-1d2a-4c55-9a0b-7e1f00c0ffee"

_CONTAINER = {"name": "app", "image": "python:3.11"}


def _template(labels: dict, restart_policy: str | None = None) -> dict:
    spec: dict = {"containers": [dict(_CONTAINER)]}
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


def _meta(name: str, namespace: str | None = "default", **extra: object) -> dict:
    meta: dict = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


_NODE_INFO = {key: "x" for key in (
    "architecture", "bootID", "containerRuntimeVersion", "kernelVersion", "kubeProxyVersion",
    "kubeletVersion", "machineID", "operatingSystem", "osImage", "systemUUID")}

SAMPLES: dict[tuple[str, str], tuple[str, Callable[[], dict]]] = {
    ("", "Namespace"): ("V1Namespace", lambda: {
        "apiVersion": "v1", "kind": "Namespace", "metadata": _meta("team-a", None)}),
    ("", "Pod"): ("V1Pod", lambda: {
        "apiVersion": "v1", "kind": "Pod", "metadata": _meta("web"),
        "spec": {"containers": [dict(_CONTAINER)]}}),
    ("", "Node"): ("V1Node", lambda: {
        "apiVersion": "v1", "kind": "Node", "metadata": _meta("node-1", None),
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                   "nodeInfo": dict(_NODE_INFO),
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]}}),
    ("", "Service"): ("V1Service", lambda: {
        "apiVersion": "v1", "kind": "Service", "metadata": _meta("web"),
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8000}]}}),
    ("", "Endpoints"): ("V1Endpoints", lambda: {
        "apiVersion": "v1", "kind": "Endpoints", "metadata": _meta("web"),
        "subsets": [{"addresses": [{"ip": "127.0.0.5"}], "ports": [{"port": 8000}]}]}),
    ("", "Event"): ("CoreV1Event", lambda: {
        "apiVersion": "v1", "kind": "Event", "metadata": _meta("web.17a2b3c4d5e6f708"),
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Scheduled", "message": "Successfully assigned default/web to node-1",
        "type": "Normal", "source": {"component": "default-scheduler"},
        "reportingComponent": "default-scheduler"}),
    ("", "ConfigMap"): ("V1ConfigMap", lambda: {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("settings"),
        "data": {"LOG_LEVEL": "debug"}}),
    ("", "Secret"): ("V1Secret", lambda: {
        "apiVersion": "v1", "kind": "Secret", "metadata": _meta("db"),
        "stringData": {"password": "s3cret"}}),
    ("", "ServiceAccount"): ("V1ServiceAccount", lambda: {
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("builder")}),
    ("", "PersistentVolume"): ("V1PersistentVolume", lambda: {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": _meta("pv-1", None),
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                 "hostPath": {"path": "/tmp/pv-1"}}}),
    ("", "PersistentVolumeClaim"): ("V1PersistentVolumeClaim", lambda: {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta("data"),
        "spec": {"accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "1Gi"}}}}),
    ("apps", "Deployment"): ("V1Deployment", lambda: {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("web"),
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": _template({"app": "web"})}}),
    ("apps", "ReplicaSet"): ("V1ReplicaSet", lambda: {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": _meta("web-5d8f"),
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": _template({"app": "web"})}}),
    ("apps", "StatefulSet"): ("V1StatefulSet", lambda: {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta("db"),
        "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                 "template": _template({"app": "db"})}}),
    ("apps", "DaemonSet"): ("V1DaemonSet", lambda: {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta("agent"),
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": _template({"app": "agent"})}}),
    ("apps", "ControllerRevision"): ("V1ControllerRevision", lambda: {
        "apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": _meta("db-7f9c"),
        "revision": 1, "data": {"spec": {"template": _template({"app": "db"})}}}),
    ("batch", "Job"): ("V1Job", lambda: {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("backup", uid=UID),
        "spec": {"template": _template({}, "Never")}}),
    ("batch", "CronJob"): ("V1CronJob", lambda: {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta("nightly"),
        "spec": {"schedule": "0 3 * * *",
                 "jobTemplate": {"spec": {"template": _template({}, "OnFailure")}}}}),
    ("coordination.k8s.io", "Lease"): ("V1Lease", lambda: {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": _meta("node-1"),
        "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40,
                 "renewTime": "2024-05-01T10:00:00.000000Z"}}),
    ("discovery.k8s.io", "EndpointSlice"): ("V1EndpointSlice", lambda: {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": _meta("web-abc12"), "addressType": "IPv4",
        "endpoints": [{"addresses": ["127.0.0.5"], "conditions": {"ready": True}}],
        "ports": [{"port": 8000}]}),
    ("autoscaling", "HorizontalPodAutoscaler"): ("V2HorizontalPodAutoscaler", lambda: {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": _meta("web"),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "web"}, "maxReplicas": 5}}),
    ("policy", "PodDisruptionBudget"): ("V1PodDisruptionBudget", lambda: {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta("web"),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}),
}


def sample(group: str, kind: str) -> dict:
    return SAMPLES[(group, kind)][1]()


def admit(group: str, kind: str, obj: dict) -> dict:
    """What the apiserver does to a created object before storing it."""
    strategy = strategy_for(group, kind)
    strategy.prepare_for_create(obj)
    strategy.default(obj)
    return obj


def admitted(group: str, kind: str) -> dict:
    return admit(group, kind, sample(group, kind))


def validate(group: str, kind: str, obj: dict) -> list[Cause]:
    return strategy_for(group, kind).validate(obj)


def causes_of(group: str, kind: str, obj: dict) -> list[tuple[str, str]]:
    """(field, reason) of each cause after admitting ``obj``."""
    return [(c.field, c.reason) for c in validate(group, kind, admit(group, kind, obj))]


def update_causes(group: str, kind: str, old: dict, new: dict) -> list[tuple[str, str]]:
    strategy = strategy_for(group, kind)
    strategy.prepare_for_update(new, old)
    strategy.default(new)
    return [(c.field, c.reason) for c in strategy.validate_update(new, old)]


def deserialize(model: str, obj: dict) -> object:
    """Parse ``obj`` with the official client's model, as its API calls do."""
    return ApiClient().deserialize(json.dumps(obj), model, "application/json")


def modified(obj: dict, edit: Callable[[dict], object]) -> dict:
    copied = copy.deepcopy(obj)
    edit(copied)
    return copied
