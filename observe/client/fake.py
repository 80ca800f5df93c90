"""An in-memory stand-in for :class:`~observe.client.rest.ApiClient`, for unit tests.

Tests of code built on the client (informers, controllers, exporters) use :class:`FakeApi`
where a real apiserver would make them slow or unable to provoke a failure on cue. It keeps
objects with a global resourceVersion, answers list (with paging) and watch (history replay,
bookmarks, 410 after :meth:`FakeApi.compact`), and lets a test break the next call or every
open watch. It is deliberately simple: no defaulting, validation, Tables or subresources;
strategic merge patches are applied as JSON merge patches. The integration tests run the
same code against the real apiserver.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

from observe.api.errors import StatusError, already_exists, conflict, gone, not_found
from observe.api.registry import ResourceType
from observe.api.selectors import parse_field_selector, parse_label_selector
from observe.client.cache import object_key
from observe.client.errors import ApiError

Object = dict[str, Any]
TypeKey = tuple[str, str]
_CLOSE = object()


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass
class _Watch:
    type_key: TypeKey
    matches: Any
    allow_bookmarks: bool
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)


class FakeApi:
    """Objects of any resource type, kept in memory, behind the ``ApiClient`` verbs."""

    def __init__(self) -> None:
        self._objects: dict[TypeKey, dict[str, Object]] = defaultdict(dict)
        self._history: list[tuple[int, TypeKey, str, Object]] = []
        self._revision = itertools.count(1)
        self._rv = 0
        self._compacted = 0
        self._watches: list[_Watch] = []
        self._failures: dict[str, list[BaseException]] = defaultdict(list)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    # -- test controls ------------------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def fail_next(self, verb: str, error: BaseException) -> None:
        """Make the next call of ``verb`` (``list``, ``watch``, ``create``, ...) raise."""
        self._failures[verb].append(error)

    def compact(self) -> None:
        """Forget all history: watching from an older resourceVersion now gets 410."""
        self._compacted = self._rv
        self._history.clear()

    def end_watches(self) -> None:
        """Close every open watch, as the server does when timeoutSeconds run out."""
        for watch in self._watches:
            watch.queue.put_nowait(_CLOSE)

    def expire_watches(self) -> None:
        """Send every open watch a 410 ``ERROR`` event and close it."""
        status = gone("too old resource version").to_status()
        for watch in self._watches:
            watch.queue.put_nowait(("ERROR", status))
            watch.queue.put_nowait(_CLOSE)

    def bookmark(self) -> None:
        """Send a BOOKMARK at the current resourceVersion to watches that allow them."""
        for watch in self._watches:
            if watch.allow_bookmarks:
                watch.queue.put_nowait(("BOOKMARK", {"metadata": {
                    "resourceVersion": self.resource_version}}))

    @property
    def open_watches(self) -> int:
        return len(self._watches)

    def calls_of(self, verb: str) -> list[dict[str, Any]]:
        return [kwargs for v, kwargs in self.calls if v == verb]

    # -- the ApiClient verbs -----------------------------------------------------------------

    async def get(self, resource_type: ResourceType, name: str, *,
                  namespace: str | None = None, **_: Any) -> Object:
        self._enter("get", resource_type=resource_type, name=name, namespace=namespace)
        return copy.deepcopy(self._existing(resource_type, namespace, name))

    async def list(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        **_: Any,
    ) -> Object:
        self._enter("list", resource_type=resource_type, namespace=namespace,
                    label_selector=label_selector, field_selector=field_selector,
                    limit=limit, continue_=continue_)
        matches = self._matcher(resource_type, namespace, label_selector, field_selector)
        objs = [o for _, o in sorted(self._objects[_type_key(resource_type)].items())
                if matches(o)]
        start = int(continue_ or 0)
        end = start + limit if limit else len(objs)
        metadata: dict[str, Any] = {"resourceVersion": self.resource_version}
        if end < len(objs):
            metadata["continue"] = str(end)
            metadata["remainingItemCount"] = len(objs) - end
        return {"kind": resource_type.list_kind, "apiVersion": resource_type.api_version,
                "metadata": metadata, "items": copy.deepcopy(objs[start:end])}

    async def create(self, resource_type: ResourceType, body: Mapping[str, Any], *,
                     namespace: str | None = None, **_: Any) -> Object:
        self._enter("create", resource_type=resource_type, body=body, namespace=namespace)
        obj = copy.deepcopy(dict(body))
        meta = obj.setdefault("metadata", {})
        if resource_type.namespaced:
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        key = object_key(obj)
        if key in self._objects[_type_key(resource_type)]:
            raise _api_error(already_exists(resource_type.plural, resource_type.group,
                                            meta.get("name", "")))
        meta.setdefault("uid", f"uid-{key}-{self._rv + 1}")
        obj.setdefault("kind", resource_type.kind)
        obj.setdefault("apiVersion", resource_type.api_version)
        return self._store(resource_type, "ADDED", obj)

    async def replace(self, resource_type: ResourceType, body: Mapping[str, Any], *,
                      namespace: str | None = None, **_: Any) -> Object:
        self._enter("replace", resource_type=resource_type, body=body, namespace=namespace)
        obj = copy.deepcopy(dict(body))
        meta = obj.setdefault("metadata", {})
        namespace = namespace or meta.get("namespace")
        old = self._existing(resource_type, namespace, meta.get("name", ""))
        sent_rv = meta.get("resourceVersion")
        if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
            raise _api_error(conflict(resource_type.plural, resource_type.group,
                                      meta.get("name", ""), "the object has been modified"))
        meta["uid"] = old["metadata"].get("uid")
        if resource_type.namespaced:
            meta["namespace"] = namespace
        return self._store(resource_type, "MODIFIED", obj)

    async def patch(self, resource_type: ResourceType, name: str, patch: Any, *,
                    namespace: str | None = None, patch_type: str = "strategic",
                    **_: Any) -> Object:
        self._enter("patch", resource_type=resource_type, name=name, patch=patch,
                    namespace=namespace, patch_type=patch_type)
        old = self._existing(resource_type, namespace, name)
        if patch_type == "json":
            obj = jsonpatch.apply_patch(old, patch)
        else:
            obj = merge_patch(old, patch)
        obj["metadata"]["name"] = name
        return self._store(resource_type, "MODIFIED", copy.deepcopy(obj))

    async def delete(self, resource_type: ResourceType, name: str, *,
                     namespace: str | None = None, **_: Any) -> Object:
        self._enter("delete", resource_type=resource_type, name=name, namespace=namespace)
        old = self._existing(resource_type, namespace, name)
        del self._objects[_type_key(resource_type)][object_key(old)]
        gone_obj = copy.deepcopy(old)
        gone_obj["metadata"]["resourceVersion"] = self._next_rv()
        self._publish(resource_type, "DELETED", gone_obj)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "kind": resource_type.plural}}

    async def watch(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = False,
    ) -> AsyncIterator[tuple[str, Object]]:
        self._enter("watch", resource_type=resource_type, namespace=namespace,
                    label_selector=label_selector, field_selector=field_selector,
                    resource_version=resource_version, timeout_seconds=timeout_seconds,
                    allow_bookmarks=allow_bookmarks)
        matches = self._matcher(resource_type, namespace, label_selector, field_selector)
        type_key = _type_key(resource_type)
        since = int(resource_version or 0)
        if resource_version not in (None, "", "0") and since < self._compacted:
            yield "ERROR", gone(f"too old resource version: {since} "
                                f"({self._compacted})").to_status()
            return
        if since == 0:
            backlog = [("ADDED", o) for o in self._objects[type_key].values() if matches(o)]
        else:
            backlog = [(t, o) for rv, k, t, o in self._history
                       if rv > since and k == type_key and matches(o)]
        watch = _Watch(type_key, matches, allow_bookmarks)
        self._watches.append(watch)
        try:
            for event_type, obj in backlog:
                yield event_type, copy.deepcopy(obj)
            while (event := await watch.queue.get()) is not _CLOSE:
                yield event
        finally:
            self._watches.remove(watch)

    # -- internals -----------------------------------------------------------------------------

    def _enter(self, verb: str, **kwargs: Any) -> None:
        self.calls.append((verb, kwargs))
        if self._failures[verb]:
            raise self._failures[verb].pop(0)

    def _existing(self, resource_type: ResourceType, namespace: str | None, name: str) -> Object:
        key = f"{namespace}/{name}" if resource_type.namespaced and namespace else name
        obj = self._objects[_type_key(resource_type)].get(key)
        if obj is None:
            raise _api_error(not_found(resource_type.plural, resource_type.group, name))
        return obj

    def _next_rv(self) -> str:
        self._rv = next(self._revision)
        return str(self._rv)

    def _store(self, resource_type: ResourceType, event_type: str, obj: Object) -> Object:
        obj["metadata"]["resourceVersion"] = self._next_rv()
        self._objects[_type_key(resource_type)][object_key(obj)] = obj
        self._publish(resource_type, event_type, obj)
        return copy.deepcopy(obj)

    def _publish(self, resource_type: ResourceType, event_type: str, obj: Object) -> None:
        type_key = _type_key(resource_type)
        self._history.append((self._rv, type_key, event_type, copy.deepcopy(obj)))
        for watch in self._watches:
            if watch.type_key == type_key and watch.matches(obj):
                watch.queue.put_nowait((event_type, copy.deepcopy(obj)))

    @staticmethod
    def _matcher(resource_type: ResourceType, namespace: str | None,
                 label_selector: str | None, field_selector: str | None) -> Any:
        try:
            labels = parse_label_selector(label_selector or "")
            fields = parse_field_selector(field_selector or "", resource_type.group,
                                          resource_type.kind)
        except StatusError as e:
            raise _api_error(e) from e

        def matches(obj: Object) -> bool:
            meta = obj.get("metadata") or {}
            return ((namespace is None or meta.get("namespace") == namespace)
                    and labels.matches(meta.get("labels")) and fields.matches(obj))

        return matches


def _type_key(resource_type: ResourceType) -> TypeKey:
    return resource_type.group, resource_type.plural


def _api_error(error: StatusError) -> ApiError:
    return ApiError(error.to_status())
