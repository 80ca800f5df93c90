"""Strategic merge patch, server side: what kube-apiserver stores for a given PATCH body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from observe.api.errors import StatusError
from observe.api.patch import STRATEGIC_MERGE_PATCH, apply_patch


def smp(original: dict[str, Any], patch: Any, kind: str = "Pod", group: str = "") -> dict:
    return apply_patch(original, json.dumps(patch).encode(), STRATEGIC_MERGE_PATCH, group, kind)


def pod(spec: dict | None = None, **metadata: Any) -> dict:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": "p", **metadata}}
    if spec is not None:
        obj["spec"] = spec
    return obj


def c(name: str, **fields: Any) -> dict:
    return {"name": name, **fields}


def env(*pairs: str) -> list[dict]:
    return [{"name": p.split("=")[0], "value": p.split("=")[1]} for p in pairs]


def deployment(**spec: Any) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": spec}


# (id, original, patch, expected) on Pods
POD_CASES = [
    ("map merges and null deletes",
     pod(labels={"a": "1", "b": "2"}),
     {"metadata": {"labels": {"b": None, "c": "3"}}},
     pod(labels={"a": "1", "c": "3"})),
    ("null with nothing to delete is dropped, not stored",
     pod(),
     {"metadata": {"labels": {"x": None}, "annotations": None}},
     pod(labels={})),
    ("containers merge by name; a new one goes first without $setElementOrder",
     pod({"containers": [c("a", image="a:1")]}),
     {"spec": {"containers": [c("b", image="b:1")]}},
     pod({"containers": [c("b", image="b:1"), c("a", image="a:1")]})),
    ("$setElementOrder places a new container",
     pod({"containers": [c("a", image="a:1")]}),
     {"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
               "containers": [c("b", image="b:1")]}},
     pod({"containers": [c("a", image="a:1"), c("b", image="b:1")]})),
    ("a matched container merges field by field",
     pod({"containers": [c("a", image="a:1", imagePullPolicy="Always")]}),
     {"spec": {"containers": [c("a", image="a:2")]}},
     pod({"containers": [c("a", image="a:2", imagePullPolicy="Always")]})),
    ("env merges by name inside a container",
     pod({"containers": [c("a", env=env("X=1", "Y=2"))]}),
     {"spec": {"containers": [c("a", env=env("Y=3"))]}},
     pod({"containers": [c("a", env=env("X=1", "Y=3"))]})),
    ("ports merge by containerPort",
     pod({"containers": [c("a", ports=[{"containerPort": 80, "protocol": "TCP"}])]}),
     {"spec": {"containers": [c("a", ports=[{"containerPort": 80, "name": "http"}])]}},
     pod({"containers": [c("a", ports=[{"containerPort": 80, "protocol": "TCP",
                                        "name": "http"}])]})),
    ("volumeMounts merge by mountPath",
     pod({"containers": [c("a", volumeMounts=[{"name": "v", "mountPath": "/d"}])]}),
     {"spec": {"containers": [c("a", volumeMounts=[{"mountPath": "/d", "readOnly": True}])]}},
     pod({"containers": [c("a", volumeMounts=[{"name": "v", "mountPath": "/d",
                                               "readOnly": True}])]})),
    ("initContainers merge by name like containers",
     pod({"initContainers": [c("i", image="i:1")]}),
     {"spec": {"initContainers": [c("i", image="i:2")]}},
     pod({"initContainers": [c("i", image="i:2")]})),
    ("command, args and tolerations are atomic",
     pod({"containers": [c("a", command=["x", "y"])], "tolerations": [{"key": "k1"}]}),
     {"spec": {"containers": [c("a", command=["z"])], "tolerations": [{"key": "k2"}]}},
     pod({"containers": [c("a", command=["z"])], "tolerations": [{"key": "k2"}]})),
    ("$patch: delete removes the element with that key",
     pod({"containers": [c("a"), c("b")]}),
     {"spec": {"containers": [{"$patch": "delete", "name": "a"}]}},
     pod({"containers": [c("b")]})),
    ("$patch: delete removes every duplicate",
     pod({"containers": [c("a"), c("b"), c("a", image="dup")]}),
     {"spec": {"containers": [{"$patch": "delete", "name": "a"}]}},
     pod({"containers": [c("b")]})),
    ("$patch: delete of a missing element is a no-op",
     pod({"containers": [c("a")]}),
     {"spec": {"containers": [{"$patch": "delete", "name": "zz"}]}},
     pod({"containers": [c("a")]})),
    ("a {$patch: replace} element replaces the whole list",
     pod({"containers": [c("a"), c("b")]}),
     {"spec": {"containers": [c("c", image="c:1"), {"$patch": "replace"}]}},
     pod({"containers": [c("c", image="c:1")]})),
    ("$patch: replace on a map replaces it",
     pod(labels={"a": "1"}),
     {"metadata": {"labels": {"$patch": "replace", "b": "2"}}},
     pod(labels={"b": "2"})),
    ("$patch: delete on an existing map empties it (as upstream)",
     pod(labels={"a": "1"}),
     {"metadata": {"labels": {"$patch": "delete"}}},
     pod(labels={})),
    ("$patch: delete on a missing map adds nothing",
     pod(),
     {"metadata": {"labels": {"$patch": "delete"}}},
     pod()),
    ("$patch: merge on a map is the default merge",
     pod(labels={"a": "1"}),
     {"metadata": {"labels": {"$patch": "merge", "b": "2"}}},
     pod(labels={"a": "1", "b": "2"})),
    ("$retainKeys clears the volume source the user dropped",
     pod({"volumes": [{"name": "v", "emptyDir": {}}]}),
     {"spec": {"volumes": [{"name": "v", "configMap": {"name": "cm"},
                            "$retainKeys": ["configMap", "name"]}]}},
     pod({"volumes": [{"name": "v", "configMap": {"name": "cm"}}]})),
    ("$setElementOrder alone reorders",
     pod({"containers": [c("a"), c("b")]}),
     {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}},
     pod({"containers": [c("b"), c("a")]})),
    ("$setElementOrder keeps server-only elements where the live list had them",
     pod({"containers": [c("a", env=env("A=1", "S=s", "B=2"))]}),
     {"spec": {"containers": [c("a", **{"$setElementOrder/env": [{"name": "B"},
                                                                 {"name": "A"}]})]}},
     pod({"containers": [c("a", env=env("S=s", "B=2", "A=1"))]})),
    ("$setElementOrder naming an element nobody has is ignored",
     pod({"containers": [c("a"), c("b")]}),
     {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "x"}, {"name": "a"}]}},
     pod({"containers": [c("b"), c("a")]})),
    ("finalizers merge as a set",
     pod(finalizers=["a", "b"]),
     {"metadata": {"finalizers": ["b", "c"]}},
     pod(finalizers=["a", "b", "c"])),
    ("a new finalizer goes first without $setElementOrder (as upstream)",
     pod(finalizers=["a", "b"]),
     {"metadata": {"finalizers": ["c"]}},
     pod(finalizers=["c", "a", "b"])),
    ("$deleteFromPrimitiveList removes finalizers",
     pod(finalizers=["a", "b", "c"]),
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zz"]}},
     pod(finalizers=["a", "c"])),
    ("$deleteFromPrimitiveList on a missing list adds nothing",
     pod(),
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}},
     pod()),
    ("$setElementOrder orders a primitive set",
     pod(finalizers=["a", "b", "c"]),
     {"metadata": {"$setElementOrder/finalizers": ["c", "a", "b"]}},
     pod(finalizers=["c", "a", "b"])),
    ("add, delete and order a primitive set together",
     pod(finalizers=["a", "b", "c"]),
     {"metadata": {"$setElementOrder/finalizers": ["a", "d", "b"],
                   "$deleteFromPrimitiveList/finalizers": ["c"], "finalizers": ["d"]}},
     pod(finalizers=["a", "d", "b"])),
    ("ownerReferences merge by uid",
     pod(ownerReferences=[{"uid": "1", "kind": "ReplicaSet", "name": "rs"}]),
     {"metadata": {"ownerReferences": [{"uid": "1", "controller": True},
                                       {"uid": "2", "kind": "Node", "name": "n"}]}},
     pod(ownerReferences=[{"uid": "1", "kind": "ReplicaSet", "name": "rs", "controller": True},
                          {"uid": "2", "kind": "Node", "name": "n"}])),
    ("status.conditions merge by type",
     {**pod(), "status": {"conditions": [{"type": "Ready", "status": "False"},
                                         {"type": "PodScheduled", "status": "True"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
     {**pod(), "status": {"conditions": [{"type": "Ready", "status": "True"},
                                         {"type": "PodScheduled", "status": "True"}]}}),
    ("a map the patch turns into a list is replaced",
     pod({"containers": [c("a")]}, labels={"a": "1"}),
     {"metadata": {"labels": ["oops"]}},
     pod({"containers": [c("a")]}, labels=["oops"])),
]


@pytest.mark.parametrize(("original", "patch", "expected"),
                         [case[1:] for case in POD_CASES], ids=[case[0] for case in POD_CASES])
def test_strategic_merge_on_pods(original: dict, patch: dict, expected: dict) -> None:
    assert smp(original, patch) == expected


STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                       "maxUnavailable": "25%"}}
TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [c("app", image="a:1", env=env("A=1"))]}}

# (id, group, kind, original, patch, expected) across kinds
KIND_CASES = [
    ("Deployment strategy $retainKeys drops rollingUpdate",
     "apps", "Deployment",
     deployment(replicas=1, strategy=STRATEGY),
     {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
     deployment(replicas=1, strategy={"type": "Recreate"})),
    ("Deployment strategy without $retainKeys merges",
     "apps", "Deployment",
     deployment(strategy=STRATEGY),
     {"spec": {"strategy": {"type": "Recreate"}}},
     deployment(strategy={**STRATEGY, "type": "Recreate"})),
    ("Deployment pod template containers and env merge",
     "apps", "Deployment",
     deployment(template=TEMPLATE),
     {"spec": {"template": {"spec": {"containers": [c("app", env=env("B=2"))]}}}},
     deployment(template={**TEMPLATE, "spec": {"containers": [
         c("app", image="a:1", env=env("B=2", "A=1"))]}})),
    ("StatefulSet template containers merge; volumeClaimTemplates are atomic",
     "apps", "StatefulSet",
     {"spec": {"template": TEMPLATE, "volumeClaimTemplates": [{"metadata": {"name": "a"}}]}},
     {"spec": {"template": {"spec": {"containers": [c("app", image="a:2")]}},
               "volumeClaimTemplates": [{"metadata": {"name": "b"}}]}},
     {"spec": {"template": {**TEMPLATE, "spec": {"containers": [
         c("app", image="a:2", env=env("A=1"))]}},
         "volumeClaimTemplates": [{"metadata": {"name": "b"}}]}}),
    ("CronJob jobTemplate pod containers merge",
     "batch", "CronJob",
     {"spec": {"jobTemplate": {"spec": {"template": TEMPLATE}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
         c("side", image="s:1")]}}}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {**TEMPLATE, "spec": {"containers": [
         c("side", image="s:1"), c("app", image="a:1", env=env("A=1"))]}}}}}}),
    ("Job status conditions merge by type",
     "batch", "Job",
     {"status": {"conditions": [{"type": "Complete", "status": "False"}]}},
     {"status": {"conditions": [{"type": "Failed", "status": "True"}]}},
     {"status": {"conditions": [{"type": "Failed", "status": "True"},
                                {"type": "Complete", "status": "False"}]}}),
    ("Service ports merge by port",
     "", "Service",
     {"spec": {"ports": [{"port": 80, "targetPort": 8000}, {"port": 443}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9000}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9000}, {"port": 443}]}}),
    ("Node taints are atomic",
     "", "Node",
     {"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}},
     {"spec": {"taints": [{"key": "b", "effect": "NoSchedule"}]}},
     {"spec": {"taints": [{"key": "b", "effect": "NoSchedule"}]}}),
    ("Node addresses and conditions merge by type",
     "", "Node",
     {"status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.2"}],
                 "conditions": [{"type": "Ready", "status": "False"}]}},
     {"status": {"addresses": [{"type": "Hostname", "address": "n1"}],
                 "conditions": [{"type": "Ready", "status": "True"}]}},
     {"status": {"addresses": [{"type": "Hostname", "address": "n1"},
                               {"type": "InternalIP", "address": "127.0.0.2"}],
                 "conditions": [{"type": "Ready", "status": "True"}]}}),
    ("ServiceAccount secrets merge by name",
     "", "ServiceAccount",
     {"secrets": [{"name": "a"}]},
     {"secrets": [{"name": "b"}]},
     {"secrets": [{"name": "b"}, {"name": "a"}]}),
    ("ConfigMap data merges as a map",
     "", "ConfigMap",
     {"data": {"a": "1", "b": "2"}},
     {"data": {"b": None, "c": "3"}},
     {"data": {"a": "1", "c": "3"}}),
    ("an unknown kind still merges finalizers as a set and replaces other lists",
     "example.com", "Widget",
     {"metadata": {"finalizers": ["a"]}, "spec": {"items": [{"name": "x"}]}},
     {"metadata": {"finalizers": ["b"]}, "spec": {"items": [{"name": "y"}]}},
     {"metadata": {"finalizers": ["b", "a"]}, "spec": {"items": [{"name": "y"}]}}),
]


@pytest.mark.parametrize(("group", "kind", "original", "patch", "expected"),
                         [case[1:] for case in KIND_CASES], ids=[case[0] for case in KIND_CASES])
def test_strategic_merge_per_kind(group: str, kind: str, original: dict, patch: dict,
                                  expected: dict) -> None:
    assert smp(original, patch, kind, group) == expected


# (id, patch, words the 400 message must contain), all against the same Pod
BAD_PATCHES = [
    ("unknown directive", {"spec": {"$foo": 1}}, "unknown patch directive '$foo'"),
    ("unknown $patch value on a map", {"metadata": {"labels": {"$patch": "zap"}}},
     "unknown patch type"),
    ("unknown $patch value on an element",
     {"spec": {"containers": [{"name": "a", "$patch": "zap"}]}}, "unknown patch type"),
    ("merging element without its merge key",
     {"spec": {"containers": [{"image": "x"}]}}, "does not contain declared merge key: name"),
    ("delete directive without the merge key",
     {"spec": {"containers": [{"$patch": "delete"}]}}, "does not contain declared merge key"),
    ("merging list element that is not a map", {"spec": {"containers": ["a"]}},
     "expected a map with merge key 'name'"),
    ("list of lists", {"spec": {"containers": [["a"]]}}, "lists of lists"),
    ("primitive set given a map", {"metadata": {"finalizers": [{"a": 1}]}},
     "expected a list of primitives"),
    ("$retainKeys not a list", {"spec": {"volumes": [{"name": "v", "$retainKeys": "name"}]}},
     "retainKeys"),
    ("field set but not retained",
     {"spec": {"volumes": [{"name": "v", "emptyDir": {}, "$retainKeys": ["name"]}]}},
     "'emptyDir' is set but not listed in $retainKeys"),
    ("$setElementOrder not a list", {"spec": {"$setElementOrder/containers": {"name": "a"}}},
     "setElementOrder"),
    ("$setElementOrder entry without merge key",
     {"spec": {"$setElementOrder/containers": [{"image": "a"}]}}, "merge key 'name'"),
    ("$setElementOrder disagreeing with the patch list",
     {"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
               "containers": [{"name": "b"}, {"name": "a"}]}}, "doesn't match"),
    ("$setElementOrder missing an element of the patch list",
     {"spec": {"$setElementOrder/containers": [{"name": "a"}],
               "containers": [{"name": "b"}]}}, "doesn't match"),
    ("$deleteFromPrimitiveList not a list",
     {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}, "primitive list"),
    ("delete directive in an atomic list",
     {"spec": {"tolerations": [{"$patch": "delete", "key": "k"}]}}, "no merge key"),
    ("deleting the whole object", {"$patch": "delete"}, "cannot delete the whole object"),
]


@pytest.mark.parametrize(("patch", "words"), [case[1:] for case in BAD_PATCHES],
                         ids=[case[0] for case in BAD_PATCHES])
def test_malformed_strategic_patch_is_bad_request(patch: dict, words: str) -> None:
    original = pod({"containers": [c("a")], "volumes": [{"name": "v", "emptyDir": {}}]},
                   finalizers=["f"])
    with pytest.raises(StatusError) as caught:
        smp(original, patch)
    assert caught.value.code == 400, caught.value.to_status()
    assert caught.value.reason == "BadRequest"
    assert words in caught.value.message, caught.value.message


def test_error_message_names_the_field_path() -> None:
    with pytest.raises(StatusError) as caught:
        smp(pod({"containers": [c("a")]}), {"spec": {"containers": [{"image": "x"}]}})
    assert caught.value.message.startswith("spec.containers: "), caught.value.message


def test_patch_replacing_the_root_keeps_only_the_patch() -> None:
    assert smp(pod(labels={"a": "1"}), {"$patch": "replace", "kind": "Pod"}) == {"kind": "Pod"}
