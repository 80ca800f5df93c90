"""Three-way patches for client-side apply: the recorded kubectl vector, per-directive cases,
and properties over random manifests."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from observe.api.errors import StatusError
from observe.api.patch import (
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    json_merge_three_way,
    patch_schema,
    three_way_merge_patch,
    two_way_merge_patch,
)
from observe.api.patch.schema import Schema

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def compact(obj: Any) -> str:
    """Go's encoding of an unstructured object: sorted keys, no spaces."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def smp(obj: dict, patch: dict, group: str = "apps", kind: str = "Deployment") -> dict:
    return apply_patch(obj, json.dumps(patch).encode(), STRATEGIC_MERGE_PATCH, group, kind)


def manifest(app_image: str, env: list[dict], ports: list[dict]) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"annotations": {}, "labels": {"app": "web"}, "name": "web",
                     "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                     {"command": ["python3", "-m", "http.server", "8000"], "env": env,
                      "image": app_image, "name": "app", "ports": ports},
                     {"image": "busybox", "name": "sidecar"}]}}},
    }


V1 = manifest("python:3.11", [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
              [{"containerPort": 8000, "name": "http"}, {"containerPort": 9000, "name": "metrics"}])
V2 = manifest("python:3.12", [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
              [{"containerPort": 8000, "name": "http"}])

# The body kubectl 1.20 sent for `kubectl apply -f deploy-v2.yaml` over deploy-v1.yaml.
RECORDED_PATCH = (
    '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":'
    + json.dumps(compact(V2) + "\n") + '}},'
    '"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],'
    '"containers":[{"$setElementOrder/env":[{"name":"B"},{"name":"C"}],'
    '"$setElementOrder/ports":[{"containerPort":8000}],'
    '"env":[{"name":"B","value":"3"},{"name":"C","value":"4"},{"$patch":"delete","name":"A"}],'
    '"image":"python:3.12","name":"app",'
    '"ports":[{"$patch":"delete","containerPort":9000}]}]}}}}'
)


def applied(obj: dict) -> dict:
    """What kubectl sends as ``modified``: the manifest carrying its own last-applied JSON."""
    out = copy.deepcopy(obj)
    out["metadata"]["annotations"] = {LAST_APPLIED: compact(obj) + "\n"}
    return out


def live(obj: dict) -> dict:
    """The object as kube-apiserver returns it after creation: defaults and status added."""
    out = applied(obj)
    out["metadata"].update(uid="51738b47", resourceVersion="111", generation=1,
                           creationTimestamp="2026-11-25T00:02:50Z")
    out["spec"].update(revisionHistoryLimit=10, progressDeadlineSeconds=600, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    pod_spec = out["spec"]["template"]["spec"]
    pod_spec.update(restartPolicy="Always", dnsPolicy="ClusterFirst")
    for container in pod_spec["containers"]:
        container.update(imagePullPolicy="IfNotPresent", resources={},
                         terminationMessagePath="/dev/termination-log")
        for port in container.get("ports", []):
            port["protocol"] = "TCP"
    out["status"] = {"replicas": 2, "readyReplicas": 2, "observedGeneration": 1}
    return out


def test_recorded_kubectl_apply_patch_is_reproduced_byte_for_byte() -> None:
    patch = three_way_merge_patch(V1, applied(V2), live(V1), "apps", "Deployment")
    assert compact(patch) == RECORDED_PATCH


def test_recorded_patch_applies_to_the_expected_object() -> None:
    current = live(V1)
    result = smp(current, json.loads(RECORDED_PATCH))
    app, sidecar = result["spec"]["template"]["spec"]["containers"]
    assert app["image"] == "python:3.12"
    assert app["env"] == [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]
    assert app["ports"] == [{"containerPort": 8000, "name": "http", "protocol": "TCP"}]
    assert app["imagePullPolicy"] == "IfNotPresent", "server defaults must survive apply"
    assert sidecar == current["spec"]["template"]["spec"]["containers"][1]
    assert result["metadata"]["annotations"][LAST_APPLIED] == compact(V2) + "\n"
    assert result["spec"]["strategy"] == current["spec"]["strategy"]
    assert result["status"] == current["status"]


def test_applying_the_same_manifest_again_is_an_empty_patch() -> None:
    assert three_way_merge_patch(V1, applied(V1), live(V1), "apps", "Deployment") == {}


def ctr(name: str, **fields: Any) -> dict:
    return {"name": name, **fields}


def pod(containers: list[dict] | None = None, **metadata: Any) -> dict:
    obj: dict[str, Any] = {"metadata": {"name": "p", **metadata}}
    if containers is not None:
        obj["spec"] = {"containers": containers}
    return obj


def order(*names: str) -> list[dict]:
    return [{"name": n} for n in names]


# (id, original, modified, current, expected three-way patch, expected result) on Pods
POD_THREE_WAY = [
    ("no last-applied: only additions and changes",
     None, pod(labels={"a": "1"}), pod(labels={"b": "2"}),
     {"metadata": {"labels": {"a": "1"}}}, pod(labels={"a": "1", "b": "2"})),
    ("a changed value is sent even when the live one drifted",
     pod(labels={"a": "1"}), pod(labels={"a": "2"}), pod(labels={"a": "x", "s": "1"}),
     {"metadata": {"labels": {"a": "2"}}}, pod(labels={"a": "2", "s": "1"})),
    ("a key dropped from the manifest is deleted; server-set keys stay",
     pod(labels={"a": "1", "b": "2"}), pod(labels={"a": "1"}),
     pod(labels={"a": "1", "b": "2", "s": "1"}),
     {"metadata": {"labels": {"b": None}}}, pod(labels={"a": "1", "s": "1"})),
    ("an explicit null in the manifest deletes",
     pod(labels={"a": "1"}), pod(labels={"a": None}), pod(labels={"a": "1"}),
     {"metadata": {"labels": {"a": None}}}, pod(labels={})),
    ("a new container is added with its order",
     pod([ctr("a")]), pod([ctr("a"), ctr("b", image="b")]), pod([ctr("a", image="x")]),
     {"spec": {"$setElementOrder/containers": order("a", "b"),
               "containers": [ctr("b", image="b")]}},
     pod([ctr("a", image="x"), ctr("b", image="b")])),
    ("a removed container gets a delete directive",
     pod([ctr("a"), ctr("b")]), pod([ctr("b")]), pod([ctr("a"), ctr("b", image="x")]),
     {"spec": {"$setElementOrder/containers": order("b"),
               "containers": [{"name": "a", "$patch": "delete"}]}},
     pod([ctr("b", image="x")])),
    ("removing a container someone else already removed",
     pod([ctr("a"), ctr("b")]), pod([ctr("b")]), pod([ctr("c", image="c")]),
     {"spec": {"$setElementOrder/containers": order("b"),
               "containers": [ctr("b"), {"name": "a", "$patch": "delete"}]}},
     pod([ctr("b"), ctr("c", image="c")])),
    # Upstream ranks "s" against the live list after the delete and the append ([b, s, c]),
    # so it stays before the new container.
    ("add and delete with a server-only container in between",
     pod([ctr("a"), ctr("b")]), pod([ctr("b"), ctr("c")]),
     pod([ctr("a"), ctr("b", image="x"), ctr("s", image="s")]),
     {"spec": {"$setElementOrder/containers": order("b", "c"),
               "containers": [ctr("c"), {"name": "a", "$patch": "delete"}]}},
     pod([ctr("b", image="x"), ctr("s", image="s"), ctr("c")])),
    ("only the order changed",
     pod([ctr("a"), ctr("b")]), pod([ctr("b"), ctr("a")]), pod([ctr("a"), ctr("b")]),
     {"spec": {"$setElementOrder/containers": order("b", "a")}},
     pod([ctr("b"), ctr("a")])),
    ("a field dropped from one container",
     pod([ctr("a", image="i", workingDir="/w")]), pod([ctr("a", image="i")]),
     pod([ctr("a", image="i", workingDir="/w", stdin=True)]),
     {"spec": {"$setElementOrder/containers": order("a"),
               "containers": [{"name": "a", "workingDir": None}]}},
     pod([ctr("a", image="i", stdin=True)])),
    ("an atomic list is sent whole",
     pod([ctr("a", args=["1", "2"])]), pod([ctr("a", args=["2"])]),
     pod([ctr("a", args=["1", "2"])]),
     {"spec": {"$setElementOrder/containers": order("a"),
               "containers": [{"name": "a", "args": ["2"]}]}},
     pod([ctr("a", args=["2"])])),
    ("finalizers: additions listed, removals in $deleteFromPrimitiveList",
     pod(finalizers=["x", "y"]), pod(finalizers=["x", "z"]), pod(finalizers=["x", "y", "s"]),
     {"metadata": {"$setElementOrder/finalizers": ["x", "z"],
                   "$deleteFromPrimitiveList/finalizers": ["y"], "finalizers": ["z"]}},
     # Upstream ranks the server-only "s" against the live list, where it had no
     # neighbour from the patch after "x", so it ends up last.
     pod(finalizers=["x", "z", "s"])),
]


@pytest.mark.parametrize(("original", "modified", "current", "want_patch", "want_result"),
                         [case[1:] for case in POD_THREE_WAY],
                         ids=[case[0] for case in POD_THREE_WAY])
def test_three_way_on_pods(original: dict | None, modified: dict, current: dict,
                           want_patch: dict, want_result: dict) -> None:
    patch = three_way_merge_patch(original, modified, current, "", "Pod")
    assert compact(patch) == compact(want_patch)
    containers = patch.get("spec", {}).get("containers")
    want_containers = want_patch.get("spec", {}).get("containers")
    assert containers == want_containers, "merge-list entries must come in kubectl's order"
    assert smp(current, patch, "", "Pod") == want_result


def test_deletions_are_listed_in_merge_key_text_order_like_kubectl() -> None:
    ports = [{"containerPort": p} for p in (80, 9000, 10000)]
    original = pod([ctr("a", ports=ports)])
    modified = pod([ctr("a", ports=ports[:1])])
    patch = three_way_merge_patch(original, modified, original, "", "Pod")
    # Go sorts merge keys by their printed text: "10000" < "9000".
    assert patch["spec"]["containers"][0]["ports"] == [
        {"containerPort": 10000, "$patch": "delete"}, {"containerPort": 9000, "$patch": "delete"}]


def test_manifest_element_without_its_merge_key_is_bad_request() -> None:
    with pytest.raises(StatusError) as caught:
        three_way_merge_patch(pod([ctr("a")]), pod([{"image": "x"}]), pod([ctr("a")]), "", "Pod")
    assert caught.value.code == 400
    assert "does not contain declared merge key: name" in caught.value.message


def test_three_way_retain_keys_switches_deployment_strategy() -> None:
    rolling = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    original = {"spec": {"strategy": rolling}}
    modified = {"spec": {"strategy": {"type": "Recreate"}}}
    current = {"spec": {"strategy": {**rolling, "rollingUpdate": {"maxSurge": 1,
                                                                  "maxUnavailable": 0}}}}
    patch = three_way_merge_patch(original, modified, current, "apps", "Deployment")
    assert patch == {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None,
                                           "type": "Recreate"}}}
    assert smp(current, patch)["spec"]["strategy"] == {"type": "Recreate"}


def test_three_way_retain_keys_on_volumes() -> None:
    original = {"spec": {"volumes": [{"name": "v", "emptyDir": {}}]}}
    modified = {"spec": {"volumes": [{"name": "v", "configMap": {"name": "cm"}}]}}
    current = copy.deepcopy(original)
    patch = three_way_merge_patch(original, modified, current, "", "Pod")
    assert patch["spec"]["volumes"] == [{"name": "v", "emptyDir": None,
                                         "configMap": {"name": "cm"},
                                         "$retainKeys": ["configMap", "name"]}]
    assert smp(current, patch, "", "Pod") == modified


def test_two_way_patch_takes_original_to_modified() -> None:
    original = pod([ctr("a", env=[{"name": "X", "value": "1"}])], labels={"k": "v"})
    modified = pod([ctr("a", env=[{"name": "Y", "value": "2"}]), ctr("b")])
    patch = two_way_merge_patch(original, modified, "", "Pod")
    assert patch["metadata"] == {"labels": None}
    assert smp(original, patch, "", "Pod") == modified


# (id, original, modified, current, expected patch)
JSON_MERGE_THREE_WAY = [
    ("nothing changed", {"a": 1}, {"a": 1}, {"a": 1, "s": 1}, {}),
    ("addition and change", {"a": 1}, {"a": 2, "b": 3}, {"a": 1}, {"a": 2, "b": 3}),
    ("deletion of a key the user applied", {"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2, "s": 1},
     {"b": None}),
    ("server-set keys are left alone", {"m": {"a": 1}}, {"m": {"a": 1}}, {"m": {"a": 1, "s": 2}},
     {}),
    ("nested deletion and change", {"m": {"a": 1, "b": 2}}, {"m": {"a": 3}},
     {"m": {"a": 1, "b": 2}}, {"m": {"a": 3, "b": None}}),
    ("lists are sent whole", {"l": [1, 2]}, {"l": [2]}, {"l": [1, 2]}, {"l": [2]}),
    ("an explicit empty map is a value", {}, {"m": {}}, {}, {"m": {}}),
    ("no last-applied", None, {"a": 1}, {"b": 2}, {"a": 1}),
]


@pytest.mark.parametrize(("original", "modified", "current", "expected"),
                         [case[1:] for case in JSON_MERGE_THREE_WAY],
                         ids=[case[0] for case in JSON_MERGE_THREE_WAY])
def test_json_merge_three_way(original: dict | None, modified: dict, current: dict,
                              expected: dict) -> None:
    assert json_merge_three_way(original, modified, current) == expected


# -- properties --------------------------------------------------------------------------

def _unique_by(field: str, element: st.SearchStrategy, size: int) -> st.SearchStrategy:
    return st.lists(element, max_size=size, unique_by=lambda item: item[field])


_env = _unique_by("name", st.fixed_dictionaries(
    {"name": st.sampled_from("ABCD"), "value": st.sampled_from(["1", "2"])}), 3)
_ports = _unique_by("containerPort", st.fixed_dictionaries(
    {"containerPort": st.sampled_from([80, 443, 8080])},
    optional={"name": st.sampled_from(["http", "metrics"])}), 2)
_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["app", "side", "init", "log"]),
     "image": st.sampled_from(["x:1", "x:2"])},
    optional={"env": _env, "ports": _ports,
              "args": st.lists(st.sampled_from(["-v", "-q"]), max_size=2),
              "workingDir": st.sampled_from(["/a", "/b"])})
