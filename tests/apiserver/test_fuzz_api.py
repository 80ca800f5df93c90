"""Property-based fuzzing of the REST API against a real apiserver process.

Every test drives one family of requests with hypothesis — creates, replaces, the three patch
types, deletes with DeleteOptions, lists and watches with random query strings, odd paths,
garbage bodies — on every resource path of every kind, and holds each answer to the
invariants of :mod:`tests.apiserver.test_fuzz_invariants` (no 5xx, proper Status errors,
typed objects, no traceback in the server log); the server must still be ready afterwards.

The process is private to this module: the fuzzer deletes and breaks things no other test
should see. Objects it edits live in namespace ``fuzz``; creates and collection deletes in
``fuzz-scratch``.

Budget and reproducibility: the example counts below keep the module well under 90 s, and
examples are derandomized (a fixed seed per test) so CI runs the same inputs for a commit.
(Hypothesis also draws literals from every loaded module of the project, so the inputs move
when the code does, and a run of one file differs from a run of the whole suite: a failure
prints the exact request as a ``regression case``; keep it under ``fuzz_regressions/`` once
the bug is fixed.)

``OBSERVE_FUZZ_SCALE=10`` runs ten times as many examples; ``OBSERVE_FUZZ_EXPLORE=1`` draws
fresh random inputs (and keeps hypothesis' example database) to look for new bugs;
``OBSERVE_FUZZ_RECORD=FILE`` appends every failing case to FILE and carries on instead of
stopping at the first; ``OBSERVE_FUZZ_STRICT=1`` also requires the official client to read
every object answered (see :mod:`.test_fuzz_invariants`).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observe.api.registry import ResourceType, default_registry
from observe.testing import ApiServerProcess
from tests.api.kind_samples import SAMPLES
from tests.apiserver.test_fuzz_invariants import FuzzRequest, FuzzServer, Reply, encode_segment
from tests.apiserver.test_fuzz_objects import (
    ODD_STRINGS,
    almost_valid,
    broken,
    integers,
    json_patches,
    json_values,
    merge_patches,
    strategic_patches,
    strings,
    to_json,
    to_yaml,
)
from tests.http import TABLE_ACCEPT

SCALE = float(os.environ.get("OBSERVE_FUZZ_SCALE", "1"))
EXPLORE = os.environ.get("OBSERVE_FUZZ_EXPLORE") == "1"
STRICT = os.environ.get("OBSERVE_FUZZ_STRICT") == "1"
NAMESPACE = "fuzz"
SCRATCH = "fuzz-scratch"
# Cluster-scoped objects a collection delete may take: only the fuzzer's own.
VICTIM_LABEL = "fuzz-victim=yes"

REGISTRY = default_registry()
TYPES = list(REGISTRY)
_names = itertools.count()


def budget(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    derandomize=not EXPLORE, database=settings.default.database if EXPLORE
                    else None, suppress_health_check=list(HealthCheck))


def type_id(rt: ResourceType) -> str:
    return f"{rt.plural}.{rt.group}" if rt.group else rt.plural


# -- paths -------------------------------------------------------------------------------------

def base_path(rt: ResourceType) -> str:
    return f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"


def collection_path(rt: ResourceType, namespace: str | None) -> str:
    if rt.namespaced and namespace is not None:
        return f"{base_path(rt)}/namespaces/{encode_segment(namespace)}/{rt.plural}"
    return f"{base_path(rt)}/{rt.plural}"


def object_path(rt: ResourceType, namespace: str, name: str, sub: str | None = None) -> str:
    path = f"{collection_path(rt, namespace)}/{encode_segment(name)}"
    return f"{path}/{sub}" if sub else path


def model_of(rt: ResourceType) -> str:
    return SAMPLES[(rt.group, rt.kind)][0]


def sample(rt: ResourceType, name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    """The kind's minimal valid object, named ``name``, in the fuzzer's namespace."""
    obj = SAMPLES[(rt.group, rt.kind)][1]()
    meta = obj["metadata"]
    meta["name"] = name
    meta.pop("uid", None)
    if rt.namespaced:
        meta["namespace"] = namespace
        if isinstance(obj.get("involvedObject"), dict):  # an Event's object is its neighbour
            obj["involvedObject"]["namespace"] = namespace
    else:
        meta.pop("namespace", None)
        meta["labels"] = {"fuzz-victim": "yes"}
    return obj


# -- the world the fuzzer plays in --------------------------------------------------------------

class World:
    """The fuzzed server plus one live object per kind for replace/patch to work on."""

    def __init__(self, server: FuzzServer) -> None:
        self.server = server
        self.targets: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None,
             query: list[tuple[str, str]] | None = None) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        return self.server.exchange(FuzzRequest(method, path, query or [],
                                                {"Content-Type": "application/json"}, data))

    def setup(self) -> None:
        namespaces = REGISTRY.get("", "namespaces")
        assert namespaces is not None
        for name in (NAMESPACE, SCRATCH):
            reply = self.call("POST", collection_path(namespaces, None),
                              {"metadata": {"name": name}})
            assert reply.status == 201, reply.body

    def target(self, rt: ResourceType) -> tuple[str, dict[str, Any]]:
        """A live object of kind ``rt``: the current one, or a new one when it was deleted
        or is terminating (a deleted namespace stays terminating)."""
        key = type_id(rt)
        name = self.targets.get(key)
        if name is not None:
            reply = self.call("GET", object_path(rt, NAMESPACE, name))
            if reply.status == 200:
                obj = json.loads(reply.body)
                if not obj["metadata"].get("deletionTimestamp"):
                    return name, obj
        name = f"fuzz-target-{next(_names)}"
        reply = self.call("POST", collection_path(rt, NAMESPACE), sample(rt, name))
        assert reply.status == 201, f"cannot create a {rt.kind} to fuzz: {reply.body!r}"
        self.targets[key] = name
        return name, json.loads(reply.body)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    process = ApiServerProcess(tmp_path_factory.mktemp("fuzz-apiserver"))
    process.start()
    try:
        record = os.environ.get("OBSERVE_FUZZ_RECORD")
        world = World(FuzzServer(process, record_to=Path(record) if record else None,
                                 strict=STRICT))
        world.setup()
        yield world
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def stays_ready(world: World) -> Iterator[None]:
    yield
    assert world.server.healthy(), "the apiserver is not ready after the fuzz test"


# -- request pieces ----------------------------------------------------------------------------

types = st.sampled_from(TYPES)
accepts = st.sampled_from((
    "application/json", "application/json", "application/json", TABLE_ACCEPT,
    "application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=Table;g=bogus",
    "application/vnd.kubernetes.protobuf,application/json", "*/*", "text/html", "",
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    "application/json;as=Table;v=v1;g=meta.k8s.io;x", ";;,=,;as=",
))
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
BOGUS_TYPES = ("text/plain", "application/xml", "application/vnd.kubernetes.protobuf",
               "application/apply-patch+yaml", "multipart/form-data; boundary=x", "*/*",
               "application/json-patch+json", "application/merge-patch+json", ";", "a/b/c")
PATCH_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json",
               "application/json-patch+json")

selectors = st.one_of(st.sampled_from((
    "app=web", "app in (web,db)", "!app", "app!=x", "a.b/c=d", "x=", "=x", "app==web",
    "app in (", "app notin ()", "environment,tier notin (frontend)", "a=b,c", "a" * 70 + "=b",
    "ünï=1", "a b", "$x=1", "app=web,,", "app in (a b)", "app>1", "app<a", "!", "",
)), strings)
field_selectors = st.one_of(st.sampled_from((
    "metadata.name=fuzz-target-0", "metadata.namespace!=x", "spec.nodeName=",
    "status.phase=Running", "spec.unknown=1", "metadata.name", "=", "metadata.name==a",
    "metadata.name=a,metadata.name=b", "involvedObject.kind=Pod", "type=Normal",
    "spec.schedulerName=default-scheduler", "metadata.name=\\,x", "metadata.name!=",
    "status.podIP=127.0.0.1", "spec.restartPolicy=Always", "reason=Scheduled", "",
)), strings)


@st.composite
def continue_tokens(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(strings)
    token = {"v": "meta.k8s.io/v1",
             "rv": draw(st.one_of(integers, json_values)),
             "start": draw(st.one_of(st.sampled_from((
                 "/registry/core/pods/fuzz/", "/registry/core/pods/", "/registry/",
                 "/registry/core/pods/fuzz/\x00", "/registry/core/namespaces/")), json_values))}
    if draw(st.booleans()):
        del token[draw(st.sampled_from(sorted(token)))]
    raw = json.dumps(token).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


numbers_as_text = st.one_of(integers.map(str), st.sampled_from(("", "1.5", "1e3", " 1", "abc",
                                                                 "٣", "0x1f", "-0", "+5")))
booleans_as_text = st.sampled_from(("true", "false", "1", "0", "True", "x", ""))
QUERY_VALUES: dict[str, st.SearchStrategy[str]] = {
    "labelSelector": selectors,
    "fieldSelector": field_selectors,
    "limit": numbers_as_text,
    "continue": continue_tokens(),
    "resourceVersion": st.one_of(st.sampled_from(("", "0", "1", "2", "99999999", "-1", "abc",
                                                  "18446744073709551616")), numbers_as_text),
    "resourceVersionMatch": st.sampled_from(("", "Exact", "NotOlderThan", "bogus", "exact")),
    "dryRun": st.sampled_from(("All", "", "bogus", "All,All", "all")),
    "propagationPolicy": st.sampled_from(("Orphan", "Background", "Foreground", "", "bogus")),
    "gracePeriodSeconds": numbers_as_text,
    "orphanDependents": booleans_as_text,
    "allowWatchBookmarks": booleans_as_text,
    "sendInitialEvents": booleans_as_text,
    "fieldManager": st.one_of(st.just("kubectl"), strings),
    "fieldValidation": st.sampled_from(("Strict", "Warn", "Ignore", "bogus")),
    "includeObject": st.sampled_from(("None", "Metadata", "Object", "x")),
    "pretty": booleans_as_text,
    "force": booleans_as_text,
    "container": strings,
    "tailLines": numbers_as_text,
    "bogusParam": strings,
}


def queries(names: tuple[str, ...] = tuple(QUERY_VALUES), max_size: int = 4
            ) -> st.SearchStrategy[list[tuple[str, str]]]:
    pair = st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), QUERY_VALUES[name]))
    return st.lists(pair, max_size=max_size)


@st.composite
def encoded(draw: st.DrawFn, value: Any) -> tuple[str, bytes]:
    """A body as JSON (under a JSON content type) or, one time in five, YAML."""
    if not draw(st.integers(0, 4)):
        return draw(st.sampled_from(YAML_TYPES)), to_yaml(value)
    return draw(st.sampled_from(JSON_TYPES)), to_json(value)


def request(method: str, path: str, query: list[tuple[str, str]] | None = None,
            content_type: str | None = None, body: bytes | None = None,
            accept: str = "application/json") -> FuzzRequest:
    headers = {"Accept": accept}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return FuzzRequest(method, path, query or [], headers, body)


# -- the fuzz tests ------------------------------------------------------------------------------

@budget(600)
@given(rt=types, data=st.data())
def test_create_almost_valid_objects(world: World, rt: ResourceType, data: st.DataObject):
    """POST a kind's sample grown and broken in a few places (apiVersion/kind usually kept,
    so validation, not the type check, sees it)."""
    obj = sample(rt, f"new-{next(_names)}", SCRATCH)
    protect = ("apiVersion", "kind") if data.draw(st.integers(0, 5)) else ()
    obj = data.draw(almost_valid(obj, model_of(rt), protect=protect), label="object")
    if isinstance(obj.get("metadata"), dict) and not data.draw(st.integers(0, 6)):
        obj["metadata"].pop("name", None)
        obj["metadata"]["generateName"] = data.draw(st.one_of(strings, json_values))
    content_type, body = data.draw(encoded(obj))
    world.server.exchange(request("POST", collection_path(rt, SCRATCH),
                                  data.draw(queries(("dryRun", "fieldManager", "pretty",
                                                     "fieldValidation"), 2)),
                                  content_type, body, data.draw(accepts)))


def writable_subresources(rt: ResourceType) -> list[str | None]:
    return [None, *(s.name for s in rt.subresources if "update" in s.verbs)]


def starting_point(rt: ResourceType, name: str, sub: str | None) -> tuple[dict[str, Any], str]:
    """What a replace or patch of ``sub`` is built from, and its client model: the kind's
    sample (or a Scale), not the live object, so that hypothesis sees the same strategies
    however earlier examples changed the object."""
    if sub == "scale":
        return {"apiVersion": "autoscaling/v1", "kind": "Scale",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"replicas": 2}}, "V1Scale"
    return sample(rt, name), model_of(rt)


@budget(500)
@given(rt=types, data=st.data())
def test_replace_with_almost_valid_objects(world: World, rt: ResourceType,
                                           data: st.DataObject):
    """PUT the kind's sample (or a status, finalize or scale body) over the live object,
    grown and broken a little; sometimes with the live resourceVersion."""
    name, live = world.target(rt)
    sub = data.draw(st.sampled_from(writable_subresources(rt)), label="subresource")
    base, model = starting_point(rt, name, sub)
    body = data.draw(almost_valid(base, model, protect=("apiVersion", "kind")), label="body")
    meta = body.get("metadata")
    if isinstance(meta, dict) and "resourceVersion" not in meta and data.draw(st.booleans()):
        meta["resourceVersion"] = live["metadata"]["resourceVersion"]
    content_type, raw = data.draw(encoded(body))
    world.server.exchange(request("PUT", object_path(rt, NAMESPACE, name, sub),
                                  data.draw(queries(("dryRun", "fieldManager"), 1)),
                                  content_type, raw, data.draw(accepts)))


@budget(700)
@given(rt=types, data=st.data())
def test_patch_with_every_patch_type(world: World, rt: ResourceType, data: st.DataObject):
    """PATCH the live object (or a subresource) with merge, strategic merge and JSON patches
    built against the kind's sample, and under content types PATCH does not take."""
    name, _ = world.target(rt)
    subs = [None, *(s.name for s in rt.subresources if "patch" in s.verbs)]
    sub = data.draw(st.sampled_from(subs), label="subresource")
    base, model = starting_point(rt, name, sub)
    flavour = data.draw(st.sampled_from((*PATCH_TYPES, "bogus")), label="flavour")
    if flavour == "application/json-patch+json":
        patch = data.draw(json_patches(base, model), label="patch")
    elif flavour == "application/strategic-merge-patch+json":
        patch = data.draw(strategic_patches(base, model), label="patch")
    else:
        patch = data.draw(merge_patches(base, model), label="patch")
    content_type = flavour if flavour != "bogus" else data.draw(st.sampled_from(BOGUS_TYPES))
    if data.draw(st.integers(0, 5)) == 0:
        content_type += data.draw(st.sampled_from(("; charset=utf-8", ";", "; x=y")))
    world.server.exchange(request("PATCH", object_path(rt, NAMESPACE, name, sub),
                                  data.draw(queries(("dryRun", "fieldManager", "force"), 1)),
                                  content_type, to_json(patch),
                                  data.draw(accepts)))


