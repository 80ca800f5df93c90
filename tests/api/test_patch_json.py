"""JSON patch (RFC 6902) as the apiserver applies it: every operation, and failures that
must come back as Kubernetes Status errors naming the operation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from observe.api.errors import StatusError
from observe.api.patch import JSON_PATCH, apply_patch

DEPLOY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "annotations": {"a": "1"}},
    "spec": {"replicas": 2, "template": {"spec": {"containers": [
        {"name": "app", "image": "x:1"}, {"name": "side", "image": "y:1"}]}}},
}


def jp(operations: Any, original: dict = DEPLOY) -> dict:
    return apply_patch(original, json.dumps(operations).encode(), JSON_PATCH, "apps",
                       "Deployment")


# (id, operations, path into the result, expected value there)
OPERATIONS = [
    ("add a key", [{"op": "add", "path": "/spec/paused", "value": True}], ("spec", "paused"),
     True),
    ("add appends with -",
     [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "z"}}],
     ("spec", "template", "spec", "containers", 2, "name"), "z"),
    ("add inserts at an index",
     [{"op": "add", "path": "/spec/template/spec/containers/0", "value": {"name": "z"}}],
     ("spec", "template", "spec", "containers", 0, "name"), "z"),
    ("remove", [{"op": "remove", "path": "/metadata/annotations/a"}],
     ("metadata", "annotations"), {}),
    ("replace", [{"op": "replace", "path": "/spec/replicas", "value": 5}],
     ("spec", "replicas"), 5),
    ("move", [{"op": "move", "from": "/metadata/annotations", "path": "/metadata/labels"}],
     ("metadata", "labels"), {"a": "1"}),
    ("copy", [{"op": "copy", "from": "/spec/template/spec/containers/0/image",
               "path": "/metadata/annotations/image"}],
     ("metadata", "annotations", "image"), "x:1"),
    ("test then replace",
     [{"op": "test", "path": "/spec/replicas", "value": 2},
      {"op": "replace", "path": "/spec/replicas", "value": 3}], ("spec", "replicas"), 3),
    ("escaped pointer tokens",
     [{"op": "add", "path": "/metadata/annotations/example.com~1a~0b", "value": "v"}],
     ("metadata", "annotations", "example.com/a~b"), "v"),
    ("rollout undo: replace template and annotations",
     [{"op": "replace", "path": "/spec/template", "value": {"spec": {"containers": []}}},
      {"op": "replace", "path": "/metadata/annotations", "value": {"rev": "1"}}],
     ("metadata", "annotations"), {"rev": "1"}),
]


@pytest.mark.parametrize(("operations", "where", "expected"),
                         [case[1:] for case in OPERATIONS], ids=[case[0] for case in OPERATIONS])
def test_json_patch_operations(operations: list, where: tuple, expected: Any) -> None:
    value: Any = jp(operations)
    for step in where:
        value = value[step]
    assert value == expected


def test_move_removes_the_source() -> None:
    result = jp([{"op": "move", "from": "/metadata/annotations", "path": "/metadata/labels"}])
    assert "annotations" not in result["metadata"]


def test_original_is_untouched_even_when_a_later_operation_fails() -> None:
    before = json.loads(json.dumps(DEPLOY))
    with pytest.raises(StatusError):
        jp([{"op": "replace", "path": "/spec/replicas", "value": 9},
            {"op": "test", "path": "/spec/replicas", "value": 1}])
    assert before == DEPLOY


# (id, operations, words the message must hold: the operation and why it failed)
FAILURES = [
    ("failed test", [{"op": "test", "path": "/spec/replicas", "value": 3}],
     "test (operation 0) failed: the value at '/spec/replicas' is not 3"),
    ("remove a missing key", [{"op": "remove", "path": "/spec/nope"}],
     "remove (operation 0) failed: can't remove a non-existent object 'nope'"),
    ("replace a missing key", [{"op": "replace", "path": "/spec/nope", "value": 1}],
     "replace (operation 0) failed"),
    ("add under a missing parent", [{"op": "add", "path": "/nope/x", "value": 1}],
     "add (operation 0) failed: member 'nope' not found"),
    ("add beyond the end of a list",
     [{"op": "add", "path": "/spec/template/spec/containers/9", "value": {}}],
     "add (operation 0) failed"),
    ("move from a missing path", [{"op": "move", "from": "/nope", "path": "/x"}],
     "move (operation 0) failed"),
    ("move into its own child", [{"op": "move", "from": "/spec", "path": "/spec/x"}],
     "move (operation 0) failed"),
    ("copy from a missing path", [{"op": "copy", "from": "/nope", "path": "/x"}],
     "copy (operation 0) failed"),
    ("unknown op", [{"op": "frobnicate", "path": "/spec"}], "frobnicate (operation 0) failed"),
    ("op not a string", [{"op": ["add"], "path": "/spec"}], "op must be a string"),
    ("missing path", [{"op": "add", "value": 1}], "add (operation 0) failed"),
    ("missing value", [{"op": "add", "path": "/spec/x"}], "does not contain a 'value'"),
    ("path not a pointer", [{"op": "add", "path": "spec", "value": 1}],
     "add (operation 0) failed"),
    ("path of the wrong type", [{"op": "add", "path": 7, "value": 1}],
     "add (operation 0) failed: Invalid 'path'"),
    ("bad list index", [{"op": "remove", "path": "/spec/template/spec/containers/01"}],
     "remove (operation 0) failed"),
    ("second operation fails",
     [{"op": "add", "path": "/spec/paused", "value": True},
      {"op": "test", "path": "/spec/paused", "value": False}], "test (operation 1) failed"),
    ("result is not an object", [{"op": "replace", "path": "", "value": 5}],
     "must be a JSON object"),
]


@pytest.mark.parametrize(("operations", "words"), [case[1:] for case in FAILURES],
                         ids=[case[0] for case in FAILURES])
def test_failing_operation_is_invalid_and_named(operations: list, words: str) -> None:
    with pytest.raises(StatusError) as caught:
        jp(operations)
    status = caught.value.to_status()
    assert status["code"] == 422, status
    assert status["reason"] == "Invalid"
    assert status["details"]["name"] == "web"
    assert status["details"]["kind"] == "Deployment"
    assert words in status["message"], status["message"]
    assert "'metadata'" not in status["message"], "the message must not dump the document"


@pytest.mark.parametrize(("body", "words"), [
    ({"op": "add"}, "must be an array of operations"),
    (["add"], "operation 0 must be an object"),
    ([{"op": "add", "path": "/a", "value": 1}, 5], "operation 1 must be an object"),
], ids=["object body", "string operation", "number operation"])
def test_malformed_json_patch_is_bad_request(body: Any, words: str) -> None:
    with pytest.raises(StatusError) as caught:
        jp(body)
    assert caught.value.code == 400
    assert words in caught.value.message


def test_too_many_operations_is_rejected_before_applying() -> None:
    operations = [{"op": "test", "path": "/spec/replicas", "value": 2}] * 10001
    with pytest.raises(StatusError) as caught:
        jp(operations)
    assert caught.value.code == 413
    assert "10000" in caught.value.message