_strategy = st.one_of(
    st.just({"type": "Recreate"}),
    st.fixed_dictionaries({"type": st.just("RollingUpdate"), "rollingUpdate":
                           st.fixed_dictionaries({}, optional={
                               "maxSurge": st.sampled_from(["25%", 1]),
                               "maxUnavailable": st.sampled_from([0, "25%"])})}))
_metadata = st.fixed_dictionaries(
    {"name": st.just("web")},
    optional={"labels": st.dictionaries(st.sampled_from(["app", "tier", "team"]),
                                        st.sampled_from(["x", "y"]), max_size=3),
              "finalizers": st.lists(st.sampled_from(["f1", "f2", "f3"]), unique=True,
                                     max_size=3)})
manifests = st.fixed_dictionaries({
    "apiVersion": st.just("apps/v1"), "kind": st.just("Deployment"), "metadata": _metadata,
    "spec": st.fixed_dictionaries(
        {"replicas": st.integers(0, 3),
         "template": st.fixed_dictionaries({"spec": st.fixed_dictionaries({
             "containers": _unique_by("name", _container, 3)})})},
        optional={"strategy": _strategy, "paused": st.booleans()}),
})

DEPLOYMENT = patch_schema("apps", "Deployment")


def assert_contains(result: Any, wanted: Any, schema: Schema, path: tuple[str, ...] = ()) -> None:
    """``result`` has every field of ``wanted``: maps key by key, merging lists element by
    element in ``wanted``'s relative order, other lists and scalars exactly."""
    where = ".".join(path) or "<root>"
    if isinstance(wanted, dict):
        assert isinstance(result, dict), f"{where}: expected a map, got {result!r}"
        for key, value in wanted.items():
            if value is not None:
                assert key in result, f"{where}: missing {key!r}"
                assert_contains(result[key], value, schema, (*path, key))
        return
    meta = schema.field(path)
    if isinstance(wanted, list) and meta.merge:
        assert isinstance(result, list), f"{where}: expected a list, got {result!r}"
        if meta.merge_key is None:
            present = [x for x in result if x in wanted]
            assert present == wanted, f"{where}: {result!r} does not hold {wanted!r} in order"
            return
        by_key = {item[meta.merge_key]: item for item in result}
        for item in wanted:
            assert item[meta.merge_key] in by_key, f"{where}: missing element {item!r}"
            assert_contains(by_key[item[meta.merge_key]], item, schema, path)
        keys = [item[meta.merge_key] for item in result
                if item[meta.merge_key] in {w[meta.merge_key] for w in wanted}]
        assert keys == [w[meta.merge_key] for w in wanted], f"{where}: order {keys}"
        return
    assert result == wanted, f"{where}: {result!r} != {wanted!r}"