delete_options = st.fixed_dictionaries({}, optional={
    "apiVersion": st.sampled_from(("v1", "meta.k8s.io/v1", "apps/v1", "")),
    "kind": st.sampled_from(("DeleteOptions", "Pod", "")),
    "propagationPolicy": st.one_of(st.sampled_from(("Orphan", "Background", "Foreground")),
                                   json_values),
    "gracePeriodSeconds": st.one_of(integers, json_values),
    "orphanDependents": st.one_of(st.booleans(), json_values),
    "preconditions": st.one_of(st.fixed_dictionaries({}, optional={
        "uid": st.one_of(strings, json_values),
        "resourceVersion": st.one_of(strings, json_values)}), json_values),
    "dryRun": st.one_of(st.just(["All"]), json_values),
})


PODS = REGISTRY.get("", "pods")
assert PODS is not None
# Deletion is richest for pods (graceful, bound to a node, evictable): half the examples.
delete_types = st.one_of(st.just(PODS), types)


@budget(300)
@given(rt=delete_types, data=st.data())
def test_delete_with_random_options(world: World, rt: ResourceType, data: st.DataObject):
    """DELETE a fresh object (some with finalizers, some pods bound to a node so deletion is
    graceful) with random DeleteOptions in the body and the query, sometimes twice; or evict
    a pod."""
    name = f"victim-{next(_names)}"
    obj = sample(rt, name)
    if data.draw(st.integers(0, 3)) == 0:
        obj["metadata"]["finalizers"] = ["example.com/keep"]
    if rt.kind == "Pod" and data.draw(st.booleans()):
        obj["spec"]["nodeName"] = "node-1"
    created = world.call("POST", collection_path(rt, NAMESPACE), obj)
    assert created.status == 201, created.body
    options = data.draw(st.one_of(delete_options, delete_options.flatmap(broken),
                                  st.none()), label="options")
    body = None if options is None else data.draw(encoded(options))
    evict = rt.kind == "Pod" and data.draw(st.booleans())
    for _ in range(data.draw(st.integers(1, 2))):
        query = data.draw(queries(("dryRun", "propagationPolicy", "gracePeriodSeconds",
                                   "orphanDependents"), 3))
        if evict:
            eviction = {"apiVersion": "policy/v1", "kind": "Eviction",
                        "metadata": {"name": name}, "deleteOptions": options}
            content_type, raw = data.draw(encoded(eviction))
            world.server.exchange(request("POST", object_path(rt, NAMESPACE, name, "eviction"),
                                          query, content_type, raw))
        else:
            content_type, raw = body if body is not None else (None, None)
            world.server.exchange(request("DELETE", object_path(rt, NAMESPACE, name), query,
                                          content_type, raw, data.draw(accepts)))


