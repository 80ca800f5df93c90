"""Hypothesis strategies for *almost valid* Kubernetes objects and patches, which the REST
fuzz tests (``test_fuzz_api.py``) send to a real apiserver; and tests that the strategies
produce what they promise.

Pure garbage is refused by the first type check; bugs hide behind it. So objects start from
a valid sample of the kind (``tests/api/kind_samples.py``), are *grown* with fields shaped like
the official client's models (its ``openapi_types``: the facts of the API's schema, with
plausible values such as ``TCP``, ``100m`` or ``Always``), then *broken* in a few places: a
field dropped, nulled, retyped or set to an odd value. Patches are built the same way against
the object they patch.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import re
from typing import Any

import jsonpatch
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from kubernetes.client import models

from tests.api.kind_samples import SAMPLES, deserialize

Path = tuple[str | int, ...]

# Values a field may plausibly hold: enum words of the API, names, quantities, times, IPs.
PLAUSIBLE_STRINGS = (
    "web", "app", "default", "kube-system", "node-1", "fuzz", "a.b-c", "x" * 63,
    "TCP", "UDP", "SCTP", "Always", "Never", "IfNotPresent", "OnFailure", "ClusterIP",
    "NodePort", "LoadBalancer", "ExternalName", "None", "Cluster", "Local", "RollingUpdate",
    "Recreate", "OnDelete", "Parallel", "OrderedReady", "Allow", "Forbid", "Replace",
    "NonIndexed", "Indexed", "Retain", "Delete", "Recycle", "ReadWriteOnce", "ReadOnlyMany",
    "Filesystem", "Block", "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Equal",
    "NoSchedule", "NoExecute", "PreferNoSchedule", "Ready", "True", "False", "Unknown",
    "Running", "Pending", "Succeeded", "Failed", "Normal", "Warning", "IPv4", "IPv6", "FQDN",
    "Resource", "Pods", "Object", "External", "ContainerResource", "Utilization",
    "AverageValue", "Value", "Percent", "Max", "Min", "Disabled", "InternalIP", "Hostname",
    "100m", "0.5", "1", "2", "1Gi", "128Mi", "500M", "1e3", "50%", "-1", "0", "1.5Gi",
    "127.0.0.1", "127.0.0.5", "10.0.0.1", "::1", "0.0.0.0/0", "/tmp", "/data", "/healthz",
    "http", "HTTP", "HTTPS", "python:3.11", "busybox", "app=web", "apps/v1", "v1",
    "Deployment", "ReplicaSet", "Pod", "0 3 * * *", "*/5 * * * *", "@hourly", "UTC",
    "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000000Z", "kubernetes.io/hostname",
    "example.com/key", "RuntimeDefault", "Localhost", "Unconfined", "ClusterFirst",
    "Default", "Prefer", "Require", "IfHealthyBudget", "AlwaysAllow",
)
# Values that are wrong in interesting ways: empty, too long, odd characters, near-numbers.
ODD_STRINGS = (
    "", " ", "-", "-x-", "A_b", "a" * 64, "a" * 254, "b" * 1000, "ünïcødé", "名前", "..", ".",
    "a/b", "%2F", "\x00", "\n", "\t", "'", '"', "\\", "${X}", "$(X)", "*", "=", "!", ",",
    "a,b", "a=b,c", "in (x)", "1.5", "1e1000", "-1e-1000", "0x10", "NaN", "Infinity",
    "9" * 40, "1Ei", "999999999999999Ei", "1.2.3.4.5", "300.1.1.1", "not-a-date",
    "2024-13-45T99:99:99Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "true", "null",
    "$patch", "$retainKeys", "~1", "~0", "/", "-0", "+1", "0.000000001m", "1m1",
)
TYPE_WORDS = ("object", "array", "string", "number", "boolean", "null")

strings = st.one_of(st.sampled_from(PLAUSIBLE_STRINGS), st.sampled_from(ODD_STRINGS),
                    st.text(max_size=12))
keys = st.one_of(st.sampled_from(("app", "name", "key", "a.b/c", "spec", "metadata",
                                  "x" * 70, "", "$patch")), st.text(max_size=8),
                 st.integers(0, 2))  # YAML keeps non-string keys; JSON turns them into text
integers = st.one_of(st.integers(-3, 130), st.sampled_from((
    65535, 65536, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1,
    10**30)))
# Infinity and NaN are not JSON: json.dumps writes them as bare words the server must refuse;
# YAML carries them (.inf, .nan) into the decoded object.
numbers = st.one_of(integers, st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from((0.5, -0.0, 1e308, 5e-324, 1.0, math.inf, -math.inf,
                                     math.nan)))
# Values only YAML can carry (a timestamp, !!binary, !!set); JSON bodies get their str().
YAML_ONLY = (datetime.date(2024, 5, 1), datetime.datetime(2024, 5, 1, 10, 0),
             b"\x00\xff", {"a", "b"})
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                     st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8)


BY_JSON_KIND: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(), "boolean": st.booleans(), "number": numbers, "string": strings,
    "array": st.lists(json_values, max_size=3),
    "object": st.dictionaries(keys, json_values, max_size=3),
}


def json_kind(value: Any) -> str:
    """The JSON type of a value: what ``retype`` must change."""
    for kind, types in (("null", type(None)), ("boolean", bool), ("number", int | float),
                        ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, types):
            return kind
    return "string"  # YAML_ONLY values stand for text


def to_json(value: Any) -> bytes:
    """A body as JSON; what JSON cannot hold (YAML_ONLY values) as text."""
    return json.dumps(value, default=str).encode()


def to_yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, sort_keys=False).encode()


def deep(depth: int, leaf: Any = 1) -> Any:
    """A value nested ``depth`` levels, alternating objects and arrays."""
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


# -- model-shaped values ---------------------------------------------------------------------

_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")


def model_class(name: str) -> type | None:
    return getattr(models, name, None)


def model_fields(name: str) -> dict[str, str]:
    """JSON field name -> type name of one client model (empty for non-models). The client
    calls both IntOrString and free-form maps ``object``; its pydantic annotation tells
    them apart."""
    cls = model_class(name)
    if cls is None or not hasattr(cls, "openapi_types"):
        return {}

    def refined(attr: str, kind: str) -> str:
        if kind != "object":
            return kind
        free_form = "Dict" in str(cls.model_fields[attr].annotation)
        return "FreeForm" if free_form else "IntOrString"

    return {cls.attribute_map[attr]: refined(attr, kind)
            for attr, kind in cls.openapi_types.items()}


def required_fields(name: str) -> set[str]:
    """The JSON names of the fields a client model cannot do without."""
    cls = model_class(name)
    if cls is None or not hasattr(cls, "model_fields"):
        return set()
    return {cls.attribute_map[attr] for attr, info in cls.model_fields.items()
            if info.is_required() and attr in cls.attribute_map}


def type_at(root: str, path: Path) -> str | None:
    """The client type name of the value at ``path`` in an object of model ``root``."""
    kind: str | None = root
    for step in path:
        if kind is None:
            return None
        if isinstance(step, int):
            match = _LIST.match(kind)
            kind = match.group(1) if match else None
        elif match := _DICT.match(kind):
            kind = match.group(1)
        else:
            kind = model_fields(kind).get(step)
    return kind


def model_value(kind: str, depth: int = 0, *, odd: bool = True) -> st.SearchStrategy[Any]:
    """A value of client type ``kind``: plausible, and with ``odd`` now and then odd."""
    if match := _LIST.match(kind):
        return st.lists(model_value(match.group(1), depth + 1, odd=odd), max_size=2)
    if match := _DICT.match(kind):
        return st.dictionaries(keys if odd else st.sampled_from(("app", "tier")),
                               model_value(match.group(1), depth + 1, odd=odd), max_size=2)
    text = strings if odd else st.sampled_from(PLAUSIBLE_STRINGS)
    number = integers if odd else st.integers(0, 100)
    primitive = {
        "str": text,
        "int": number,
        "float": numbers if odd else st.floats(0, 100),
        "bool": st.booleans(),
        "datetime": st.sampled_from(("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.5Z")
                                    + (("yesterday", "") if odd else ())),
        "date": st.sampled_from(("2024-05-01",) + (("May 1",) if odd else ())),
        "bytes": st.sampled_from(("aGVsbG8=",) + (("not base64!", "") if odd else ())),
        "IntOrString": st.one_of(number, text),
        "FreeForm": st.dictionaries(keys, scalars, max_size=2) if odd else st.just({}),
        "object": st.one_of(number, text, st.dictionaries(keys, scalars, max_size=2)),
    }.get(kind)
    if primitive is not None:
        return primitive
    fields = model_fields(kind)
    if not fields or depth > 5:
        return st.fixed_dictionaries({})
    needed = required_fields(kind)
    values = {name: st.deferred(lambda k=sub: model_value(k, depth + 1, odd=odd))
              for name, sub in fields.items()}
    return st.fixed_dictionaries({k: v for k, v in values.items() if k in needed},
                                 optional={k: v for k, v in values.items() if k not in needed})


# -- walking and editing objects -------------------------------------------------------------

def paths_in(value: Any, prefix: Path = ()) -> list[Path]:
    """Every path to a value inside ``value`` (the root excluded), parents first."""
    found: list[Path] = []
    items = (value.items() if isinstance(value, dict) else
             enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(paths_in(item, path))
    return found


def containers_in(value: Any, prefix: Path = ()) -> list[Path]:
    """Paths of the objects inside ``value``, the root included."""
    return [p for p in [prefix, *paths_in(value, prefix)] if isinstance(get(value, p), dict)]


def get(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def put(value: Any, path: Path, new: Any) -> None:
    get(value, path[:-1])[path[-1]] = new


def drop(value: Any, path: Path) -> None:
    del get(value, path[:-1])[path[-1]]


@st.composite
def grown(draw: st.DrawFn, obj: dict[str, Any], model: str, max_fields: int = 3, *,
          odd: bool = True) -> dict[str, Any]:
    """``obj`` with up to ``max_fields`` fields added where the model knows one."""
    obj = copy.deepcopy(obj)
    for _ in range(draw(st.integers(0, max_fields))):
        spots = []
        for path in containers_in(obj):
            kind = type_at(model, path)
            absent = [k for k in model_fields(kind or "") if k not in get(obj, path)]
            spots += [(path, name, model_fields(kind or "")[name]) for name in absent]
        if not spots:
            break
        path, name, kind = draw(st.sampled_from(spots))
        get(obj, path)[name] = draw(model_value(kind, odd=odd))
    return obj


BREAKS = ("drop", "null", "retype", "odd", "duplicate", "unknown", "deep")


@st.composite
def broken(draw: st.DrawFn, obj: dict[str, Any], max_breaks: int = 3,
           protect: tuple[str, ...] = ()) -> dict[str, Any]:
    """``obj`` broken in 1..``max_breaks`` places; top-level keys in ``protect`` stay."""
    obj = copy.deepcopy(obj)
    for _ in range(draw(st.integers(1, max_breaks))):
        candidates = [p for p in paths_in(obj) if p[0] not in protect]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        how = draw(st.sampled_from(BREAKS))
        current = get(obj, path)
        if (how == "duplicate" and not (isinstance(current, list) and current)) or (
                how == "unknown" and not isinstance(current, dict)):
            how = "drop"
        if how == "drop":
            drop(obj, path)
        elif how == "null":
            put(obj, path, None)
        elif how == "retype":
            kind = draw(st.sampled_from([k for k in BY_JSON_KIND if k != json_kind(current)]))
            put(obj, path, draw(BY_JSON_KIND[kind]))
        elif how == "odd":
            put(obj, path, draw(st.one_of(st.sampled_from(ODD_STRINGS), integers,
                                          st.sampled_from(YAML_ONLY)).filter(
                lambda v, c=current: v != c)))
        elif how == "duplicate":
            current.append(copy.deepcopy(draw(st.sampled_from(current))))
        elif how == "unknown":
            current[draw(keys)] = draw(json_values)
        elif how == "deep":
            # Deeper nesting goes in as bytes (test_fuzz_api.garbage): hypothesis prints
            # drawn values recursively.
            put(obj, path, deep(draw(st.sampled_from((40, 150)))))
    return obj


@st.composite
def almost_valid(draw: st.DrawFn, obj: dict[str, Any], model: str,
                 protect: tuple[str, ...] = ()) -> dict[str, Any]:
    """A valid object grown with model-shaped fields, then (usually) broken a little."""
    obj = draw(grown(obj, model))
    if draw(st.integers(0, 4)):
        obj = draw(broken(obj, protect=protect))
    return obj


# -- patches ---------------------------------------------------------------------------------

def nest(path: Path, value: Any) -> Any:
    """A merge patch that sets ``path`` (object keys only) to ``value``."""
    for step in reversed(path):
        value = {step: value}
    return value


def key_path(path: Path) -> Path:
    """The longest prefix of ``path`` made of object keys (a merge patch cannot index)."""
    out: list[str | int] = []
    for step in path:
        if isinstance(step, int):
            break
        out.append(step)
    return tuple(out)


@st.composite
def merge_patches(draw: st.DrawFn, obj: dict[str, Any], model: str) -> Any:
    """A JSON merge patch for ``obj``: a few subtrees replaced, nulled or broken."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(json_values)
    if choice == 1:
        return draw(almost_valid(obj, model))
    patch: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 3))):
        path = key_path(draw(st.sampled_from(paths_in(obj)))) if paths_in(obj) else ()
        if not path:
            continue
        how = draw(st.sampled_from(("null", "break", "model")))
        if how == "null":
            value = None
        elif how == "break":
            value = draw(broken({"v": get(obj, path)})).get("v")
        else:
            value = draw(model_value(type_at(model, path) or "object"))
        patch = _merge(patch, nest(path, value))
    return patch


