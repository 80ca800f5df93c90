"""The strategic merge patch directives and how a patch key is recognised as one.

A directive is a map key starting with ``$``: ``$patch`` (replace, delete or merge the map or
list element it sits in), ``$retainKeys`` (clear every field of the map not listed),
``$setElementOrder/<list>`` (final order of a merging list) and
``$deleteFromPrimitiveList/<list>`` (remove members of a merging list of primitives). Used by
the apply side (:mod:`.strategic`) and the diff side (:mod:`.strategic_diff`).
"""

from __future__ import annotations

PATCH = "$patch"
REPLACE = "replace"
DELETE = "delete"
MERGE = "merge"
RETAIN_KEYS = "$retainKeys"
SET_ELEMENT_ORDER = "$setElementOrder/"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"

LIST_DIRECTIVE_PREFIXES = (SET_ELEMENT_ORDER, DELETE_FROM_PRIMITIVE_LIST)


def is_directive(key: str) -> bool:
    return key.startswith("$")


def list_directive_target(key: str) -> str | None:
    """The list field a ``$setElementOrder/x`` or ``$deleteFromPrimitiveList/x`` key names, or
    None when ``key`` is not one of them (or names no field)."""
    for prefix in LIST_DIRECTIVE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):] or None
    return None


def is_known_directive(key: str) -> bool:
    return key in (PATCH, RETAIN_KEYS) or list_directive_target(key) is not None
