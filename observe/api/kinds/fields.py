"""Type-tolerant access to plain-dict objects, for defaulting.

Defaulting runs before validation, on bodies exactly as clients sent them, so it must neither
crash on a wrong type nor "fix" one: these helpers fill only where the value is absent (or
JSON ``null``, Go's zero value) and step over anything of the wrong type, leaving it for
validation to report.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any


def drop_nulls(value: Any) -> Any:
    """Remove ``null`` members everywhere, in place: Go decodes ``"creationTimestamp": null``
    and friends as zero values and never writes them back."""
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is None]:
            del value[key]
        for item in value.values():
            drop_nulls(item)
    elif isinstance(value, list):
        for item in value:
            drop_nulls(item)
    return value


def child(parent: Any, key: str) -> dict | None:
    """The object at ``parent[key]``, created when absent; None when ``parent`` is not an
    object or the member holds something else."""
    if not isinstance(parent, dict):
        return None
    if parent.get(key) is None:
        parent[key] = {}
    value = parent[key]
    return value if isinstance(value, dict) else None


def existing(parent: Any, key: str) -> dict | None:
    """The object at ``parent[key]`` if there is one (never created)."""
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def objects(parent: Any, key: str) -> Iterator[dict]:
    """The objects in the list at ``parent[key]``; other items and non-lists are skipped."""
    items = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def set_default(obj: Any, key: str, value: Any) -> None:
    """``obj[key] = value`` unless a value is already there (a fresh copy each time, so two
    objects never share a default)."""
    if isinstance(obj, dict) and obj.get(key) is None:
        obj[key] = copy.deepcopy(value)


def set_default_if_empty(obj: Any, key: str, value: Any) -> None:
    """Like :func:`set_default`, also replacing ``""`` (a Go string's zero value)."""
    if isinstance(obj, dict) and obj.get(key) in (None, ""):
        obj[key] = copy.deepcopy(value)
