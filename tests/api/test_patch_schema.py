"""The per-kind strategic merge metadata mirrors the upstream struct tags."""

from __future__ import annotations

import pytest

from observe.api.patch.schema import ATOMIC, RETAIN_KEYS, SET, FieldPatch, by, patch_schema
from observe.api.registry import default_registry

# (group, kind, dotted path from the object root, upstream patch metadata)
FIELDS = [
    ("", "Pod", "spec.containers", by("name")),
    ("", "Pod", "spec.initContainers", by("name")),
    ("", "Pod", "spec.ephemeralContainers", by("name")),
    ("", "Pod", "spec.containers.ports", by("containerPort")),
    ("", "Pod", "spec.initContainers.env", by("name")),
    ("", "Pod", "spec.ephemeralContainers.volumeMounts", by("mountPath")),
    ("", "Pod", "spec.containers.volumeDevices", by("devicePath")),
    ("", "Pod", "spec.volumes", by("name", retain_keys=True)),
    ("", "Pod", "spec.imagePullSecrets", by("name")),
    ("", "Pod", "spec.hostAliases", by("ip")),
    ("", "Pod", "spec.topologySpreadConstraints", by("topologyKey")),
    ("", "Pod", "spec.schedulingGates", by("name")),
    ("", "Pod", "status.conditions", by("type")),
    ("", "Pod", "status.podIPs", by("ip")),
    ("", "Pod", "spec.tolerations", ATOMIC),
    ("", "Pod", "spec.containers.command", ATOMIC),
    ("", "Pod", "spec.containers.args", ATOMIC),
    ("", "Pod", "spec.containers.envFrom", ATOMIC),
    ("", "Pod", "spec.readinessGates", ATOMIC),
    ("", "Pod", "status.containerStatuses", ATOMIC),
    ("", "Node", "spec.taints", ATOMIC),
    ("", "Node", "spec.podCIDRs", SET),
    ("", "Node", "status.addresses", by("type")),
    ("", "Node", "status.conditions", by("type")),
    ("", "Node", "status.images", ATOMIC),
    ("", "Service", "spec.ports", by("port")),
    ("", "Service", "spec.externalIPs", ATOMIC),
    ("", "Service", "status.conditions", by("type")),
    ("", "ServiceAccount", "secrets", by("name")),
    ("", "ServiceAccount", "imagePullSecrets", ATOMIC),
    ("", "Namespace", "status.conditions", by("type")),
    ("", "Namespace", "spec.finalizers", ATOMIC),
    ("", "PersistentVolumeClaim", "status.conditions", by("type")),
    ("", "Endpoints", "subsets", ATOMIC),
    ("", "PodTemplate", "template.spec.containers", by("name")),
    ("apps", "Deployment", "spec.strategy", RETAIN_KEYS),
    ("apps", "Deployment", "spec.template.spec.containers.env", by("name")),
    ("apps", "Deployment", "spec.template.metadata.finalizers", SET),
    ("apps", "Deployment", "status.conditions", by("type")),
    ("apps", "StatefulSet", "spec.updateStrategy", ATOMIC),
    ("apps", "StatefulSet", "spec.volumeClaimTemplates", ATOMIC),
    ("apps", "DaemonSet", "spec.updateStrategy", ATOMIC),
    ("batch", "CronJob", "spec.jobTemplate.spec.template.spec.volumes",
     by("name", retain_keys=True)),
    ("batch", "CronJob", "spec.jobTemplate.metadata.ownerReferences", by("uid")),
    ("batch", "CronJob", "status.active", ATOMIC),
    ("batch", "Job", "status.conditions", by("type")),
    ("autoscaling", "HorizontalPodAutoscaler", "status.conditions", by("type")),
    ("autoscaling", "HorizontalPodAutoscaler", "spec.metrics", ATOMIC),
    ("policy", "PodDisruptionBudget", "status.conditions", by("type")),
    ("discovery.k8s.io", "EndpointSlice", "endpoints", ATOMIC),
]


@pytest.mark.parametrize(("group", "kind", "path", "expected"), FIELDS,
                         ids=[f"{f[1]}.{f[2]}" for f in FIELDS])
def test_field_patch_metadata(group: str, kind: str, path: str, expected: FieldPatch) -> None:
    assert patch_schema(group, kind).field(tuple(path.split("."))) == expected


@pytest.mark.parametrize("resource", list(default_registry()), ids=lambda r: r.kind)
def test_every_served_kind_has_object_meta_metadata(resource) -> None:
    schema = patch_schema(resource.group, resource.kind)
    assert schema.field(("metadata", "finalizers")) == SET
    assert schema.field(("metadata", "ownerReferences")) == by("uid")


@pytest.mark.parametrize(("group", "kind"), [
    ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
    ("apps", "DaemonSet"), ("batch", "Job"),
])
def test_pod_templates_get_the_pod_spec_table(group: str, kind: str) -> None:
    pod = patch_schema("", "Pod")
    templated = patch_schema(group, kind)
    pod_spec = {path[1:]: meta for path, meta in pod.fields.items() if path[0] == "spec"}
    for path, meta in pod_spec.items():
        assert templated.field(("spec", "template", "spec", *path)) == meta, path


def test_a_merge_key_only_appears_on_merging_lists() -> None:
    for group, kind in [("", "Pod"), ("apps", "Deployment"), ("batch", "CronJob")]:
        for path, meta in patch_schema(group, kind).fields.items():
            assert meta.merge or meta.merge_key is None, path
