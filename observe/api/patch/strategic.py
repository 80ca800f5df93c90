"""Applying a Kubernetes strategic merge patch (``application/strategic-merge-patch+json``).

Server side of the format: the apiserver's PATCH handler (via :func:`observe.api.patch.apply_patch`)
calls :func:`strategic_merge` with the stored object and the decoded patch. Semantics follow
k8s.io/apimachinery's strategicpatch as kube-apiserver runs it:

- maps merge recursively and ``null`` deletes a key (as in JSON merge patch);
- lists the kind's :mod:`.schema` marks as merging merge element by element on their merge key,
  or as ordered sets for primitives; every other list is replaced whole;
- directives: ``$patch: replace|delete|merge`` on a map or list element (a ``{"$patch":
  "replace"}`` element replaces the whole list), ``$retainKeys``, ``$setElementOrder/<list>``,
  ``$deleteFromPrimitiveList/<list>``; any other ``$`` key is refused;
- ``null`` values with nothing to delete are dropped rather than stored.

Malformed patches raise :class:`~observe.api.errors.StatusError` 400, never a raw exception.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from observe.api.errors import StatusError, bad_request
from observe.api.patch import directives as d
from observe.api.patch.jsonvalue import describe, identity, keyed_identity
from observe.api.patch.ordering import arrange
from observe.api.patch.schema import FieldPatch, Path, Schema


class _Deleted:
    """Marks a map or list element removed by ``$patch: delete``."""


DELETED = _Deleted()


def where(path: Path) -> str:
    return ".".join(path) or "<root>"


def _bad(path: Path, message: str) -> StatusError:
    return bad_request(f"{where(path)}: {message}")


def strategic_merge(original: dict[str, Any], patch: dict[str, Any], schema: Schema
                    ) -> dict[str, Any]:
    """``original`` with ``patch`` applied. ``original`` is modified in place and returned, and
    values of ``patch`` become part of it: callers pass copies they do not reuse."""
    merged = merge_map(original, patch, schema, ())
    if isinstance(merged, _Deleted):
        raise bad_request("a $patch: delete directive cannot delete the whole object; "
                          "use DELETE instead")
    return merged


def merge_map(original: dict[str, Any], patch: dict[str, Any], schema: Schema, path: Path
              ) -> dict[str, Any] | _Deleted:
    if d.PATCH in patch:
        directive = patch[d.PATCH]
        rest = {k: v for k, v in patch.items() if k != d.PATCH}
        if directive == d.DELETE:
            return DELETED
        if directive == d.REPLACE:
            return merge_map({}, rest, schema, path)
        if directive != d.MERGE:
            raise _bad(path, f"unknown patch type: {describe(directive)} in map: {describe(patch)}")
        patch = rest
    for key in patch:
        if d.is_directive(key) and not d.is_known_directive(key):
            raise _bad(path, f"unknown patch directive {key!r}")
    if d.RETAIN_KEYS in patch:
        _retain_keys(original, patch, path)

    with_list_directives = {t for k in patch if (t := d.list_directive_target(k)) is not None}
    for name in with_list_directives:
        _patch_list_field(original, patch, name, schema, path)
    for key, value in patch.items():
        if d.is_directive(key) or key in with_list_directives:
            continue
        _set(original, key, merge_value(original.get(key), value, schema, (*path, key)))
    return original


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, _Deleted):
        target.pop(key, None)
    else:
        target[key] = value


def merge_value(original: Any, patch: Any, schema: Schema, path: Path,
                order: list[Any] | None = None) -> Any:
    """The value at ``path`` after patching ``original`` (None when absent) with ``patch``;
    :data:`DELETED` when the key must go. ``order`` is the list's ``$setElementOrder``."""
    if patch is None:
        return DELETED
    if isinstance(patch, dict):
        if not isinstance(original, dict):
            return merge_map({}, patch, schema, path)
        merged = merge_map(original, patch, schema, path)
        # Upstream empties a map that exists rather than dropping it.
        return {} if isinstance(merged, _Deleted) else merged
    if isinstance(patch, list):
        base = original if isinstance(original, list) else []
        return merge_list(base, patch, schema.field(path), schema, path, order)
    return patch


def merge_list(original: list[Any], patch: list[Any], meta: FieldPatch, schema: Schema,
               path: Path, order: list[Any] | None = None) -> list[Any]:
    if not meta.merge:
        return _replace_list(patch, path)
    if any(isinstance(x, list) for x in patch):
        raise _bad(path, "lists of lists are not supported")
    if meta.merge_key is None:
        return _merge_set(original, patch, order, path)
    return _merge_keyed(original, patch, meta.merge_key, order, schema, path)


def _replace_list(patch: list[Any], path: Path) -> list[Any]:
    """An atomic list is taken as sent; a ``$patch`` element can only be a harmless
    replace/merge marker, since there is no merge key to delete by."""
    out = []
    for item in patch:
        if isinstance(item, dict) and d.PATCH in item:
            if item.keys() == {d.PATCH} and item[d.PATCH] in (d.REPLACE, d.MERGE):
                continue
            raise _bad(path, f"{describe(item)}: this list has no merge key, so its elements "
                             f"take no $patch directive (it is replaced as a whole)")
        out.append(item)
    return out


def _merge_set(original: list[Any], patch: list[Any], order: list[Any] | None, path: Path
               ) -> list[Any]:
    """Union of two lists of primitives: duplicates dropped, order as :func:`arrange` says."""
    for item in patch:
        if isinstance(item, dict | list):
            raise _bad(path, f"expected a list of primitives, found {describe(item)}")
    merged: list[Any] = []
    seen: set[Hashable] = set()
    for item in (*original, *patch):
        if identity(item) not in seen:
            seen.add(identity(item))
            merged.append(item)
    wanted = patch if order is None else order
    return arrange(merged, identity, map(identity, wanted), map(identity, original))


