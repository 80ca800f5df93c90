"""JSON merge patch (RFC 7386) as the apiserver applies it (``kubectl scale`` and
``kubectl patch --type=merge`` send it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from observe.api.errors import StatusError
from observe.api.patch import MERGE_PATCH, apply_patch

# (original, patch, expected) — the examples of RFC 7386 appendix A whose target and patch
# are objects, plus Kubernetes-shaped ones.
CASES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ({"spec": {"replicas": 1, "paused": True}}, {"spec": {"replicas": 3}},
     {"spec": {"replicas": 3, "paused": True}}),
    ({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}},
     {"spec": {"containers": [{"name": "c"}]}},
     {"spec": {"containers": [{"name": "c"}]}}),
    ({"metadata": {"labels": {"x": "1"}}}, {"metadata": {"labels": None}}, {"metadata": {}}),
    ({"a": {"b": 1}}, {"a": "scalar"}, {"a": "scalar"}),
    ({"a": 1}, {"a": {"b": None, "c": 2}}, {"a": {"c": 2}}),
    ({"a": [1]}, {"a": [None, 2]}, {"a": [None, 2]}),
]


@pytest.mark.parametrize(("original", "patch", "expected"), CASES,
                         ids=[json.dumps(c[1]) for c in CASES])
def test_merge_patch(original: dict, patch: dict, expected: dict) -> None:
    result = apply_patch(original, json.dumps(patch).encode(), MERGE_PATCH, "apps",
                         "Deployment")
    assert result == expected


@pytest.mark.parametrize("body", [b'["c", "d"]', b"null", b'"bar"', b"42"],
                         ids=["array", "null", "string", "number"])
def test_merge_patch_must_be_an_object(body: bytes) -> None:
    with pytest.raises(StatusError) as caught:
        apply_patch({"a": "b"}, body, MERGE_PATCH, "", "ConfigMap")
    assert caught.value.code == 400
    assert "must be a JSON object" in caught.value.message


def test_merge_patch_never_touches_the_original() -> None:
    original: dict[str, Any] = {"metadata": {"labels": {"a": "1"}}, "spec": {"l": [1]}}
    result = apply_patch(original, b'{"metadata": {"labels": {"a": null, "b": "2"}}}',
                         MERGE_PATCH, "", "ConfigMap")
    result["spec"]["l"].append(2)
    assert original == {"metadata": {"labels": {"a": "1"}}, "spec": {"l": [1]}}