@settings(max_examples=300, deadline=None)
@given(original=manifests, modified=manifests)
def test_three_way_against_the_last_applied_object_yields_the_manifest(
        original: dict, modified: dict) -> None:
    patch = three_way_merge_patch(original, modified, original, "apps", "Deployment")
    assert smp(original, patch) == modified, f"patch was {patch}"


@settings(max_examples=300, deadline=None)
@given(original=manifests, modified=manifests, current=manifests)
def test_three_way_result_has_every_field_of_the_manifest(
        original: dict, modified: dict, current: dict) -> None:
    patch = three_way_merge_patch(original, modified, current, "apps", "Deployment")
    assert_contains(smp(current, patch), modified, DEPLOYMENT)


@settings(max_examples=300, deadline=None)
@given(original=manifests, modified=manifests, current=manifests)
def test_json_merge_three_way_result_has_every_field_of_the_manifest(
        original: dict, modified: dict, current: dict) -> None:
    patch = json_merge_three_way(original, modified, current)
    result = apply_patch(current, json.dumps(patch).encode(), MERGE_PATCH, "apps", "Deployment")
    assert_contains(result, modified, Schema({}))
    if current == original:
        assert result == modified


@settings(max_examples=300, deadline=None)
@given(original=manifests, modified=manifests)
def test_two_way_patch_round_trips(original: dict, modified: dict) -> None:
    patch = two_way_merge_patch(original, modified, "apps", "Deployment")
    assert smp(original, patch) == modified, f"patch was {patch}"
