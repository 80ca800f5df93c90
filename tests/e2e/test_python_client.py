"""The official ``kubernetes`` Python client against a real apiserver, for every kind.

The client (37.x) validates what it reads with pydantic models: a missing required field or a
value of the wrong type fails the call. So each test here
goes through the client's typed API classes exactly as a user script would — configured from
the apiserver's kubeconfig — and asserts both that nothing failed to deserialize and that the
server did what the verb means (strategic merge, spec/status split, watch event order).
The kinds and their objects live in :mod:`tests.e2e.pyclient_kinds`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k
from kubernetes import config, dynamic, watch
from kubernetes.client.exceptions import ApiException

from observe.api.registry import default_registry
from tests.e2e.pyclient_kinds import CASES, NODE_NAME, KindCase, Methods, attribute

STATUS_CASES = tuple(case for case in CASES if case.status is not None)
REGISTRY = default_registry()
GROUP_OF = {rt.kind: (rt.group, rt.kind) for rt in REGISTRY}
SERIALIZER = k.ApiClient()


@pytest.fixture(scope="module")
def api_client(apiserver) -> Iterator[k.ApiClient]:
    api = config.new_client_from_config(config_file=str(apiserver.kubeconfig))
    yield api
    api.close()


def unique_name(case: KindCase) -> str:
    return f"{case.kind.lower()}-{uuid.uuid4().hex[:8]}"


def as_json(model: Any) -> Any:
    """A model as the client puts it on the wire (camelCase keys, RFC 3339 times)."""
    return SERIALIZER.sanitize_for_serialization(model)


def missing_from(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` lacks or differs from something ``expected`` has (lists compared
    item by item): the server may add fields, never drop or change the ones sent."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: expected an object, got {actual!r}"]
        return [problem for key, value in expected.items()
                for problem in missing_from(value, actual.get(key), f"{path}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [problem for index, (want, got) in enumerate(zip(expected, actual, strict=True))
                for problem in missing_from(want, got, f"{path}[{index}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def wait_gone(methods: Methods, name: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            methods.read(name)
        except ApiException as exc:
            assert exc.status == 404, f"reading a deleted object answered {exc.status}"
            return
        assert time.monotonic() < deadline, f"{name} still readable {timeout}s after delete"
        time.sleep(0.05)


def delete_completely(methods: Methods, name: str) -> Any:
    """Delete as a user would; for a namespace, also play the namespace controller's part
    (empty it and drop the ``kubernetes`` finalizer), which is what lets it go."""
    answer = methods.delete(name, grace_period_seconds=0)
    if methods.case.kind == "Namespace":
        terminating = methods.read(name)
        assert terminating.status.phase == "Terminating"
        terminating.spec.finalizers = []
        methods.api.replace_namespace_finalize(name, terminating)
    wait_gone(methods, name)
    return answer


def names_of(object_list: Any) -> set[str]:
    return {item.metadata.name for item in object_list.items}


def test_every_registered_kind_is_covered():
    assert sorted(rt.kind for rt in REGISTRY) == sorted(case.kind for case in CASES)
    assert sorted(rt.kind for rt in REGISTRY if rt.subresource("status")) == sorted(
        case.kind for case in STATUS_CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_crud_with_typed_models(api_client, namespace, case: KindCase):
    methods = Methods(case, api_client, namespace)
    model = type(case.build("x", namespace))
    name = unique_name(case)

    created = methods.create(case.build(name, namespace))
    assert isinstance(created, model)
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.metadata.namespace == (namespace if case.namespaced else None)

    read = methods.read(name)
    assert isinstance(read, model)
    assert read.metadata.resource_version == created.metadata.resource_version

    listed = methods.list()
    assert name in names_of(listed), f"{case.kind} {name} missing from its list"
    assert listed.metadata.resource_version
    everywhere = methods.list_all_namespaces()
    assert name in names_of(everywhere), f"{case.kind} {name} missing from the global list"

    patched = methods.patch(name, case.patch)
    assert isinstance(patched, model)
    for path, want in case.patched.items():
        assert attribute(patched, path) == want, f"after the strategic patch, {path}"
    assert int(patched.metadata.resource_version) > int(read.metadata.resource_version)

    # The whole object goes back as the client serializes what it read: every field the
    # server sent must survive the round trip through the model and pass validation again.
    current = methods.read(name)
    current.metadata.labels = {**(current.metadata.labels or {}), "edited": "yes"}
    replaced = methods.replace(name, current)
    assert isinstance(replaced, model)
    assert replaced.metadata.labels["edited"] == "yes"
    for path, want in case.patched.items():
        assert attribute(replaced, path) == want, f"the replace lost the patched {path}"

    stale = methods.read(name)
    stale.metadata.resource_version = created.metadata.resource_version
    with pytest.raises(ApiException) as conflict:
        methods.replace(name, stale)
    assert conflict.value.status == 409

    # Where the client expects the deleted object back (pods, services, volumes, ...), it
    # must be that object, not a Status squeezed into the model.
    answer = delete_completely(methods, name)
    if isinstance(answer, model):
        assert (answer.kind, answer.metadata.name) == (case.kind, name)
    assert name not in names_of(methods.list())


@pytest.mark.parametrize("case", CASES, ids=str)
def test_watch_streams_typed_events(api_client, namespace, case: KindCase):
    methods = Methods(case, api_client, namespace)
    model = type(case.build("x", namespace))
    name = unique_name(case)
    start = methods.list().metadata.resource_version
    events: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    stream = watch.Watch()
    list_call, scope = methods.watch_arguments()

    def consume() -> None:
        try:
            for event in stream.stream(list_call, *scope, resource_version=start,
                                       field_selector=f"metadata.name={name}",
                                       timeout_seconds=15):
                events.append(event)
                if event["type"] == "DELETED":
                    stream.stop()
        except BaseException as exc:  # handed to the test thread, which reports it
            failures.append(exc)

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    methods.create(case.build(name, namespace))
    methods.patch(name, case.patch)
    delete_completely(methods, name)
    reader.join(20)

    assert not failures, f"the watch failed: {failures[0]!r}"
    assert not reader.is_alive(), f"no DELETED event within 20s; got {events!r}"
    types = [event["type"] for event in events]
    assert types[0] == "ADDED" and types[-1] == "DELETED", types
    assert set(types[1:-1]) == {"MODIFIED"}, types
    for event in events:
        assert isinstance(event["object"], model), f"{event['type']} not a {model.__name__}"
        assert event["object"].metadata.name == name
    versions = [int(event["object"].metadata.resource_version) for event in events]
    assert versions == sorted(versions) and versions[0] > int(start), versions


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_status_subresource_with_realistic_status(api_client, namespace, case: KindCase):
    assert case.status is not None
    methods = Methods(case, api_client, namespace)
    name = unique_name(case)
    body = case.build(name, namespace)
    if case.kind == "Pod":
        body.spec.node_name = NODE_NAME  # a pod with a kubelet's status is a bound pod
    created = methods.create(body)

    status = case.status(created)
    created.status = status
    written = methods.replace_status(name, created)
    wanted = as_json(status)
    assert not missing_from(wanted, as_json(written.status)), missing_from(
        wanted, as_json(written.status))
    assert written.metadata.generation == created.metadata.generation

    read = methods.read_status(name)
    assert not missing_from(wanted, as_json(read.status))
    listed = next(item for item in methods.list().items if item.metadata.name == name)
    assert not missing_from(wanted, as_json(listed.status))

    # The main resource cannot write status: a replace that drops it changes nothing there.
    current = methods.read(name)
    current.status = None
    current.metadata.labels = {**(current.metadata.labels or {}), "edited": "yes"}
    replaced = methods.replace(name, current)
    assert not missing_from(wanted, as_json(replaced.status))

    delete_completely(methods, name)


def test_pod_status_patch_merges_conditions_by_type(api_client, namespace):
    pods = Methods(next(c for c in CASES if c.kind == "Pod"), api_client, namespace)
    pod = pods.create(k.V1Pod(metadata=k.V1ObjectMeta(name="conditions"),
                              spec=k.V1PodSpec(containers=[k.V1Container(name="app",
                                                                         image="web")])))
    pod.status = k.V1PodStatus(phase="Running", conditions=[
        k.V1PodCondition(type="Ready", status="False"),
        k.V1PodCondition(type="PodScheduled", status="True")])
    pods.replace_status("conditions", pod)
    patched = pods.patch_status("conditions", {"status": {"conditions": [
        {"type": "Ready", "status": "True"}]}})
    assert {c.type: c.status for c in patched.status.conditions} == {
        "Ready": "True", "PodScheduled": "True"}


@pytest.mark.parametrize(("content_type", "body", "want"), [
    ("application/json-patch+json",
     [{"op": "add", "path": "/data/b", "value": "2"}], {"a": "1", "b": "2"}),
    ("application/merge-patch+json", {"data": {"a": None, "b": "2"}}, {"b": "2"}),
    ("application/strategic-merge-patch+json", {"data": {"b": "2"}}, {"a": "1", "b": "2"}),
], ids=["json", "merge", "strategic"])
def test_patch_content_types(api_client, namespace, content_type, body, want):
    core = k.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, k.V1ConfigMap(
        metadata=k.V1ObjectMeta(name="patched"), data={"a": "1"}))
    patched = core.patch_namespaced_config_map("patched", namespace, body,
                                               _content_type=content_type)
    assert patched.data == want


@pytest.mark.parametrize(("call", "status", "reason"), [
    (lambda core, ns: core.read_namespaced_pod("absent", ns), 404, "NotFound"),
    (lambda core, ns: core.create_namespaced_config_map(ns, k.V1ConfigMap(
        metadata=k.V1ObjectMeta(name="twice"))), 409, "AlreadyExists"),
    (lambda core, ns: core.create_namespaced_pod(ns, k.V1Pod(
        metadata=k.V1ObjectMeta(name="no-containers"), spec=k.V1PodSpec(containers=[]))),
     422, "Invalid"),
], ids=["not-found", "already-exists", "invalid"])
def test_errors_reach_the_client_as_status(api_client, namespace, call, status, reason):
    core = k.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, k.V1ConfigMap(
        metadata=k.V1ObjectMeta(name="twice")))
    with pytest.raises(ApiException) as raised:
        call(core, namespace)
    assert raised.value.status == status
    answer = SERIALIZER.deserialize(raised.value.body, "V1Status", "application/json")
    assert (answer.kind, answer.status, answer.reason, answer.code) == (
        "Status", "Failure", reason, status)


def test_list_pages_with_limit_and_continue(api_client, namespace):
    core = k.CoreV1Api(api_client)
    for index in range(7):
        core.create_namespaced_config_map(namespace, k.V1ConfigMap(
            metadata=k.V1ObjectMeta(name=f"page-{index}")))
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_config_map(namespace, limit=3, _continue=token)
        pages += 1
        names += [item.metadata.name for item in page.items]
        token = page.metadata.var_continue
        if not token:
            break
    assert pages == 3
    assert names == [f"page-{index}" for index in range(7)]


def test_watch_list_with_the_official_client(api_client, namespace):
    """The client's own WatchList: initial ADDED events, then the bookmark that ends them
    (which it leaves undeserialized), then live changes on the same stream."""
    core = k.CoreV1Api(api_client)
    for name in ("one", "two"):
        core.create_namespaced_config_map(namespace, k.V1ConfigMap(
            metadata=k.V1ObjectMeta(name=name)))
    stream = watch.Watch()
    seen: list[tuple[str, str]] = []
    for event in stream.stream(core.list_namespaced_config_map, namespace,
                               send_initial_events=True, resource_version_match="NotOlderThan",
                               allow_watch_bookmarks=True, timeout_seconds=10):
        if event["type"] == "BOOKMARK":
            annotations = event["raw_object"]["metadata"].get("annotations") or {}
            if annotations.get("k8s.io/initial-events-end") == "true":  # not a periodic one
                seen.append(("BOOKMARK", "initial-events-end"))
                core.create_namespaced_config_map(namespace, k.V1ConfigMap(
                    metadata=k.V1ObjectMeta(name="three")))
            continue
        assert isinstance(event["object"], k.V1ConfigMap)
        seen.append((event["type"], event["object"].metadata.name))
        if event["object"].metadata.name == "three":
            stream.stop()
    assert sorted(seen[:2]) == [("ADDED", "one"), ("ADDED", "two")]
    assert seen[2:] == [("BOOKMARK", "initial-events-end"), ("ADDED", "three")]


@pytest.mark.parametrize("case", [c for c in CASES if c.kind in (
    "Deployment", "ReplicaSet", "StatefulSet")], ids=str)
def test_scale_subresource(api_client, namespace, case: KindCase):
    methods = Methods(case, api_client, namespace)
    name = unique_name(case)
    methods.create(case.build(name, namespace))
    scale = methods.method("read", "_scale")(name, namespace)
    assert isinstance(scale, k.V1Scale)
    assert (scale.spec.replicas, scale.metadata.name) == (2, name)
    assert scale.status.selector, "the scale status names the pods' selector (for an HPA)"

    scale.spec.replicas = 4
    assert methods.method("replace", "_scale")(name, namespace, scale).spec.replicas == 4
    patched = methods.method("patch", "_scale")(name, namespace, {"spec": {"replicas": 1}})
    assert isinstance(patched, k.V1Scale) and patched.spec.replicas == 1
    assert methods.read(name).spec.replicas == 1


@pytest.fixture(scope="module")
def dynamic_client(api_client) -> dynamic.DynamicClient:
    return dynamic.DynamicClient(api_client)  # reads discovery once, as tools using it do


@pytest.mark.parametrize("case", CASES, ids=str)
def test_dynamic_client_finds_and_serves_every_kind(dynamic_client, api_client, namespace,
                                                    case: KindCase):
    """The client's DynamicClient (what Ansible's k8s modules and many scripts use) resolves
    each kind through discovery, then reads and patches it as untyped objects."""
    rt = REGISTRY.by_kind(*GROUP_OF[case.kind])
    assert rt is not None
    resource = dynamic_client.resources.get(api_version=rt.api_version, kind=case.kind)
    assert (resource.name, resource.namespaced) == (rt.plural, rt.namespaced)
    name = unique_name(case)
    Methods(case, api_client, namespace).create(case.build(name, namespace))
    scope = {"namespace": namespace} if rt.namespaced else {}

    listed = resource.get(**scope)
    assert listed.kind == rt.list_kind and name in {item.metadata.name for item in listed.items}
    patched = resource.patch(name=name, body={"metadata": {"labels": {"dynamic": "yes"}}},
                             content_type="application/merge-patch+json", **scope)
    assert (patched.kind, patched.metadata.labels["dynamic"]) == (case.kind, "yes")
    assert resource.get(name=name, **scope).metadata.resourceVersion == (
        patched.metadata.resourceVersion)