def _merge(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        out = dict(left)
        for key, value in right.items():
            out[key] = _merge(out.get(key), value) if key in out else value
        return out
    return right


DIRECTIVES = ("$patch", "$retainKeys", "$setElementOrder/containers",
              "$deleteFromPrimitiveList/finalizers", "$setElementOrder/finalizers")


@st.composite
def strategic_patches(draw: st.DrawFn, obj: dict[str, Any], model: str) -> Any:
    """A strategic merge patch: a merge patch with directives sprinkled in, and list
    elements that do or do not carry their merge key."""
    patch = draw(merge_patches(obj, model))
    if not isinstance(patch, dict):
        return patch
    for _ in range(draw(st.integers(0, 3))):
        spots = containers_in(patch)
        where = get(patch, draw(st.sampled_from(spots)))
        directive = draw(st.sampled_from(DIRECTIVES))
        where[directive] = draw(st.one_of(
            st.sampled_from(("delete", "replace", "merge", "bogus", "")),
            st.lists(st.one_of(strings, st.fixed_dictionaries({"name": strings})), max_size=3),
            json_values))
    lists = [p for p in paths_in(obj) if isinstance(get(obj, p), list)]
    if lists and draw(st.booleans()):
        path = key_path(draw(st.sampled_from(lists)))
        if path and isinstance(get(obj, path), list):
            items = get(obj, path)
            element = draw(st.one_of(
                st.just({"$patch": "delete", "name": "app"}),
                st.just({"$patch": "replace"}),
                st.builds(dict, st.fixed_dictionaries({}, optional={"name": strings})),
                scalars,
                st.sampled_from(items) if items else scalars))
            patch = _merge(patch, nest(path, [element]))
    return patch


def pointer(path: Path) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


ODD_POINTERS = ("", "/", "/-", "/metadata/-", "/spec/containers/-", "/spec/containers/99",
                "/spec/containers/-1", "/spec/containers/01", "metadata", "/~2", "/a~",
                "/metadata/labels/a~1b", "/status", "/metadata/name", "/apiVersion",
                "/metadata/resourceVersion", "/spec/replicas", "/" + "a/" * 300)
OPS = ("add", "remove", "replace", "move", "copy", "test", "bogus", "")


@st.composite
def json_patches(draw: st.DrawFn, obj: dict[str, Any], model: str) -> Any:
    """An RFC 6902 patch for ``obj``: mostly well-formed operations on paths that exist."""
    if not draw(st.integers(0, 9)):
        return draw(json_values)
    real = [pointer(p) for p in paths_in(obj)]
    pointers = st.one_of(st.sampled_from(real), st.sampled_from(ODD_POINTERS)) if real \
        else st.sampled_from(ODD_POINTERS)
    operations = []
    for _ in range(draw(st.integers(1, 4))):
        op: dict[str, Any] = {"op": draw(st.sampled_from(OPS)), "path": draw(pointers)}
        if draw(st.integers(0, 5)):
            op["value"] = draw(st.one_of(json_values, model_value("object")))
        if draw(st.booleans()):
            op["from"] = draw(pointers)
        if not draw(st.integers(0, 7)):
            op[draw(st.sampled_from(("op", "path", "value", "from")))] = draw(json_values)
        operations.append(op)
    return operations


# -- the strategies' own tests ---------------------------------------------------------------

KINDS = sorted(SAMPLES)


def sample_of(key: tuple[str, str]) -> tuple[dict[str, Any], str]:
    model, build = SAMPLES[key]
    return build(), model


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(data=st.data(), key=st.sampled_from(KINDS))
def test_grown_objects_stay_readable_by_the_official_client(data, key):
    """Growing follows the client's own schema: the result still deserializes (values are
    plausible, never structurally foreign)."""
    obj, model = sample_of(key)
    big = data.draw(grown(obj, model, max_fields=6, odd=False))
    assert paths_in(obj) == [p for p in paths_in(big) if p in set(paths_in(obj))]
    deserialize(model, json.loads(to_json(big)))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(data=st.data(), key=st.sampled_from(KINDS))
def test_broken_objects_differ_and_keep_protected_keys(data, key):
    obj, _ = sample_of(key)
    bad = data.draw(broken(obj, protect=("apiVersion", "kind")))
    assert (bad["apiVersion"], bad["kind"]) == (obj["apiVersion"], obj["kind"])
    assert bad != obj, "breaking changed nothing"


def test_type_at_follows_lists_and_maps():
    assert type_at("V1Pod", ("spec", "containers", 0, "ports")) == "List[V1ContainerPort]"
    assert type_at("V1Pod", ("metadata", "labels", "app")) == "str"
    assert type_at("V1Pod", ("spec", "nope")) is None
    assert type_at("V1Service", ("spec", "ports", 0, "targetPort")) == "IntOrString"
    assert type_at("V1Pod", ("metadata", "managedFields", 0, "fieldsV1")) == "FreeForm"


@pytest.mark.parametrize("key", KINDS, ids=lambda k: k[1])
def test_every_path_is_a_json_pointer_into_the_object(key):
    """JSON patches address the object through ``paths_in`` and ``pointer``: a ``test`` of
    each path's value passes under a real RFC 6902 implementation."""
    obj, _ = sample_of(key)
    operations = [{"op": "test", "path": pointer(p), "value": get(obj, p)}
                  for p in paths_in(obj)]
    assert operations
    jsonpatch.apply_patch(obj, operations)


def test_pointer_escapes_like_rfc6901():
    assert pointer(("metadata", "labels", "a/b~c")) == "/metadata/labels/a~1b~0c"
    assert pointer(("spec", "containers", 0)) == "/spec/containers/0"
