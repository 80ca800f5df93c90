"""Small helpers over decoded JSON values, shared by every patch flavour.

Python's ``==`` says ``True == 1`` and ``1 == 1.0``; JSON (and Go, which decodes every number
to float64) distinguishes booleans from numbers but not integers from floats. Patches compare
and key values with these rules, and order merge keys by Go's ``%v`` text as upstream does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import orjson


def json_kind(value: Any) -> str:
    """The JSON type of a decoded value: object, array, string, number, boolean or null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def json_equal(a: Any, b: Any) -> bool:
    """Deep equality with JSON's types: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if json_kind(a) != json_kind(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def identity(value: Any) -> Hashable:
    """A hashable stand-in for a merge key value or set member, equal exactly when the values
    are :func:`json_equal`."""
    kind = json_kind(value)
    if kind in ("object", "array"):
        return kind, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return kind, value


def keyed_identity(merge_key: str) -> Callable[[Any], Hashable]:
    """The :func:`identity` of a list element's merge key (of the element itself when it is
    not a map, so malformed elements still compare)."""
    def key_of(item: Any) -> Hashable:
        return identity(item.get(merge_key)) if isinstance(item, dict) else identity(item)
    return key_of


def go_text(value: Any) -> str:
    """What Go's ``fmt.Sprintf("%v")`` prints for a decoded JSON scalar; upstream sorts merge
    keys and primitive sets by this text when diffing, so patches list deletions alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if value is None:
        return "<nil>"
    return str(value)


def shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: Any, limit: int = 120) -> str:
    """A short rendering of a value for error messages."""
    kind = json_kind(value)
    return shorten(orjson.dumps(value).decode() if kind in ("object", "array") else repr(value),
                   limit)
