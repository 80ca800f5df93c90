"""Computing strategic merge patches: the three-way patch of client-side ``apply``.

Client side of the format, used by the CLI's ``apply`` exactly as kubectl uses
``CreateThreeWayMergePatch(original=last-applied, modified=new manifest, current=live)``:

- *delta* is the diff from ``current`` to ``modified`` keeping only additions and changes (so
  fields the server or other writers set survive);
- *deletions* is the diff from ``original`` to ``modified`` keeping only removals (so only
  fields the user once applied and has now dropped are deleted);
- the patch is the two combined, deletions first.

Diffs emit ``null`` for removed map keys, ``{"$patch": "delete", <key>: ...}`` for removed
elements of merging lists, ``$deleteFromPrimitiveList`` for removed set members,
``$setElementOrder`` for merging lists whose content or order changed and ``$retainKeys`` for
union maps (see :mod:`.schema`). The result applies with :mod:`.strategic`.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from observe.api.errors import bad_request
from observe.api.patch import directives as d
from observe.api.patch.jsonvalue import (
    describe,
    go_text,
    identity,
    json_equal,
    json_kind,
    keyed_identity,
)
from observe.api.patch.ordering import arrange
from observe.api.patch.schema import FieldPatch, Path, Schema, patch_schema
from observe.api.patch.strategic import where


@dataclass(frozen=True)
class _Diff:
    schema: Schema
    changes: bool  # keep additions and changed values
    deletions: bool  # keep removals


def three_way_merge_patch(original: dict[str, Any] | None, modified: dict[str, Any],
                          current: dict[str, Any], group: str, kind: str) -> dict[str, Any]:
    """The strategic merge patch that takes ``current`` to ``modified`` while deleting only
    what ``original`` (the last applied manifest, None if there is none) had and ``modified``
    dropped. ``{}`` when nothing changes."""
    return three_way(original, modified, current, patch_schema(group, kind))


def three_way(original: dict[str, Any] | None, modified: dict[str, Any],
              current: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """:func:`three_way_merge_patch` with an explicit schema."""
    delta = diff_maps(current, modified, _Diff(schema, changes=True, deletions=False), (), False)
    deletions = diff_maps(original or {}, modified,
                          _Diff(schema, changes=False, deletions=True), (), False)
    return copy.deepcopy(_combine(deletions, delta, schema, ()))


def two_way_merge_patch(original: dict[str, Any], modified: dict[str, Any], group: str,
                        kind: str) -> dict[str, Any]:
    """The strategic merge patch that takes ``original`` to ``modified`` (what ``kubectl
    edit`` sends)."""
    return two_way(original, modified, patch_schema(group, kind))


def two_way(original: dict[str, Any], modified: dict[str, Any], schema: Schema
            ) -> dict[str, Any]:
    """:func:`two_way_merge_patch` with an explicit schema."""
    diff = _Diff(schema, changes=True, deletions=True)
    return copy.deepcopy(diff_maps(original, modified, diff, (), False))


def diff_maps(original: dict[str, Any], modified: dict[str, Any], diff: _Diff, path: Path,
              retain: bool) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        field = (*path, key)
        if key not in original or json_kind(original[key]) != json_kind(new):
            if diff.changes:
                patch[key] = new
            continue
        old = original[key]
        meta = diff.schema.field(field)
        if isinstance(new, dict):
            sub = diff_maps(old, new, diff, field, meta.retain_keys)
            if sub:
                patch[key] = sub
        elif isinstance(new, list) and meta.merge:
            _diff_merging_list(patch, key, old, new, meta, diff, field)
        elif diff.changes and not json_equal(old, new):
            patch[key] = new
    if diff.deletions:
        patch.update({key: None for key in original if key not in modified})
    if retain:
        keep = sorted((k for k, v in modified.items() if v is not None), key=go_text)
        dropped = any(v is not None and k not in modified for k, v in original.items())
        if keep and (patch or dropped):
            patch[d.RETAIN_KEYS] = keep
    return patch


def _diff_merging_list(patch: dict[str, Any], name: str, old: list[Any], new: list[Any],
                       meta: FieldPatch, diff: _Diff, path: Path) -> None:
    if not old:
        if new and diff.changes:
            patch[name] = new
        return
    kinds = {json_kind(x) for x in (*old, *new)}
    if len(kinds) > 1:
        raise bad_request(f"{where(path)}: list element types are not identical: "
                          f"{describe(old)}, {describe(new)}")
    if "array" in kinds:
        raise bad_request(f"{where(path)}: lists of lists are not supported")
    if "object" in kinds:
        _diff_keyed(patch, name, old, new, meta, diff, path)
    else:
        _diff_set(patch, name, old, new, diff)


def _diff_keyed(patch: dict[str, Any], name: str, old: list[dict[str, Any]],
                new: list[dict[str, Any]], meta: FieldPatch, diff: _Diff, path: Path) -> None:
    key = meta.merge_key
    if key is None:
        raise bad_request(f"{where(path)}: cannot merge a list of maps without a merge key")
    for item in (*old, *new):
        if key not in item:
            raise bad_request(f"{where(path)}: map: {describe(item)} does not contain declared "
                              f"merge key: {key}")

    def text(item: dict[str, Any]) -> str:
        return go_text(item[key])

    # Walk both lists sorted by merge key, as upstream does, so deletions come out in the
    # same order kubectl's do.
    before, after = sorted(old, key=text), sorted(new, key=text)
    changed: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    i = j = 0
    while i < len(before) or j < len(after):
        if i < len(before) and j < len(after) and text(before[i]) == text(after[j]):
            sub = diff_maps(before[i], after[j], diff, path, meta.retain_keys)
            if sub:
                changed.append({**sub, key: after[j][key]})
            i, j = i + 1, j + 1
        elif i == len(before) or (j < len(after) and text(before[i]) > text(after[j])):
            if diff.changes:
                changed.append(after[j])
            j += 1
        else:
            if diff.deletions:
                removed.append({key: before[i][key], d.PATCH: d.DELETE})
            i += 1
    position = {identity(item[key]): n for n, item in reversed(list(enumerate(new)))}
    changed.sort(key=lambda item: position[identity(item[key])])
    entries = changed + removed
    same_order = len(old) == len(new) and all(
        identity(a[key]) == identity(b[key]) for a, b in zip(old, new, strict=True))
    if entries:
        patch[name] = entries
    if (diff.changes and (entries or not same_order)) or (diff.deletions and entries):
        order = [{key: item[key]} for item in new]
        if order:
            patch[d.SET_ELEMENT_ORDER + name] = order


def _diff_set(patch: dict[str, Any], name: str, old: list[Any], new: list[Any],
              diff: _Diff) -> None:
    before = {go_text(x): x for x in old}
    after = {go_text(x): x for x in new}
    added = [x for x in new if go_text(x) not in before] if diff.changes else []
    removed = [before[t] for t in sorted(before) if t not in after] if diff.deletions else []
    if added:
        patch[name] = _unique(added)
    if removed:
        patch[d.DELETE_FROM_PRIMITIVE_LIST + name] = removed
    if removed or (diff.changes and not json_equal(old, new)):
        patch[d.SET_ELEMENT_ORDER + name] = new


def _unique(items: list[Any]) -> list[Any]:
    seen: set[Hashable] = set()
    out = []
    for item in items:
        if identity(item) not in seen:
            seen.add(identity(item))
            out.append(item)
    return out


def _combine(first: dict[str, Any], second: dict[str, Any], schema: Schema, path: Path
             ) -> dict[str, Any]:
    """One patch doing what ``first`` then ``second`` do, keeping nulls and directives (the
    two halves of a three-way patch never touch the same leaf)."""
    out = dict(first)
    for key, value in second.items():
        field = (*path, key)
        mine = out.get(key)
        meta = schema.field(field)
        if d.is_directive(key):
            out[key] = value
        elif isinstance(mine, dict) and isinstance(value, dict):
            out[key] = _combine(mine, value, schema, field)
        elif (isinstance(mine, list) and isinstance(value, list) and meta.merge
              and meta.merge_key is not None):
            order = second.get(d.SET_ELEMENT_ORDER + key, first.get(d.SET_ELEMENT_ORDER + key))
            out[key] = _combine_keyed(mine, value, meta.merge_key, order, schema, field)
        elif isinstance(mine, list) and isinstance(value, list) and meta.merge:
            out[key] = _unique(mine + value)
        else:
            out[key] = value
    return out


def _combine_keyed(first: list[Any], second: list[Any], key: str, order: list[Any] | None,
                   schema: Schema, path: Path) -> list[Any]:
    key_of = keyed_identity(key)
    deletions = [x for x in first if isinstance(x, dict) and x.get(d.PATCH) == d.DELETE]
    merged = [x for x in first if not (isinstance(x, dict) and x.get(d.PATCH) == d.DELETE)]
    slots = {key_of(item): i for i, item in enumerate(merged)}
    for item in second:
        slot = slots.get(key_of(item))
        if slot is None:
            merged.append(item)
        else:
            merged[slot] = _combine(merged[slot], item, schema, path)
    wanted = order if order is not None else second
    return arrange(merged, key_of, map(key_of, wanted), map(key_of, first)) + deletions
