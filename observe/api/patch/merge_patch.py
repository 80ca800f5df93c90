"""JSON merge patch (RFC 7386, ``application/merge-patch+json``): applying one, and the
three-way patch client-side ``apply`` sends for kinds without strategic merge metadata.

Maps merge recursively, ``null`` deletes a key, anything else (lists included) replaces the
value. The three-way patch mirrors kubectl's ``CreateThreeWayJSONMergePatch``: additions and
changes from the live object to the new manifest, plus deletions of keys the last applied
manifest had and the new one dropped.
"""

from __future__ import annotations

import copy
from typing import Any

from observe.api.patch.jsonvalue import json_equal, json_kind


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied; a map ``target`` is modified in place."""
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def merge_diff(original: dict[str, Any], modified: dict[str, Any]) -> dict[str, Any]:
    """The merge patch taking ``original`` to ``modified``."""
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        old = original.get(key)
        if key not in original or json_kind(old) != json_kind(new):
            patch[key] = new
        elif isinstance(new, dict):
            sub = merge_diff(old, new)
            if sub:
                patch[key] = sub
        elif not json_equal(old, new):
            patch[key] = new
    patch.update({key: None for key in original if key not in modified})
    return patch


def _changes_only(patch: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if isinstance(value, dict) and value:
            sub = _changes_only(value)
            if sub:
                out[key] = sub
        elif value is not None:
            # An explicitly empty map is a value to set, not an empty patch.
            out[key] = value
    return out


def _deletions_only(patch: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if value is None:
            out[key] = None
        elif isinstance(value, dict) and value:
            sub = _deletions_only(value)
            if sub:
                out[key] = sub
    return out


def json_merge_three_way(original: dict[str, Any] | None, modified: dict[str, Any],
                         current: dict[str, Any]) -> dict[str, Any]:
    """The merge patch that takes ``current`` to ``modified``, deleting only keys that
    ``original`` (last applied; None if none) had and ``modified`` dropped. ``{}`` when
    nothing changes."""
    deletions = _deletions_only(merge_diff(original or {}, modified))
    changes = _changes_only(merge_diff(current, modified))
    return copy.deepcopy(merge_patch(deletions, changes))
