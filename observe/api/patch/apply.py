"""The entry point of the apiserver's PATCH verb: apply a patch body of a given media type to
a stored object.

Dispatches on the Content-Type kube-apiserver accepts for PATCH (JSON patch, JSON merge patch,
strategic merge patch), decodes the body and turns every malformed input into a
:class:`~observe.api.errors.StatusError`. Never modifies the stored object.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from observe.api.errors import bad_request, unsupported_media_type
from observe.api.patch.json_patch import apply_json_patch
from observe.api.patch.jsonvalue import json_kind
from observe.api.patch.merge_patch import merge_patch
from observe.api.patch.schema import patch_schema
from observe.api.patch.strategic import strategic_merge

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
PATCH_MEDIA_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)


def media_type(content_type: str) -> str:
    """``application/merge-patch+json; charset=utf-8`` -> ``application/merge-patch+json``."""
    return content_type.split(";", 1)[0].strip().lower()


def apply_patch(original: dict[str, Any], patch: bytes, content_type: str, group: str,
                kind: str) -> dict[str, Any]:
    """A new object: ``original`` (a ``group``/``kind`` object) with ``patch`` applied."""
    media = media_type(content_type)
    if media not in PATCH_MEDIA_TYPES:
        raise unsupported_media_type(content_type)
    try:
        body = orjson.loads(patch)
    except orjson.JSONDecodeError as error:
        raise bad_request(f"error decoding patch: {error}") from None
    try:
        if media == JSON_PATCH:
            return apply_json_patch(original, body, group, kind)
        if not isinstance(body, dict):
            raise bad_request(f"a {media} body must be a JSON object, got JSON {json_kind(body)}")
        target = copy.deepcopy(original)
        if media == MERGE_PATCH:
            return merge_patch(target, body)
        return strategic_merge(target, body, patch_schema(group, kind))
    except RecursionError:
        raise bad_request("the patch is nested too deeply") from None
