"""HTTP handlers for resource paths: list, watch, get, create, update, patch, delete,
deletecollection and subresources.

Each request is resolved to a :class:`~observe.apiserver.paths.Target`, its query parsed
once into :class:`Query`, and the verb carried out through
:class:`~observe.apiserver.objects.Objects`. Watches stream from the
:class:`~observe.apiserver.watchcache.WatchCache`. Everything a client sends wrong becomes a
Kubernetes ``Status``; nothing here formats errors itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from observe.api import errors
from observe.api import meta as m
from observe.api.patch import apply_patch
from observe.api.registry import ResourceType
from observe.api.selectors import parse_field_selector, parse_label_selector
from observe.api.tables import build_table
from observe.apiserver import codec, subresources
from observe.apiserver.objects import DeleteOptions, Objects
from observe.apiserver.paths import Target
from observe.apiserver.protobuf import Transcoder
from observe.apiserver.watchcache import WatchCache, Watcher
from observe.store.interface import CompactedError, Store

Predicate = Callable[[dict[str, Any]], bool]
INT64 = 2**63
# Kinds whose DELETE answers with the object rather than a Status, as kube-apiserver's
# registries with ReturnDeletedObject do (the official clients deserialize it as the kind).
RETURNS_DELETED_OBJECT = frozenset({
    ("", "Pod"), ("", "Service"), ("", "Namespace"), ("", "ServiceAccount"),
    ("", "PersistentVolume"), ("", "PersistentVolumeClaim")})
DISCONNECT_CHECK_SECONDS = 5.0
# Above this many unsent bytes a watcher's events are queued, not written directly.
DIRECT_WRITE_LIMIT = 256 * 1024


@dataclass(frozen=True)
class Query:
    """The query parameters that change what a request does (others are ignored, as
    kube-apiserver ignores e.g. ``fieldManager`` for non-apply requests)."""

    raw: dict[str, str]
    watch: bool
    dry_run: bool
    label_selector: str
    field_selector: str
    limit: int
    continue_token: str
    resource_version: str
    resource_version_match: str
    timeout_seconds: float | None
    allow_bookmarks: bool
    send_initial_events: bool

    @classmethod
    def parse(cls, query: dict[str, str]) -> Query:
        def flag(name: str) -> bool:
            return query.get(name, "").lower() in ("1", "true")

        def integer(name: str) -> int | None:
            text = query.get(name)
            if text in (None, ""):
                return None
            try:
                value = int(text)
            except ValueError as exc:
                raise errors.bad_request(f"invalid value for {name}: {text!r}") from exc
            if not -INT64 <= value < INT64:  # the query's int64 fields, as in Go
                raise errors.bad_request(f"invalid value for {name}: {text!r}")
            return value

        dry_run = query.get("dryRun", "")
        if dry_run not in ("", "All"):
            raise errors.bad_request(f"unsupported dry run value: {dry_run!r}; only All is "
                                     f"supported")
        limit = integer("limit") or 0
        if limit < 0:
            raise errors.bad_request("limit must not be negative")
        timeout = integer("timeoutSeconds")
        return cls(
            raw=query, watch=flag("watch"), dry_run=bool(dry_run),
            label_selector=query.get("labelSelector", ""),
            field_selector=query.get("fieldSelector", ""),
            limit=limit, continue_token=query.get("continue", ""),
            resource_version=query.get("resourceVersion", ""),
            resource_version_match=query.get("resourceVersionMatch", ""),
            timeout_seconds=float(timeout) if timeout is not None else None,
            allow_bookmarks=flag("allowWatchBookmarks"),
            send_initial_events=flag("sendInitialEvents"),
        )


def build_predicate(rt: ResourceType, query: Query, name: str | None = None
                    ) -> Predicate | None:
    labels = parse_label_selector(query.label_selector) if query.label_selector else None
    field_text = query.field_selector
    if name is not None:
        field_text = f"metadata.name={name}" + (f",{field_text}" if field_text else "")
    fields = parse_field_selector(field_text, rt.group, rt.kind) if field_text else None
    if labels is None and fields is None:
        return None

    def predicate(obj: dict[str, Any]) -> bool:
        if labels is not None and not labels.matches(obj["metadata"].get("labels")):
            return False
        return fields is None or fields.matches(obj)

    return predicate


def sent_up_to(watcher: Watcher, store: Store) -> int:
    """The revision a bookmark may carry: every change up to it has been sent. Events still
    queued (they arrive while a slow client's write is blocked) come after it, so a client
    that resumes from the bookmark gets them from history instead of skipping them."""
    if watcher.queue:
        return watcher.queue[0][1].revision - 1
    return store.current_revision()


def direct_writer(request: web.Request) -> Callable[[bytes], bool]:
    """Write one HTTP chunk straight to the client's transport, as aiohttp's chunked writer
    would frame it; refuse (so the caller queues) when the socket is backed up."""
    transport = request.transport

    def write(data: bytes) -> bool:
        if (transport is None or transport.is_closing()
                or transport.get_write_buffer_size() > DIRECT_WRITE_LIMIT):
            return False
        transport.write(b"%x\r\n%b\r\n" % (len(data), data))
        return True

    return write


class ResourceHandlers:
    def __init__(self, objects: Objects, watch_cache: WatchCache, *,
                 bookmark_interval: float = 60.0, log_proxy: Any = None,
                 exec_proxy: Any = None, transcoder: Transcoder | None = None) -> None:
        self.objects = objects
        self.watch_cache = watch_cache
        self.bookmark_interval = bookmark_interval
        self.log_proxy = log_proxy
        self.exec_proxy = exec_proxy
        self.transcoder = transcoder

    # -- entry ------------------------------------------------------------------------------

    async def handle(self, request: web.Request, target: Target) -> web.StreamResponse:
        query = Query.parse(dict(request.query))
        method = request.method
        if target.subresource:
            return await subresources.handle(self, request, target, query)
        if target.is_collection:
            if method == "GET":
                return await (self.watch(request, target, query) if query.watch
                              else self.list(request, target, query))
            if method == "POST":
                return await self.create(request, target, query)
            if method == "DELETE":
                return await self.delete_collection(request, target, query)
        else:
            if method == "GET":
                if query.watch:
                    return await self.watch(request, target, query, name=target.name)
                return self.get(request, target)
            if method == "PUT":
                return await self.update(request, target, query)
            if method == "PATCH":
                return await self.patch(request, target, query)
            if method == "DELETE":
                return await self.delete(request, target, query)
        raise errors.method_not_allowed(
            f"the server does not allow this method on the requested resource ({method})")

    def _namespace_for_write(self, target: Target) -> str | None:
        if target.resource.namespaced and not target.namespace:
            raise errors.method_not_allowed(
                "the server does not allow this method on the requested resource")
        return target.namespace

    # -- reads ------------------------------------------------------------------------------

    def get(self, request: web.Request, target: Target) -> web.Response:
        obj = self.objects.get(target.resource, target.namespace, target.name or "")
        return self.respond_objects(request, target.resource, [obj], single=True)

    async def list(self, request: web.Request, target: Target, query: Query) -> web.Response:
        rt = target.resource
        page = self.objects.list(
            rt, target.namespace, build_predicate(rt, query), limit=query.limit,
            continue_token=query.continue_token, resource_version=query.resource_version,
            resource_version_match=query.resource_version_match)
        list_meta: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
        if page.continue_token:
            list_meta["continue"] = page.continue_token
        if codec.wants_table(request.headers.get("Accept")):
            table = self.table(request, rt, page.items)
            table["metadata"] = list_meta
            return codec.json_response(table)
        return codec.json_response({"kind": rt.list_kind, "apiVersion": rt.api_version,
                                    "metadata": list_meta,
                                    "items": [self._typed(rt, o) for o in page.items]})

    @staticmethod
    def _typed(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        return obj

    def table(self, request: web.Request, rt: ResourceType,
              items: list[dict[str, Any]]) -> dict[str, Any]:
        return build_table(rt.group, rt.kind, items, m.now(),
                           codec.table_include_object(dict(request.query)))

    def respond_objects(self, request: web.Request, rt: ResourceType,
                        items: list[dict[str, Any]], *, single: bool,
                        status: int = 200) -> web.Response:
        if codec.wants_table(request.headers.get("Accept")):
            return codec.json_response(self.table(request, rt, items), status)
        return codec.json_response(self._typed(rt, items[0]) if single else items, status)

    # -- writes -----------------------------------------------------------------------------

    async def create(self, request: web.Request, target: Target, query: Query
                     ) -> web.Response:
        namespace = self._namespace_for_write(target)
        body = await self.read_object(request)
        obj = self.objects.create(target.resource, namespace, body, dry_run=query.dry_run)
        return self.respond_objects(request, target.resource, [obj], single=True, status=201)

    async def update(self, request: web.Request, target: Target, query: Query,
                     subresource: str | None = None) -> web.Response:
        body = await self.read_object(request)
        obj = self.objects.update(target.resource, target.namespace, target.name or "", body,
                                  subresource=subresource, dry_run=query.dry_run)
        return self.respond_objects(request, target.resource, [obj], single=True)

    async def decode(self, request: web.Request, body: bytes) -> dict[str, Any]:
        return await codec.decode_body(body, request.headers.get("Content-Type", ""),
                                       self.transcoder)

    async def read_object(self, request: web.Request) -> dict[str, Any]:
        return await self.decode(request, await codec.read_body(request))

    async def read_patch(self, request: web.Request) -> tuple[bytes, str]:
        content_type = codec.media_type(request.headers.get("Content-Type"))
        if content_type not in codec.PATCH_TYPES:
            raise errors.unsupported_media_type(content_type)
        return await codec.read_body(request), content_type

    async def patch(self, request: web.Request, target: Target, query: Query,
                    subresource: str | None = None) -> web.Response:
        body, content_type = await self.read_patch(request)
        rt, name = target.resource, target.name or ""
        current = self.objects.get(rt, target.namespace, name)
        patched = apply_patch(current, body, content_type, rt.group, rt.kind)
        if not isinstance(patched, dict):
            raise errors.bad_request("the patch does not produce an object")
        obj = self.objects.update(rt, target.namespace, name, patched, subresource=subresource,
                                  dry_run=query.dry_run, current=current)
        return self.respond_objects(request, rt, [obj], single=True)

    async def delete_options(self, request: web.Request, query: Query) -> DeleteOptions:
        body_bytes = await codec.read_body(request)
        body = None
        if body_bytes.strip():
            body = await self.decode(request, body_bytes)
        return DeleteOptions.from_dict(body, query.raw)

    async def delete(self, request: web.Request, target: Target, query: Query
                     ) -> web.Response:
        options = await self.delete_options(request, query)
        rt = target.resource
        obj, gone = self.objects.delete(rt, target.namespace, target.name or "", options,
                                        dry_run=query.dry_run)
        if gone and (rt.group, rt.kind) not in RETURNS_DELETED_OBJECT:
            return codec.json_response(codec.success_status(
                target.name or "", rt.group, rt.plural, obj["metadata"].get("uid")))
        return self.respond_objects(request, rt, [obj], single=True)

    async def delete_collection(self, request: web.Request, target: Target, query: Query
                                ) -> web.Response:
        options = await self.delete_options(request, query)
        rt = target.resource
        page = self.objects.list(rt, target.namespace, build_predicate(rt, query))
        deleted = []
        for obj in page.items:
            meta = obj["metadata"]
            with contextlib.suppress(errors.StatusError):  # gone meanwhile: nothing to do
                final, _ = self.objects.delete(rt, meta.get("namespace"), meta["name"],
                                               options, dry_run=query.dry_run)
                deleted.append(self._typed(rt, final))
        return codec.json_response({
            "kind": rt.list_kind, "apiVersion": rt.api_version,
            "metadata": {"resourceVersion": str(self.objects.store.current_revision())},
            "items": deleted})

    # -- watch ------------------------------------------------------------------------------

    async def watch(self, request: web.Request, target: Target, query: Query,
                    name: str | None = None) -> web.StreamResponse:
        rt = target.resource
        predicate = build_predicate(rt, query, name)
        as_table = codec.wants_table(request.headers.get("Accept"))
        include = codec.table_include_object(query.raw)
        initial: list[dict[str, Any]] = []
        if query.send_initial_events:
            if query.resource_version_match != "NotOlderThan" or not query.allow_bookmarks:
                raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.Cause(
                    "sendInitialEvents", "sendInitialEvents requires allowWatchBookmarks=true "
                    "and resourceVersionMatch=NotOlderThan", "FieldValueForbidden")])
        elif query.resource_version_match:
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.Cause(
                "resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless "
                "sendInitialEvents is provided", "FieldValueForbidden")])
        # The initial list and the registration happen without yielding to the event loop,
        # so no change can slip between them.
        expired: CompactedError | None = None
        watcher: Watcher | None = None
        if query.send_initial_events or query.resource_version in ("", "0"):
            page = self.objects.list(rt, target.namespace, predicate)
            initial, start = page.items, page.resource_version
        else:
            try:
                start = int(query.resource_version)
            except ValueError as exc:
                raise errors.bad_request(
                    f"invalid resource version: {query.resource_version!r}") from exc
        try:
            watcher = self.watch_cache.register(rt.store_prefix(target.namespace), predicate,
                                                start)
        except CompactedError as exc:
            expired = exc
        response = web.StreamResponse(headers={"Content-Type": codec.JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)

        def encode(event_type: str, obj: dict[str, Any]) -> bytes:
            if as_table:
                obj = build_table(rt.group, rt.kind, [obj], m.now(), include)
            return orjson.dumps({"type": event_type, "object": obj}) + b"\n"

        def bookmark(revision: int, initial_end: bool = False) -> bytes:
            meta: dict[str, Any] = {"resourceVersion": str(revision)}
            if initial_end:
                meta["annotations"] = {"k8s.io/initial-events-end": "true"}
            return orjson.dumps({"type": "BOOKMARK", "object": {
                "kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}}) + b"\n"

        if expired is not None:
            status = errors.gone(f"too old resource version: {expired.requested} "
                                 f"({expired.compacted})").to_status()
            await response.write(orjson.dumps({"type": "ERROR", "object": status}) + b"\n")
            await response.write_eof()
            return response
        assert watcher is not None
        try:
            if initial:
                await response.write(b"".join(encode("ADDED", self._typed(rt, o))
                                              for o in initial))
            if query.send_initial_events:
                await response.write(bookmark(start, initial_end=True))
            if not as_table:
                watcher.direct = direct_writer(request)
            await self._stream(request, response, watcher, query, encode, bookmark,
                               as_table)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.watch_cache.unregister(watcher)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    async def _stream(self, request: web.Request, response: web.StreamResponse,
                      watcher: Watcher, query: Query,
                      encode: Callable[[str, dict[str, Any]], bytes],
                      bookmark: Callable[[int], bytes], as_table: bool) -> None:
        timeout = query.timeout_seconds
        if timeout is None:
            timeout = random.uniform(1800, 3600)  # kube-apiserver's default spread
        deadline = time.monotonic() + timeout
        next_bookmark = time.monotonic() + self.bookmark_interval
        store = self.objects.store
        while True:
            now = time.monotonic()
            if now >= deadline:
                if query.allow_bookmarks:
                    await response.write(bookmark(sent_up_to(watcher, store)))
                return
            if query.allow_bookmarks and now >= next_bookmark and not watcher.queue:
                await response.write(bookmark(store.current_revision()))
                next_bookmark = now + self.bookmark_interval
            wait_until = min(deadline, next_bookmark) if query.allow_bookmarks else deadline
            # A client that hung up is only noticed here: look every few seconds.
            wait_until = min(wait_until, now + DISCONNECT_CHECK_SECONDS)
            if request.transport is None or request.transport.is_closing():
                return
            if not watcher.queue and not watcher.closed:
                watcher.wakeup.clear()
                # asyncio.timeout, unlike wait_for, starts no task per wait: with a
                # thousand watchers woken per change that difference is most of the cost.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, wait_until - time.monotonic())):
                        await watcher.wakeup.wait()
            if watcher.queue:
                chunk = []
                while watcher.queue:
                    event_type, event = watcher.queue.popleft()
                    chunk.append(encode(event_type, event.obj) if as_table
                                 else event.line(event_type))
                await response.write(b"".join(chunk))
            elif watcher.closed:
                return