def _merge_keyed(original: list[Any], patch: list[Any], key: str, order: list[Any] | None,
                 schema: Schema, path: Path) -> list[Any]:
    """Merge a list of maps on ``key``: delete directives drop matches, a replace directive
    makes the patch the list, other elements merge into their match or join the list."""
    regular: list[dict[str, Any]] = []
    doomed: set[Hashable] = set()
    replace = False
    for item in patch:
        if not isinstance(item, dict):
            raise _bad(path, f"expected a map with merge key {key!r}, found {describe(item)}")
        directive = item.get(d.PATCH, d.MERGE)
        if directive == d.MERGE and key in item:
            regular.append(item)
        elif directive == d.MERGE and item.keys() == {d.PATCH}:
            continue
        elif directive == d.DELETE and key in item:
            doomed.add(identity(item[key]))
        elif directive == d.REPLACE:
            replace = True
        elif directive in (d.MERGE, d.DELETE):
            raise _bad(path, f"map: {describe(item)} does not contain declared merge key: {key}")
        else:
            raise _bad(path, f"unknown patch type: {describe(directive)} in map: "
                             f"{describe(item)}")
    key_of = keyed_identity(key)
    if replace:
        fresh = (merge_map({}, item, schema, path) for item in regular)
        return [item for item in fresh if not isinstance(item, _Deleted)]

    base = [item for item in original if key_of(item) not in doomed]
    merged: list[Any] = list(base)
    slots = {key_of(item): i for i, item in reversed(list(enumerate(base)))}
    for item in regular:
        slot = slots.get(key_of(item))
        if slot is None:
            slots[key_of(item)] = len(merged)
            merged.append(merge_map({}, item, schema, path))
        else:
            current = merged[slot]
            merged[slot] = merge_map(current if isinstance(current, dict) else {}, item,
                                     schema, path)
    kept = [item for item in merged if not isinstance(item, _Deleted)]
    if order is None:
        return arrange(kept, key_of, map(key_of, regular), map(key_of, base))
    # With $setElementOrder upstream ranks server-only elements against the live list as it
    # stands after deletions and appends, cut to its original length (a side effect of Go
    # slices sharing storage that kubectl's expectations are built on).
    server = (base + merged[len(base):])[: len(original)]
    return arrange(kept, key_of, map(key_of, order), map(key_of, server))


def _retain_keys(original: dict[str, Any], patch: dict[str, Any], path: Path) -> None:
    keep = patch[d.RETAIN_KEYS]
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise _bad(path, "invalid patch format of retainKeys: expected a list of field names")
    for key, value in patch.items():
        if value is not None and not d.is_directive(key) and key not in keep:
            raise _bad(path, f"invalid patch format of retainKeys: field {key!r} is set but "
                             f"not listed in $retainKeys {keep}")
    for key in [k for k in original if k not in keep]:
        del original[key]


def _patch_list_field(original: dict[str, Any], patch: dict[str, Any], name: str,
                      schema: Schema, path: Path) -> None:
    """Patch list ``name`` of ``original`` with its value and its parallel
    ``$deleteFromPrimitiveList`` / ``$setElementOrder`` directives from ``patch``."""
    field = (*path, name)
    meta = schema.field(field)
    removals = patch.get(d.DELETE_FROM_PRIMITIVE_LIST + name)
    if removals is not None:
        _delete_from_primitive_list(original, name, removals, field)
    # A list that does not merge is replaced as sent, so an element order means nothing.
    order = patch.get(d.SET_ELEMENT_ORDER + name) if meta.merge else None
    if order is not None:
        _check_order(order, patch.get(name), meta, field)
    before = original.get(name)
    if name in patch:
        _set(original, name, merge_value(before, patch[name], schema, field, order))
    elif order is not None and isinstance(before, list):
        key_of = keyed_identity(meta.merge_key) if meta.merge_key else identity
        original[name] = arrange(before, key_of, map(key_of, order), map(key_of, before))


def _delete_from_primitive_list(original: dict[str, Any], name: str, removals: Any,
                                path: Path) -> None:
    if not isinstance(removals, list) or any(isinstance(x, dict | list) for x in removals):
        raise _bad(path, "invalid patch format of primitive list: expected a list of primitives")
    current = original.get(name)
    if isinstance(current, list):
        gone = {identity(x) for x in removals}
        original[name] = [x for x in current if identity(x) not in gone]


def _check_order(order: Any, patch_list: Any, meta: FieldPatch, path: Path) -> None:
    """``$setElementOrder`` must be a list naming elements by merge key (or by value, for
    primitives), and must list the patch list's elements in the same relative order
    (directive elements aside), or the two disagree about the result."""
    key = meta.merge_key
    if not isinstance(order, list):
        raise _bad(path, "invalid patch format of setElementOrder list: expected a list")
    for entry in order:
        if key is not None and not (isinstance(entry, dict) and key in entry):
            raise _bad(path, f"invalid patch format of setElementOrder list: "
                             f"{describe(entry)} does not contain merge key {key!r}")
    if not isinstance(patch_list, list):
        return
    key_of = keyed_identity(key) if key else identity
    wanted = [key_of(x) for x in patch_list if not (isinstance(x, dict) and d.PATCH in x)]
    remaining = iter(map(key_of, order))
    if not all(any(k == o for o in remaining) for k in wanted):
        raise _bad(path, f"the order in patch list {describe(patch_list)} doesn't match "
                         f"$setElementOrder list {describe(order)}")
