"""The informer's local copy of a collection, indexed by key and by namespace.

An :class:`~observe.client.informer.Informer` writes it from list and watch; controllers read
it instead of asking the apiserver. Keys are client-go's ``namespace/name`` (just ``name``
for cluster-scoped objects), the strings work queues carry.

Objects are stored and returned as they are, not copied: readers must not mutate them (copy
first), exactly as with client-go's listers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Object = dict[str, Any]


def object_key(obj: Mapping[str, Any]) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object."""
    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace"), meta.get("name") or ""
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str | None, str]:
    """``(namespace, name)`` of a key made by :func:`object_key`."""
    namespace, sep, name = key.partition("/")
    return (namespace, name) if sep else (None, namespace)


def resource_version(obj: Mapping[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")


@dataclass
class Changes:
    """What a :meth:`Store.replace` changed, for the informer to tell its handlers."""

    added: list[Object] = field(default_factory=list)
    updated: list[tuple[Object, Object]] = field(default_factory=list)
    deleted: list[Object] = field(default_factory=list)


class Store:
    """Objects by key, with a per-namespace index."""

    def __init__(self) -> None:
        self._items: dict[str, Object] = {}
        self._by_namespace: dict[str, dict[str, Object]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, namespace: str | None, name: str) -> Object | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def get_by_key(self, key: str) -> Object | None:
        return self._items.get(key)

    def list(self, namespace: str | None = None) -> list[Object]:
        """Every object, or those of one namespace."""
        if namespace is None:
            return list(self._items.values())
        return list(self._by_namespace.get(namespace, {}).values())

    def keys(self) -> list[str]:
        return list(self._items)

    def namespaces(self) -> list[str]:
        return list(self._by_namespace)

    def upsert(self, obj: Object) -> Object | None:
        """Store ``obj``; return the object it replaced, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        self._items[key] = obj
        namespace = (obj.get("metadata") or {}).get("namespace")
        if namespace:
            self._by_namespace.setdefault(namespace, {})[key] = obj
        return old

    def remove(self, obj: Mapping[str, Any]) -> Object | None:
        """Drop the object with ``obj``'s key; return what was stored, if anything."""
        key = object_key(obj)
        old = self._items.pop(key, None)
        namespace, _ = split_key(key)
        if namespace is not None:
            index = self._by_namespace.get(namespace)
            if index is not None:
                index.pop(key, None)
                if not index:
                    del self._by_namespace[namespace]
        return old

    def replace(self, objs: Iterable[Object]) -> Changes:
        """Make the store hold exactly ``objs``; report what that added, changed (by
        resourceVersion) and removed."""
        changes = Changes()
        fresh = {object_key(o): o for o in objs}
        for key, old in list(self._items.items()):
            if key not in fresh:
                self.remove(old)
                changes.deleted.append(old)
        for key, obj in fresh.items():
            old = self._items.get(key)
            if old is None:
                changes.added.append(obj)
            elif resource_version(old) != resource_version(obj) or (
                resource_version(obj) is None and old != obj
            ):
                changes.updated.append((old, obj))
            self.upsert(obj)
        return changes
