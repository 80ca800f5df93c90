"""The PATCH entry point: media types, body decoding, and that client input can only ever
produce a result or a Kubernetes Status error."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from observe.api.errors import StatusError
from observe.api.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_MEDIA_TYPES,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    media_type,
)

POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "web"}, "finalizers": ["f"]},
    "spec": {"containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}],
                             "ports": [{"containerPort": 80}]}],
             "volumes": [{"name": "v", "emptyDir": {}}], "tolerations": [{"key": "k"}]},
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}
POD_AS_STORED = copy.deepcopy(POD)


@pytest.mark.parametrize(("content_type", "body"), [
    (STRATEGIC_MERGE_PATCH, b'{"metadata": {"labels": {"tier": "db"}}}'),
    (MERGE_PATCH, b'{"metadata": {"labels": {"tier": "db"}}}'),
    (JSON_PATCH, b'[{"op": "add", "path": "/metadata/labels/tier", "value": "db"}]'),
    ("application/merge-patch+json; charset=utf-8", b'{"metadata": {"labels": {"tier": "db"}}}'),
    ("Application/Strategic-Merge-Patch+JSON", b'{"metadata": {"labels": {"tier": "db"}}}'),
], ids=["strategic", "merge", "json", "with parameters", "mixed case"])
def test_each_patch_type_applies(content_type: str, body: bytes) -> None:
    result = apply_patch(POD, body, content_type, "", "Pod")
    assert result["metadata"]["labels"] == {"app": "web", "tier": "db"}


@pytest.mark.parametrize("content_type", [
    "application/json", "application/apply-patch+yaml", "text/plain", "",
])
def test_other_media_types_are_unsupported(content_type: str) -> None:
    with pytest.raises(StatusError) as caught:
        apply_patch(POD, b"{}", content_type, "", "Pod")
    assert caught.value.code == 415
    assert caught.value.reason == "UnsupportedMediaType"


@pytest.mark.parametrize("content_type", PATCH_MEDIA_TYPES)
@pytest.mark.parametrize("body", [b"", b"{", b"{'a': 1}", b'{"a": NaN}', b"\xff"],
                         ids=["empty", "truncated", "single quotes", "NaN", "not utf-8"])
def test_undecodable_body_is_bad_request_with_the_parser_message(content_type: str,
                                                                 body: bytes) -> None:
    with pytest.raises(StatusError) as caught:
        apply_patch(POD, body, content_type, "", "Pod")
    assert caught.value.code == 400
    assert caught.value.message.startswith("error decoding patch: ")


def nested(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def test_patch_too_deep_to_merge_is_bad_request() -> None:
    with pytest.raises(StatusError) as caught:
        apply_patch(POD, nested(900), STRATEGIC_MERGE_PATCH, "", "Pod")
    assert caught.value.code == 400
    assert "nested too deeply" in caught.value.message


@pytest.mark.parametrize("content_type", PATCH_MEDIA_TYPES)
def test_patch_too_deep_to_decode_is_bad_request(content_type: str) -> None:
    with pytest.raises(StatusError) as caught:
        apply_patch(POD, nested(1100), content_type, "", "Pod")
    assert caught.value.code == 400


def test_media_type_strips_parameters() -> None:
    assert media_type(" Application/JSON-Patch+json ; charset=utf-8") == JSON_PATCH


@pytest.mark.parametrize(("content_type", "body"), [
    (STRATEGIC_MERGE_PATCH, {"metadata": {"labels": {"app": None, "$patch": "replace"}},
                             "spec": {"containers": [{"name": "a", "image": "a:2"}]}}),
    (MERGE_PATCH, {"metadata": {"labels": None}, "spec": {"containers": []}}),
    (JSON_PATCH, [{"op": "remove", "path": "/metadata/labels"},
                  {"op": "add", "path": "/spec/containers/0/image", "value": "a:2"}]),
], ids=["strategic", "merge", "json"])
def test_result_is_new_and_original_untouched(content_type: str, body: Any) -> None:
    original = copy.deepcopy(POD)
    result = apply_patch(original, json.dumps(body).encode(), content_type, "", "Pod")
    assert original == POD, "the stored object must not change"
    result["status"]["conditions"].append({"type": "X"})
    result["metadata"].setdefault("finalizers", []).append("g")
    assert original == POD, "the result must share nothing with the stored object"


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
    ["a", "name", "replace", "delete", "merge", "/spec", "/metadata/labels", "-"]))
_keys = st.sampled_from([
    "metadata", "spec", "labels", "finalizers", "containers", "env", "name", "image", "value",
    "tolerations", "volumes", "emptyDir", "op", "path", "from", "$patch", "$retainKeys",
    "$setElementOrder/containers", "$deleteFromPrimitiveList/finalizers", "$setElementOrder/env",
    "$bogus"])
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)), max_leaves=25)


@settings(max_examples=500, deadline=None)
@given(body=_json, content_type=st.sampled_from(PATCH_MEDIA_TYPES))
def test_any_json_body_gives_an_object_or_a_status_error(body: Any, content_type: str) -> None:
    try:
        result = apply_patch(POD, json.dumps(body).encode(), content_type, "", "Pod")
    except StatusError as error:
        assert error.code in (400, 413, 422), error.to_status()
    else:
        assert isinstance(result, dict)
    assert POD == POD_AS_STORED, "a failed or successful patch must leave the original alone"