def fresh_pod(world: World, bound: bool) -> str:
    name = f"pod-{next(_names)}"
    pod = sample(PODS, name)
    if bound:
        pod["spec"]["nodeName"] = "node-1"
    created = world.call("POST", collection_path(PODS, NAMESPACE), pod)
    assert created.status == 201, created.body
    return name


@budget(250)
@given(data=st.data())
def test_bind_and_evict_pods_with_almost_valid_bodies(world: World, data: st.DataObject):
    """POST a Binding or an Eviction, grown and broken a little, to a fresh pod (bound or
    not, so that eviction deletes it at once or gracefully)."""
    name = fresh_pod(world, bound=data.draw(st.booleans()))
    sub = data.draw(st.sampled_from(("binding", "eviction")), label="subresource")
    if sub == "binding":
        body: dict[str, Any] = {"apiVersion": "v1", "kind": "Binding",
                                "metadata": {"name": name},
                                "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}
        model = "V1Binding"
    else:
        body = {"apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "deleteOptions": {"gracePeriodSeconds": 0}}
        model = "V1Eviction"
    body = data.draw(almost_valid(body, model, protect=("apiVersion", "kind")), label="body")
    content_type, raw = data.draw(encoded(body))
    world.server.exchange(request("POST", object_path(PODS, NAMESPACE, name, sub),
                                  data.draw(queries(("dryRun",), 1)), content_type, raw))


LIST_PARAMS = ("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
               "resourceVersionMatch", "includeObject", "pretty", "bogusParam")


@budget(400)
@given(rt=types, data=st.data())
def test_list_and_delete_collection_with_random_queries(world: World, rt: ResourceType,
                                                        data: st.DataObject):
    """GET collections (one namespace, all namespaces, a missing or odd one) and
    DELETE collections in the scratch namespace with random query strings."""
    if data.draw(st.integers(0, 4)):
        namespace = data.draw(st.sampled_from((NAMESPACE, None, "missing", "..", "ünï")))
        world.server.exchange(request("GET", collection_path(rt, namespace),
                                      data.draw(queries(LIST_PARAMS)), accept=data.draw(accepts)))
        return
    query = data.draw(queries((*LIST_PARAMS, "dryRun", "propagationPolicy",
                               "gracePeriodSeconds")))
    if not rt.namespaced:
        query = [(k, v) for k, v in query if k != "labelSelector"]
        query.append(("labelSelector", VICTIM_LABEL))
    options = data.draw(st.one_of(st.none(), delete_options))
    content_type, raw = data.draw(encoded(options)) if options is not None else (None, None)
    world.server.exchange(request("DELETE", collection_path(rt, SCRATCH), query, content_type,
                                  raw))


WATCH_PARAMS = ("labelSelector", "fieldSelector", "resourceVersion", "resourceVersionMatch",
                "allowWatchBookmarks", "sendInitialEvents", "limit", "continue")


@budget(12)
@given(rt=types, data=st.data())
def test_watch_with_random_queries(world: World, rt: ResourceType, data: st.DataObject):
    """Watch a collection or one object for at most a second with random parameters; every
    streamed line must be a proper event."""
    name, _ = world.target(rt)
    path = data.draw(st.sampled_from((collection_path(rt, NAMESPACE),
                                      object_path(rt, NAMESPACE, name))))
    query = data.draw(queries(WATCH_PARAMS))
    query += [("watch", data.draw(st.sampled_from(("true", "1", "True")))),
              ("timeoutSeconds", data.draw(st.sampled_from(("1", "0", "-1", "x"))))]
    world.server.exchange(request("GET", path, query,
                                  accept=data.draw(st.sampled_from(("application/json",
                                                                    TABLE_ACCEPT)))))


PREFIXES = ("/api/v1", "/apis/apps/v1", "/apis/batch/v1", "/apis/bogus/v1", "/api/v2",
            "/apis/apps/v2", "/apis", "/api", "", "/apis/autoscaling/v1", "/openapi/v2",
            "/version", "/metrics", "/healthz")
SEGMENTS = ("namespaces", NAMESPACE, "pods", "deployments", "nodes", "status", "scale",
            "binding", "eviction", "log", "finalize", "fuzz-target-0", "namespaces/")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
           "PROPFIND")
odd_segments = st.one_of(
    st.sampled_from(SEGMENTS),
    st.sampled_from(ODD_STRINGS).map(encode_segment),
    st.sampled_from(("..", ".", "%2e%2e", "%2F", "%00", "a" * 300, "%ZZ", "%", "~", ";x")),
    st.text(min_size=1, max_size=10).map(encode_segment),
)


@budget(400)
@given(data=st.data())
def test_odd_paths_and_methods(world: World, data: st.DataObject):
    """Any method on paths of odd segments: names with odd characters, too long, unicode,
    ``..``, escapes, subresources where none exist."""
    segments = data.draw(st.lists(odd_segments, max_size=6), label="segments")
    path = data.draw(st.sampled_from(PREFIXES)) + "".join("/" + s for s in segments)
    path = path or "/"
    method = data.draw(st.sampled_from(METHODS))
    if method == "DELETE" and (path.rstrip("/") in ("/api/v1/namespaces",
                                                    f"/api/v1/namespaces/{NAMESPACE}")):
        path += "-not-the-fuzz-namespace"  # the fuzzer's own namespace must survive
    body = None
    if method in ("POST", "PUT", "PATCH") and data.draw(st.booleans()):
        body = to_json(data.draw(st.one_of(json_values, st.builds(
            sample, st.sampled_from(TYPES), st.sampled_from(("x", "fuzz-target-0"))))))
    content_type = data.draw(st.sampled_from(JSON_TYPES + PATCH_TYPES)) if body else None
    world.server.exchange(request(method, path, data.draw(queries(max_size=2)), content_type,
                                  body, data.draw(accepts)))


YAML_JUNK = (
    "a: &a [1, 2]\nb: *a\n", "!!binary aGVsbG8=", "!!set {a, b}", "date: 2024-01-01\n",
    "{1: 2, [a]: b}", "? [a, b]\n: c\n", "!!python/object:os.system [ls]", "---\na: 1\n---\nb: 2",
    "a: !!float .inf\n", "metadata: {name: !!int 5}", "a: 0o17\nb: 0x1F\nc: 1_000\n",
    "metadata:\n  name: x\n  labels: {y: !!timestamp 2024-01-01T00:00:00Z}\n",
    "\t- tab", "[" * 2000, "a: " + "[" * 500 + "]" * 500, "~", "null", "- a\n- b\n",
    "a: &x {b: *x}",
)


@st.composite
def garbage(draw: st.DrawFn) -> bytes:
    """Bodies no client should send: random bytes, non-object JSON, deep nesting, YAML with
    tags, anchors and non-string keys, and one over the size limit."""
    choice = draw(st.integers(0, 7))
    if choice == 0:
        return draw(st.binary(max_size=64))
    if choice == 1:
        return to_json(draw(json_values))
    if choice == 2:
        depth = draw(st.sampled_from((500, 990, 1030, 5000)))
        nested = "[" * depth + "1" + "]" * depth
        return (f'{{"metadata": {{"name": "deep"}}, "spec": {nested}, '
                f'"data": {{"a": {nested}}}}}').encode()
    if choice == 3:
        return draw(st.sampled_from(YAML_JUNK)).encode()
    if choice == 4:
        return b'{"metadata": {"name": "big"}, "data": {"x": "' + b"a" * 3_200_000 + b'"}}'
    if choice == 5:
        return draw(st.sampled_from((b"", b" ", b"{", b"\xef\xbb\xbf{}", b"{}\x00", b"{}{}",
                                     b'{"a":1,"a":2}', b'{"a":1e999}', b'{"a":NaN}',
                                     b'{"a":"\\ud800"}', b'{"a":123456789012345678901234}')))
    return to_json(draw(broken({"metadata": {"name": "x"}, "spec": draw(json_values)})))


@budget(400)
@given(rt=types, data=st.data())
def test_garbage_bodies_under_any_content_type(world: World, rt: ResourceType,
                                               data: st.DataObject):
    """POST/PUT/PATCH garbage to a kind's collection, object and subresource paths under
    JSON, YAML, patch and bogus content types."""
    name, _ = world.target(rt)
    subs = [None, *(s.name for s in rt.subresources)]
    sub = data.draw(st.sampled_from(subs))
    method = data.draw(st.sampled_from(("POST", "PUT", "PATCH", "DELETE")))
    path = (collection_path(rt, SCRATCH) if method == "POST" and sub is None
            else object_path(rt, NAMESPACE, name, sub))
    content_type = data.draw(st.sampled_from(JSON_TYPES + YAML_TYPES + PATCH_TYPES
                                             + BOGUS_TYPES))
    if method == "DELETE":
        path = object_path(rt, NAMESPACE, f"missing-{next(_names)}")
    world.server.exchange(request(method, path, [], content_type, data.draw(garbage())))


def test_every_kind_has_a_sample_to_fuzz():
    missing = [type_id(rt) for rt in TYPES if (rt.group, rt.kind) not in SAMPLES]
    assert not missing, f"kinds the fuzzer cannot build objects of: {missing}"


def test_scale_starting_point_is_a_valid_replace(world: World):
    """The Scale body the fuzzer grows and breaks is itself accepted."""
    deployments = REGISTRY.get("apps", "deployments")
    assert deployments is not None
    name, _ = world.target(deployments)
    scale, _ = starting_point(deployments, name, "scale")
    reply = world.call("PUT", object_path(deployments, NAMESPACE, name, "scale"), scale)
    assert reply.status == 200 and json.loads(reply.body)["spec"]["replicas"] == 2
