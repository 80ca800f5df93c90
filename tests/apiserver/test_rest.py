"""The REST surface of a real apiserver process: CRUD, metadata rules, errors, subresources."""

from __future__ import annotations

import copy

import pytest

from tests.http import TABLE_ACCEPT, call


def pod(name: str, labels: dict | None = None, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "app", "image": "busybox"}], **spec}}


def deployment(name: str, replicas: int = 1, image: str = "python:3.12") -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


@pytest.fixture
def api(apiserver, namespace):
    base = apiserver.url

    class Api:
        ns = namespace
        url = base
        pods = f"{base}/api/v1/namespaces/{namespace}/pods"
        deployments = f"{base}/apis/apps/v1/namespaces/{namespace}/deployments"
        configmaps = f"{base}/api/v1/namespaces/{namespace}/configmaps"

    return Api


def test_discovery_documents(apiserver):
    version = call("GET", f"{apiserver.url}/version/").json()  # Python client's trailing slash
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    assert call("GET", f"{apiserver.url}/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in call("GET", f"{apiserver.url}/apis").json()["groups"]}
    assert {"apps", "batch", "coordination.k8s.io", "discovery.k8s.io", "autoscaling",
            "policy"} <= groups
    core = {r["name"]: r for r in call("GET", f"{apiserver.url}/api/v1").json()["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["categories"] == ["all"]
    assert "watch" in core["pods"]["verbs"] and core["pods"]["namespaced"]
    assert {"pods/status", "pods/log", "pods/binding"} <= set(core)
    assert not core["nodes"]["namespaced"]
    apps = {r["name"]: r for r in
            call("GET", f"{apiserver.url}/apis/apps/v1").json()["resources"]}
    assert apps["deployments/scale"]["group"] == "autoscaling"
    assert apps["deployments/scale"]["kind"] == "Scale"


def test_openapi_v2_answers_protobuf_with_an_empty_document(apiserver):
    reply = call("GET", f"{apiserver.url}/openapi/v2",
                 accept="application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
    assert reply.status == 200 and reply.body == b""
    assert reply.headers["Content-Type"] == "application/octet-stream"
    doc = call("GET", f"{apiserver.url}/openapi/v2").json()
    assert "/api/v1/namespaces/{namespace}/pods" in doc["paths"]


def test_create_fills_metadata_and_defaults(api):
    reply = call("POST", api.pods, pod("p1"))
    assert reply.status == 201, reply.body
    obj = reply.json()
    meta = obj["metadata"]
    assert meta["namespace"] == api.ns and meta["uid"] and meta["creationTimestamp"]
    assert int(meta["resourceVersion"]) > 0
    assert obj["spec"]["restartPolicy"] == "Always"
    assert obj["spec"]["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    assert obj["status"]["phase"] == "Pending"
    got = call("GET", f"{api.pods}/p1").json()
    assert got["metadata"]["resourceVersion"] == meta["resourceVersion"]


def test_generate_name(api):
    body = pod("")
    body["metadata"] = {"generateName": "web-"}
    obj = call("POST", api.pods, body).json()
    assert obj["metadata"]["name"].startswith("web-") and len(obj["metadata"]["name"]) == 9


def test_create_existing_name_is_already_exists(api):
    call("POST", api.configmaps, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    reply = call("POST", api.configmaps, {"metadata": {"name": "c"}})
    assert reply.status == 409
    status = reply.json()
    assert status["reason"] == "AlreadyExists" and status["kind"] == "Status"
    assert status["message"] == 'configmaps "c" already exists'


def test_generation_moves_with_spec_only(api):
    obj = call("POST", api.deployments, deployment("gen")).json()
    assert obj["metadata"]["generation"] == 1
    obj["metadata"]["labels"] = {"x": "y"}
    obj = call("PUT", f"{api.deployments}/gen", obj).json()
    assert obj["metadata"]["generation"] == 1
    obj["spec"]["replicas"] = 4
    obj = call("PUT", f"{api.deployments}/gen", obj).json()
    assert obj["metadata"]["generation"] == 2


def test_stale_resource_version_is_a_conflict(api):
    obj = call("POST", api.configmaps, {"metadata": {"name": "cas"}, "data": {}}).json()
    first = copy.deepcopy(obj)
    obj["data"] = {"k": "v"}
    assert call("PUT", f"{api.configmaps}/cas", obj).status == 200
    first["data"] = {"k": "other"}
    reply = call("PUT", f"{api.configmaps}/cas", first)
    assert reply.status == 409 and reply.json()["reason"] == "Conflict"
    assert "the object has been modified" in reply.json()["message"]


def test_noop_update_keeps_resource_version(api):
    obj = call("POST", api.configmaps, {"metadata": {"name": "same"}, "data": {"a": "1"}}).json()
    again = call("PUT", f"{api.configmaps}/same", obj).json()
    assert again["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


def test_status_is_split_from_spec(api):
    obj = call("POST", api.deployments, deployment("split")).json()
    obj["status"] = {"replicas": 7}
    obj = call("PUT", f"{api.deployments}/split", obj).json()
    assert obj["status"].get("replicas", 0) == 0  # the main resource cannot write status
    obj["status"] = {"replicas": 2, "observedGeneration": 1}
    obj["spec"]["replicas"] = 9
    obj = call("PUT", f"{api.deployments}/split/status", obj).json()
    assert obj["status"]["replicas"] == 2 and obj["spec"]["replicas"] == 1


@pytest.mark.parametrize("content_type,patch,check", [
    ("application/merge-patch+json", {"metadata": {"labels": {"a": "b"}}},
     lambda o: o["metadata"]["labels"] == {"a": "b"}),
    ("application/strategic-merge-patch+json",
     {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}},
     lambda o: [c["name"] for c in o["spec"]["template"]["spec"]["containers"]]
     == ["side", "app"] or [c["name"] for c in o["spec"]["template"]["spec"]["containers"]]
     == ["app", "side"]),
    ("application/json-patch+json",
     [{"op": "replace", "path": "/spec/replicas", "value": 3}],
     lambda o: o["spec"]["replicas"] == 3),
])
def test_patch_types(api, content_type, patch, check):
    name = f"patch-{content_type.split('/')[1].split('-')[0]}"
    call("POST", api.deployments, deployment(name))
    reply = call("PATCH", f"{api.deployments}/{name}", patch, content_type=content_type)
    assert reply.status == 200, reply.body
    assert check(reply.json())


def test_bad_input_gets_status_errors(api):
    bad_json = call("POST", api.pods, b"{not json")
    assert bad_json.status == 400 and bad_json.json()["reason"] == "BadRequest"
    bad_yaml = call("POST", api.pods, b"a: [1,", content_type="application/yaml")
    assert bad_yaml.status == 400
    invalid = call("POST", api.pods, {"metadata": {"name": "Bad_Name"},
                                      "spec": {"containers": [{"name": "app"}]}})
    assert invalid.status == 422
    status = invalid.json()
    assert status["reason"] == "Invalid"
    fields = {c["field"] for c in status["details"]["causes"]}
    assert "metadata.name" in fields
    assert "spec.containers[0].image" in fields
    missing = call("GET", f"{api.pods}/nope")
    assert missing.status == 404 and missing.json()["message"] == 'pods "nope" not found'
    unknown = call("GET", f"{api.url}/api/v1/namespaces/{api.ns}/widgets")
    assert unknown.status == 404 and unknown.json()["kind"] == "Status"
    wrong_media = call("PATCH", f"{api.pods}/x", {}, content_type="text/plain")
    assert wrong_media.status == 415
    huge_cm = {"metadata": {"name": "huge"}, "data": {"blob": "x" * 1_600_000}}
    assert call("POST", api.configmaps, huge_cm).status == 422  # ConfigMap's own 1 MiB rule
    huge_pod = pod("huge")
    huge_pod["spec"]["containers"][0]["env"] = [{"name": "BLOB", "value": "x" * 1_600_000}]
    assert call("POST", api.pods, huge_pod).status == 413  # over the 1.5 MiB object limit
    huge_body = {"metadata": {"name": "huger"}, "data": {"blob": "x" * 3_200_000}}
    assert call("POST", api.configmaps, huge_body).status == 413  # over the 3 MiB body limit
    no_ns = call("POST", f"{api.url}/api/v1/namespaces/absent-ns/configmaps",
                 {"metadata": {"name": "c"}})
    assert no_ns.status == 404 and 'namespaces "absent-ns" not found' in no_ns.json()["message"]


def test_list_with_selectors_and_paging(api):
    for i in range(7):
        call("POST", api.pods, pod(f"sel-{i}", {"app": "web" if i % 2 else "db",
                                                 "idx": str(i)}))
    web = call("GET", f"{api.pods}?labelSelector=app%3Dweb").json()
    assert [p["metadata"]["name"] for p in web["items"]] == ["sel-1", "sel-3", "sel-5"]
    assert web["kind"] == "PodList" and web["items"][0]["kind"] == "Pod"
    named = call("GET", f"{api.pods}?fieldSelector=metadata.name%3Dsel-2").json()
    assert [p["metadata"]["name"] for p in named["items"]] == ["sel-2"]
    notin = call("GET", f"{api.pods}?labelSelector=idx%20notin%20(0,1,2,3)").json()
    assert len(notin["items"]) == 3
    first = call("GET", f"{api.pods}?limit=3").json()
    assert len(first["items"]) == 3 and first["metadata"]["continue"]
    call("POST", api.pods, pod("sel-00"))  # written after the snapshot: not in later pages
    names = [p["metadata"]["name"] for p in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = call("GET", f"{api.pods}?limit=3&continue={token}").json()
        names += [p["metadata"]["name"] for p in page["items"]]
        token = page["metadata"].get("continue")
    assert names == [f"sel-{i}" for i in range(7)]
    bad = call("GET", f"{api.pods}?labelSelector=a%20in%20(")
    assert bad.status == 400
    unsupported = call("GET", f"{api.pods}?fieldSelector=spec.bogus%3D1")
    assert unsupported.status == 400


def test_table_output(api):
    call("POST", api.pods, pod("tab"))
    table = call("GET", api.pods, accept=TABLE_ACCEPT).json()
    assert table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    row = table["rows"][0]
    assert row["cells"][0] == "tab" and row["cells"][2] == "Pending"
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert table["metadata"]["resourceVersion"]


def test_dry_run_stores_nothing(api):
    reply = call("POST", f"{api.configmaps}?dryRun=All", {"metadata": {"name": "dry"}})
    assert reply.status == 201 and reply.json()["metadata"]["uid"]
    assert call("GET", f"{api.configmaps}/dry").status == 404


def test_finalizers_hold_deletion_until_removed(api):
    obj = call("POST", api.configmaps, {"metadata": {"name": "fin",
                                                     "finalizers": ["example.com/hold"]}}).json()
    marked = call("DELETE", f"{api.configmaps}/fin")
    assert marked.status == 200
    still = call("GET", f"{api.configmaps}/fin").json()
    assert still["metadata"]["deletionTimestamp"]
    assert still["metadata"]["uid"] == obj["metadata"]["uid"]
    still["metadata"]["finalizers"] = []
    assert call("PUT", f"{api.configmaps}/fin", still).status == 200
    assert call("GET", f"{api.configmaps}/fin").status == 404


@pytest.mark.parametrize("policy,finalizer", [("Orphan", "orphan"),
                                              ("Foreground", "foregroundDeletion")])
def test_propagation_policies_add_the_gc_finalizer(api, policy, finalizer):
    name = f"prop-{policy.lower()}"
    call("POST", api.deployments, deployment(name))
    reply = call("DELETE", f"{api.deployments}/{name}", {"propagationPolicy": policy})
    assert reply.status == 200
    obj = call("GET", f"{api.deployments}/{name}").json()
    assert finalizer in obj["metadata"]["finalizers"]
    assert obj["metadata"]["deletionTimestamp"]


def test_background_delete_is_immediate(api):
    call("POST", api.deployments, deployment("bg"))
    reply = call("DELETE", f"{api.deployments}/bg", {"propagationPolicy": "Background"})
    assert reply.status == 200 and reply.json()["status"] == "Success"
    assert call("GET", f"{api.deployments}/bg").status == 404


def test_delete_preconditions(api):
    call("POST", api.configmaps, {"metadata": {"name": "pre"}})
    reply = call("DELETE", f"{api.configmaps}/pre", {"preconditions": {"uid": "wrong"}})
    assert reply.status == 409 and "Precondition failed" in reply.json()["message"]


def test_delete_collection_by_label(api):
    for i in range(3):
        call("POST", api.configmaps, {"metadata": {"name": f"dc-{i}",
                                                   "labels": {"batch": str(i % 2)}}})
    reply = call("DELETE", f"{api.configmaps}?labelSelector=batch%3D0")
    assert reply.status == 200
    left = call("GET", f"{api.configmaps}?labelSelector=batch").json()["items"]
    assert [c["metadata"]["name"] for c in left] == ["dc-1"]


def test_scale_subresource(api):
    call("POST", api.deployments, deployment("sc", replicas=2))
    scale = call("GET", f"{api.deployments}/sc/scale").json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2 and scale["status"]["selector"] == "app=sc"
    reply = call("PATCH", f"{api.deployments}/sc/scale", {"spec": {"replicas": 5}},
                 content_type="application/merge-patch+json")
    assert reply.status == 200 and reply.json()["spec"]["replicas"] == 5
    dep = call("GET", f"{api.deployments}/sc").json()
    assert dep["spec"]["replicas"] == 5 and dep["metadata"]["generation"] == 2


def test_binding_assigns_a_node_once(api):
    call("POST", api.pods, pod("bind"))
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bind"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}
    assert call("POST", f"{api.pods}/bind/binding", binding).status == 201
    obj = call("GET", f"{api.pods}/bind").json()
    assert obj["spec"]["nodeName"] == "node-1"
    assert any(c["type"] == "PodScheduled" and c["status"] == "True"
               for c in obj["status"]["conditions"])
    again = call("POST", f"{api.pods}/bind/binding", binding)
    assert again.status == 409


def test_pod_on_a_node_terminates_gracefully(api):
    call("POST", api.pods, pod("grace", nodeName="node-1"))
    reply = call("DELETE", f"{api.pods}/grace")
    assert reply.status == 200
    obj = call("GET", f"{api.pods}/grace").json()
    assert obj["metadata"]["deletionGracePeriodSeconds"] == 30
    assert call("DELETE", f"{api.pods}/grace", {"gracePeriodSeconds": 0}).status == 200
    assert call("GET", f"{api.pods}/grace").status == 404


def test_metrics_count_requests(apiserver, api):
    call("GET", f"{api.pods}/absent")
    text = call("GET", f"{apiserver.url}/metrics").body.decode()
    assert 'apiserver_request_total{code="404"' in text
    assert 'resource="pods"' in text and 'verb="GET"' in text
    assert "apiserver_request_duration_seconds_bucket" in text
    assert 'apiserver_storage_objects{resource="namespaces"}' in text
