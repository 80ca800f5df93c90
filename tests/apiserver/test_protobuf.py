"""Protobuf request bodies: kubectl 1.32's imperative writes against a real apiserver, the
transcoder process on its own, and the 400/415 answers a client gets when it cannot work.

Bodies that kubectl does not send are hand-encoded here with the two protobuf wire types a
ConfigMap and an Eviction need.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import uuid

import pytest

from observe.api import errors
from observe.apiserver import protobuf
from observe.testing import ApiServerProcess
from tests.http import call

PROTOBUF = protobuf.MEDIA_TYPE


# -- a minimal protobuf writer -----------------------------------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2): strings, bytes, messages, map entries."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _int_field(number: int, value: int) -> bytes:
    """A varint field (wire type 0), for non-negative integers."""
    return _varint(number << 3) + _varint(value)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    """What client-go sends: the magic, then runtime.Unknown{typeMeta, raw}."""
    type_meta = _field(1, api_version.encode()) + _field(2, kind.encode())
    return b"k8s\x00" + _field(1, type_meta) + _field(2, raw)


def configmap_body(name: str, data: dict[str, str], *, api_version: str = "v1",
                   kind: str = "ConfigMap") -> bytes:
    meta = _field(1, name.encode())  # ObjectMeta.name
    entries = b"".join(_field(2, _field(1, k.encode()) + _field(2, v.encode()))
                       for k, v in data.items())  # ConfigMap.data
    return envelope(api_version, kind, _field(1, meta) + entries)


def eviction_body(name: str, grace_period_seconds: int) -> bytes:
    options = _int_field(1, grace_period_seconds)  # DeleteOptions.gracePeriodSeconds
    raw = _field(1, _field(1, name.encode())) + _field(2, options)
    return envelope("policy/v1", "Eviction", raw)


# -- the transcoder on its own ----------------------------------------------------------------

@pytest.fixture
async def transcoder():
    path = protobuf.default_path()
    assert path is not None, "k8sproto is not built: run .ci/setup"
    transcoder = protobuf.Transcoder(path)
    yield transcoder
    await transcoder.close()


async def test_transcoder_decodes_a_configmap(transcoder) -> None:
    obj = await transcoder.to_json(configmap_body("x", {"a": "b", "long": "v" * 300}))
    assert obj["kind"] == "ConfigMap" and obj["apiVersion"] == "v1"
    assert obj["metadata"]["name"] == "x"
    assert obj["data"] == {"a": "b", "long": "v" * 300}


async def test_transcoder_decodes_an_eviction(transcoder) -> None:
    obj = await transcoder.to_json(eviction_body("p", 0))
    assert (obj["apiVersion"], obj["kind"]) == ("policy/v1", "Eviction")
    assert obj["metadata"]["name"] == "p"
    assert obj["deleteOptions"] == {"gracePeriodSeconds": 0}


async def test_concurrent_bodies_each_get_their_own_object(transcoder) -> None:
    names = [f"cm-{i}" for i in range(64)]
    objects = await asyncio.gather(
        *(transcoder.to_json(configmap_body(n, {"n": n})) for n in names))
    assert [o["metadata"]["name"] for o in objects] == names
    assert [o["data"]["n"] for o in objects] == names


BAD_BODIES = [
    ("no magic", b'{"kind": "ConfigMap"}', "does not appear to be a protobuf message"),
    ("magic only", b"k8s\x00", "empty body"),
    ("truncated envelope", b"k8s\x00\x0a\xff", "unexpected EOF"),
    ("unknown kind", configmap_body("x", {}, kind="Nope"), 'no kind "Nope" is registered'),
    ("unknown version", configmap_body("x", {}, api_version="v9"), "v9"),
]


@pytest.mark.parametrize(("body", "fragment"), [(b, f) for _, b, f in BAD_BODIES],
                         ids=[i for i, _, _ in BAD_BODIES])
async def test_bad_bodies_are_bad_requests_and_the_helper_survives(
        transcoder, body: bytes, fragment: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        await transcoder.to_json(body)
    assert caught.value.code == 400, caught.value.message
    assert fragment in caught.value.message
    obj = await transcoder.to_json(configmap_body("after", {}))
    assert obj["metadata"]["name"] == "after", "the helper must keep serving after a bad body"


async def test_a_helper_that_died_is_started_again(transcoder) -> None:
    await transcoder.start()
    first = transcoder._helper
    first.kill()
    await first.reader  # the reader notices the exit
    obj = await transcoder.to_json(configmap_body("again", {}))
    assert obj["metadata"]["name"] == "again"
    assert transcoder._helper is not first and transcoder._helper.proc.pid != first.proc.pid


BROKEN_HELPERS = [
    ("exits at once", "exit 3", "exited with code 3"),
    ("never answers", "exec sleep 60", "did not answer within 0.5s"),
]


@pytest.mark.parametrize(("script", "fragment"), [(s, f) for _, s, f in BROKEN_HELPERS],
                         ids=[i for i, _, _ in BROKEN_HELPERS])
async def test_a_broken_helper_is_unavailable_not_a_hang(tmp_path, script, fragment) -> None:
    helper = tmp_path / "k8sproto"
    helper.write_text(f"#!/bin/sh\n{script}\n")
    helper.chmod(0o755)
    transcoder = protobuf.Transcoder(helper, answer_timeout=0.5)
    try:
        with pytest.raises(errors.StatusError) as caught:
            await transcoder.to_json(configmap_body("x", {}))
    finally:
        await transcoder.close()
    assert caught.value.code == 503
    assert fragment in caught.value.message


@pytest.mark.parametrize("path", [None, "missing/k8sproto"], ids=["none", "missing file"])
async def test_without_the_helper_protobuf_is_unsupported(tmp_path, path) -> None:
    transcoder = protobuf.Transcoder(None if path is None else tmp_path / path)
    assert not transcoder.available
    with pytest.raises(errors.StatusError) as caught:
        await transcoder.to_json(configmap_body("x", {}))
    assert caught.value.code == 415
    assert "protobuf support is not built" in caught.value.message


# -- kubectl 1.32 against the real apiserver ---------------------------------------------------

def kubectl(apiserver: ApiServerProcess, *args: str) -> subprocess.CompletedProcess:
    """kubectl at -v=8, which logs the Content-Type of every request it sends."""
    binary = shutil.which("kubectl")
    assert binary is not None, "kubectl 1.32 must be on PATH"
    return subprocess.run([binary, "--kubeconfig", str(apiserver.kubeconfig), "-v=8", *args],
                          capture_output=True, text=True, timeout=60)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def check_deployment(obj: dict) -> None:
    assert obj["spec"]["replicas"] == 2
    assert obj["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    template = obj["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "web"}
    assert [(c["name"], c["image"]) for c in template["spec"]["containers"]] == [
        ("python", "python:3.12")]


def check_service(obj: dict) -> None:
    assert obj["spec"]["type"] == "ClusterIP"
    assert obj["spec"]["selector"] == {"app": "svc"}
    assert [(p["port"], p["targetPort"], p["protocol"]) for p in obj["spec"]["ports"]] == [
        (80, 8080, "TCP")]


def check_job(obj: dict) -> None:
    pod_spec = obj["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Never"
    assert [(c["image"], c["command"]) for c in pod_spec["containers"]] == [
        ("busybox", ["echo", "hi"])]


# (id, kubectl arguments, path of the created object under /api or /apis, check)
KUBECTL_CREATES = [
    ("deployment", ["create", "deployment", "web", "--image=python:3.12", "--replicas=2"],
     "apis/apps/v1/namespaces/{ns}/deployments/web", check_deployment),
    ("configmap", ["create", "configmap", "x", "--from-literal=a=b"],
     "api/v1/namespaces/{ns}/configmaps/x",
     lambda obj: obj["data"] == {"a": "b"} or pytest.fail(f"data: {obj.get('data')}")),
    ("service", ["create", "service", "clusterip", "svc", "--tcp=80:8080"],
     "api/v1/namespaces/{ns}/services/svc", check_service),
    ("job", ["create", "job", "j", "--image=busybox", "--", "echo", "hi"],
     "apis/batch/v1/namespaces/{ns}/jobs/j", check_job),
    ("secret", ["create", "secret", "generic", "s", "--from-literal=k=v"],
     "api/v1/namespaces/{ns}/secrets/s",
     lambda obj: (obj["type"], obj["data"]) == ("Opaque", {"k": b64("v")})
     or pytest.fail(f"secret: {obj.get('type')} {obj.get('data')}")),
]


def assert_sent_protobuf(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"kubectl failed:\n{result.stderr[-3000:]}"
    assert f"Content-Type: {PROTOBUF}" in result.stderr, (
        "kubectl did not send a protobuf body, so this test proves nothing")


@pytest.mark.parametrize(("args", "path", "check"),
                         [(a, p, c) for _, a, p, c in KUBECTL_CREATES],
                         ids=[i for i, _, _, _ in KUBECTL_CREATES])
def test_kubectl_creates_with_protobuf_bodies(apiserver, namespace, args, path, check) -> None:
    assert_sent_protobuf(kubectl(apiserver, "-n", namespace, *args))
    reply = call("GET", f"{apiserver.url}/{path.format(ns=namespace)}")
    assert reply.status == 200, reply.body
    obj = reply.json()
    assert obj["metadata"]["namespace"] == namespace
    check(obj)


def test_kubectl_creates_a_namespace_with_a_protobuf_body(apiserver) -> None:
    name = f"pb-{uuid.uuid4().hex[:10]}"
    assert_sent_protobuf(kubectl(apiserver, "create", "namespace", name))
    obj = call("GET", f"{apiserver.url}/api/v1/namespaces/{name}").json()
    assert obj["kind"] == "Namespace" and obj["metadata"]["name"] == name
    assert obj["status"]["phase"] == "Active"


# -- answers to bodies that cannot be used -----------------------------------------------------

def assert_status(reply, code: int, reason: str, fragment: str) -> None:
    status = reply.json()
    assert reply.status == code, status
    assert (status["kind"], status["code"], status["reason"]) == ("Status", code, reason)
    assert fragment in status["message"], status["message"]


def test_handmade_protobuf_bodies_create_and_update(apiserver, namespace) -> None:
    url = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    reply = call("POST", url, configmap_body("handmade", {"k": "v"}), content_type=PROTOBUF)
    assert reply.status == 201, reply.body
    assert call("GET", f"{url}/handmade").json()["data"] == {"k": "v"}
    reply = call("PUT", f"{url}/handmade", configmap_body("handmade", {"k": "w"}),
                 content_type=PROTOBUF)
    assert reply.status == 200, reply.body
    assert call("GET", f"{url}/handmade").json()["data"] == {"k": "w"}


def test_a_protobuf_eviction_deletes_the_pod(apiserver, namespace) -> None:
    # kubectl 1.32's drain posts its Eviction as JSON; other client-go users send protobuf.
    pods = f"{apiserver.url}/api/v1/namespaces/{namespace}/pods"
    assert call("POST", pods, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }).status == 201
    reply = call("POST", f"{pods}/p/eviction", eviction_body("p", 0), content_type=PROTOBUF)
    assert reply.status == 201, reply.body
    assert call("GET", f"{pods}/p").status == 404


@pytest.mark.parametrize(("body", "fragment"), [(b, f) for _, b, f in BAD_BODIES],
                         ids=[i for i, _, _ in BAD_BODIES])
def test_a_garbage_protobuf_body_is_a_bad_request(apiserver, namespace, body, fragment) -> None:
    reply = call("POST", f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps", body,
                 content_type=PROTOBUF)
    assert_status(reply, 400, "BadRequest", fragment)


def test_without_the_transcoder_protobuf_is_unsupported_media(tmp_path) -> None:
    missing = tmp_path / "no-such-k8sproto"
    with ApiServerProcess(tmp_path / "apiserver",
                          extra_args=("--protobuf-transcoder", str(missing))) as server:
        reply = call("POST", f"{server.url}/api/v1/namespaces/default/configmaps",
                     configmap_body("x", {}), content_type=PROTOBUF)
        assert_status(reply, 415, "UnsupportedMediaType", "protobuf support is not built")
        assert str(missing) in reply.json()["message"]
        json_reply = call("POST", f"{server.url}/api/v1/namespaces/default/configmaps",
                          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
        assert json_reply.status == 201, "JSON bodies must still work without the transcoder"
