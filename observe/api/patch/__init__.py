"""Patches, as the Kubernetes API defines them: pure functions over plain-dict objects.

- :func:`apply_patch` is what the apiserver's PATCH verb runs: JSON patch (RFC 6902), JSON
  merge patch (RFC 7386) or strategic merge patch, chosen by media type.
- :func:`three_way_merge_patch` and :func:`json_merge_three_way` are what the CLI's ``apply``
  sends, computed like kubectl's client-side apply; :func:`two_way_merge_patch` is what an
  ``edit`` sends.
- :func:`patch_schema` gives a kind's merge keys and strategies (data, per upstream struct tags).

Layout: :mod:`.apply` dispatches; :mod:`.json_patch`, :mod:`.merge_patch`, :mod:`.strategic`
(apply) and :mod:`.strategic_diff` (diff) hold one format each; :mod:`.schema` is the per-kind
merge-key data; :mod:`.directives`, :mod:`.ordering` and :mod:`.jsonvalue` are shared helpers.
"""

from observe.api.patch.apply import (
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_MEDIA_TYPES,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    media_type,
)
from observe.api.patch.merge_patch import json_merge_three_way
from observe.api.patch.schema import FieldPatch, Schema, patch_schema
from observe.api.patch.strategic_diff import three_way_merge_patch, two_way_merge_patch

__all__ = [
    "JSON_PATCH",
    "MERGE_PATCH",
    "PATCH_MEDIA_TYPES",
    "STRATEGIC_MERGE_PATCH",
    "FieldPatch",
    "Schema",
    "apply_patch",
    "json_merge_three_way",
    "media_type",
    "patch_schema",
    "three_way_merge_patch",
    "two_way_merge_patch",
]
