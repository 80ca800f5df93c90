"""Fuzzing protobuf request bodies (kubectl 1.32's encoding) against a real apiserver with
its ``k8sproto`` transcoder: almost valid envelopes and objects, built with a tiny protobuf
encoder from the field numbers of k8s.io/api's ``generated.proto``, then broken.

The same invariants as every other fuzz test hold (:mod:`.test_fuzz_invariants`); a body the
transcoder cannot read is a 400, never a 5xx. Skipped where the helper is not built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observe.apiserver import protobuf
from observe.testing import ApiServerProcess
from tests.apiserver.test_fuzz_api import (
    NAMESPACE,
    PODS,
    SCRATCH,
    STRICT,
    TYPES,
    World,
    budget,
    collection_path,
    object_path,
    request,
)
from tests.apiserver.test_fuzz_invariants import FuzzServer
from tests.apiserver.test_fuzz_objects import ODD_STRINGS, strings

pytestmark = pytest.mark.skipif(protobuf.default_path() is None,
                                reason="the k8sproto transcoder is not built (.ci/setup)")

MAGIC = b"k8s\x00"
VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5


def varint(number: int) -> bytes:
    number &= (1 << 64) - 1  # negative numbers travel as their two's complement
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def field(number: int, payload: bytes | int, wire: int | None = None) -> bytes:
    """One protobuf field: an int as a varint, bytes length-delimited."""
    if isinstance(payload, int):
        return varint(number << 3 | VARINT) + varint(payload)
    return varint(number << 3 | (BYTES if wire is None else wire)) + varint(len(payload)) \
        + payload


def text(number: int, value: str) -> bytes:
    return field(number, value.encode("utf-8", "surrogatepass"))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    """``k8s\\x00`` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}."""
    type_meta = text(1, api_version) + text(2, kind)
    return MAGIC + field(1, type_meta) + field(2, raw)


def object_meta(name: str, labels: dict[str, str] | None = None) -> bytes:
    entries = b"".join(field(11, text(1, k) + text(2, v)) for k, v in (labels or {}).items())
    return text(1, name) + entries


def pod(name: str, image: str = "busybox") -> bytes:
    """A minimal Pod: metadata (1) and spec (2) with one container (2) of name and image."""
    container = text(1, "app") + text(2, image)
    return field(1, object_meta(name)) + field(2, field(2, container))


def config_map(name: str, data: dict[str, str]) -> bytes:
    entries = b"".join(field(2, text(1, k) + text(2, v)) for k, v in data.items())
    return field(1, object_meta(name)) + entries


@st.composite
def random_fields(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A run of fields of random numbers and wire types, nested a little."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        number = draw(st.sampled_from((1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16, 17, 99, 2**29 - 1)))
        wire = draw(st.sampled_from((VARINT, FIXED64, BYTES, FIXED32, 3, 4, 6, 7)))
        if wire == VARINT:
            out += varint(number << 3) + varint(draw(st.integers(-(2**63), 2**64 - 1)))
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            out += varint(number << 3 | wire) + draw(st.binary(min_size=size, max_size=size))
        elif wire == BYTES:
            inner = draw(random_fields(depth + 1)) if depth < 3 and draw(st.booleans()) \
                else draw(st.one_of(st.binary(max_size=8),
                                    st.sampled_from(ODD_STRINGS).map(str.encode)))
            out += field(number, inner)
        else:  # groups and reserved wire types: never valid in proto3
            out += varint(number << 3 | wire)
    return out


@st.composite
def broken_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` cut short, with bytes flipped, or with a length prefix that lies."""
    how = draw(st.sampled_from(("cut", "flip", "lie", "append")))
    if how == "cut" and data:
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if how == "lie":
        return data + field(2, b"", BYTES)[:-1] + varint(2**62)
    return data + draw(random_fields())


@st.composite
def protobuf_bodies(draw: st.DrawFn, name: str) -> bytes:
    """An envelope around an almost valid Pod or ConfigMap, or around random fields, with
    a type meta that may not match the URL; sometimes broken after encoding."""
    kind = draw(st.sampled_from(("Pod", "ConfigMap", "Secret", "Status", "Bogus", "")))
    api_version = draw(st.sampled_from(("v1", "apps/v1", "v2", "")))
    if kind == "Pod":
        raw = pod(draw(st.one_of(st.just(name), strings)), draw(strings))
    elif kind == "ConfigMap":
        raw = config_map(name, draw(st.dictionaries(strings, strings, max_size=2)))
    else:
        raw = b""
    raw += draw(random_fields())
    body = envelope(api_version, kind, raw)
    if draw(st.integers(0, 2)) == 0:
        body = draw(broken_bytes(body))
    return body


@pytest.fixture(scope="module")
def proto_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    process = ApiServerProcess(tmp_path_factory.mktemp("fuzz-protobuf"))
    process.start()
    try:
        world = World(FuzzServer(process, strict=STRICT))
        world.setup()
        yield world
    finally:
        process.stop()


def test_encoder_writes_what_the_transcoder_reads(proto_world: World):
    """The hand-rolled encoder is right: a Pod and a ConfigMap sent as protobuf are
    created as sent."""
    configmaps = next(rt for rt in TYPES if rt.kind == "ConfigMap")
    cases = [(PODS, envelope("v1", "Pod", pod("proto-pod", "python:3.11"))),
             (configmaps, envelope("v1", "ConfigMap", config_map("proto-cm", {"a": "b"})))]
    for rt, body in cases:
        reply = proto_world.server.exchange(request(
            "POST", collection_path(rt, NAMESPACE), content_type=protobuf.MEDIA_TYPE,
            body=body))
        assert reply.status == 201, reply.body
    stored = json.loads(proto_world.call("GET", object_path(PODS, NAMESPACE, "proto-pod")).body)
    assert stored["spec"]["containers"][0]["image"] == "python:3.11"
    stored = json.loads(proto_world.call("GET", object_path(configmaps, NAMESPACE,
                                                            "proto-cm")).body)
    assert stored["data"] == {"a": "b"}


@budget(400)
@given(rt=st.sampled_from(TYPES), data=st.data())
def test_protobuf_bodies_on_every_write(proto_world: World, rt, data: st.DataObject):
    """POST (create), PUT (replace) and the pod subresources with almost valid protobuf."""
    name, _ = proto_world.target(rt)
    method = data.draw(st.sampled_from(("POST", "PUT")))
    path = collection_path(rt, SCRATCH) if method == "POST" else object_path(rt, NAMESPACE,
                                                                                name)
    if rt is PODS and data.draw(st.booleans()):
        method, path = "POST", object_path(rt, NAMESPACE, name,
                                           data.draw(st.sampled_from(("binding", "eviction"))))
    body = data.draw(protobuf_bodies(name), label="body")
    content_type = protobuf.MEDIA_TYPE + data.draw(st.sampled_from(("", "; charset=x")))
    proto_world.server.exchange(request(method, path, content_type=content_type, body=body))


def test_varint_matches_the_protobuf_encoding():
    assert varint(1) == b"\x01" and varint(300) == b"\xac\x02"
    assert varint(-1) == b"\xff" * 9 + b"\x01"
