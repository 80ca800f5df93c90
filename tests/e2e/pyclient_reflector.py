"""A replay of client-go's reflector over raw HTTP, to test the list/watch wire protocol.

Informers in Go programs (controllers, Prometheus' Kubernetes discovery, kube-state-metrics)
all sit on ``k8s.io/client-go/tools/cache/reflector.go``. :class:`Reflector` sends the
requests it sends, in its order, and reacts to answers as it does, so a test can check that
an apiserver keeps such a cache exact:

1. WatchList (client-go >= 1.35 by default): ``watch=true&sendInitialEvents=true&
   resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=``; ADDED
   events fill a temporary store until the BOOKMARK annotated
   ``k8s.io/initial-events-end: "true"``, which replaces the cache and gives the
   resourceVersion to go on from, on the same stream. Any error falls back to 2.
2. LIST ``resourceVersion=0&limit=500`` through client-go's pager (``continue`` pages, and a
   whole unpaged list when a continue token has expired).
3. WATCH ``allowWatchBookmarks=true&resourceVersion=<rv>&timeoutSeconds=<random>``; when the
   server ends it, watch again from the last resourceVersion seen (bookmarks move it);
   connection refused or 429 back off and retry; 410 Gone (answer or ERROR event) marks the
   resourceVersion unavailable and starts over with a consistent (``resourceVersion=``) list.

Every run of list-and-watch is followed by a back-off sleep, as ``wait.BackoffUntil`` does.
While it runs the reflector also checks what the protocol promises — kinds, metadata,
resourceVersions only moving forward — and records breaches in
:attr:`ReflectorStats.protocol_errors` instead of raising, so a test reports them all.
Nothing here is observe's own client code: it is the independent witness the tests need.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from observe.client.backoff import Backoff

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
PAGE_SIZE = 500
WATCH_TIMEOUT = (300, 600)  # client-go: a random timeoutSeconds in [5 min, 10 min)
# client-go treats a watch that ends this soon without any event as broken.
SHORT_WATCH_SECONDS = 1.0
BACKOFF_RESET_SECONDS = 120.0
Object = dict[str, Any]


class Expired(Exception):
    """410 Gone: the resourceVersion asked for has been compacted away."""


class Refused(Exception):
    """The server answered a request with an error status (other than 410 and 429)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status


class Retriable(Exception):
    """What client-go retries after a back-off without listing again: 429."""


@dataclass
class Request:
    """One request as sent: ``what`` is ``list``, ``watch`` or ``watchlist``."""

    what: str
    query: dict[str, str]
    status: int | None = None  # None: no answer (connection refused or cut)


@dataclass
class ReflectorStats:
    requests: list[Request] = field(default_factory=list)
    lists: int = 0  # complete LISTs that replaced the cache
    watch_lists: int = 0  # WatchLists that replaced the cache
    expired: int = 0  # 410s seen, as an answer or an ERROR event
    bookmarks: int = 0
    initial_events_ends: int = 0
    events: int = 0  # ADDED, MODIFIED and DELETED applied
    full_list_fallbacks: int = 0  # pager: continue token expired, listed unpaged
    protocol_errors: list[str] = field(default_factory=list)

    @property
    def syncs(self) -> int:
        return self.lists + self.watch_lists

    def of(self, what: str) -> list[Request]:
        return [r for r in self.requests if r.what == what]


def object_key(obj: Object) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))


def rv_of(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class EventStream:
    """The watch events of one open response, one JSON document per line."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self._lines: AsyncGenerator[bytes, None] = self._split(response)

    @staticmethod
    async def _split(response: aiohttp.ClientResponse) -> AsyncGenerator[bytes, None]:
        # By hand: StreamReader.readline refuses lines over 64 KiB, and a line is an object.
        pending = bytearray()
        async for chunk in response.content.iter_any():
            pending += chunk
            while (end := pending.find(b"\n")) != -1:
                line = bytes(pending[:end])
                del pending[:end + 1]
                if line.strip():
                    yield line
        # Whatever follows the last newline is half an event from a cut stream: dropped.

    async def next(self) -> tuple[str, Object] | None:
        """The next ``(type, object)``, or None when the server (or the network) ended it."""
        try:
            line = await anext(self._lines)
        except StopAsyncIteration:
            return None
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError, TimeoutError):
            return None  # a cut stream ends the watch like a closed one (client-go's decoder)
        event = orjson.loads(line)
        return event["type"], event["object"]

    async def close(self) -> None:
        await self._lines.aclose()
        self.response.close()


class Reflector:
    """One collection kept in :attr:`items` (``namespace/name`` -> object) by list+watch."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, path: str, *,
                 kind: str, api_version: str, label_selector: str | None = None,
                 watch_list: bool = True, page_size: int = PAGE_SIZE,
                 watch_timeout: tuple[int, int] = WATCH_TIMEOUT,
                 backoff: Backoff | None = None, rand: random.Random | None = None) -> None:
        self.session = session
        self.url = base_url.rstrip("/") + path
        self.kind = kind
        self.api_version = api_version
        self.label_selector = label_selector
        self.watch_list = watch_list
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.rand = rand or random.Random()
        self.backoff = backoff or Backoff(rand=self.rand.random)
        self.items: dict[str, Object] = {}
        self.stats = ReflectorStats()
        self.synced = asyncio.Event()
        self.last_sync_resource_version = ""
        self._resource_version_unavailable = False
        self._last_backoff = time.monotonic()

    def versions(self) -> dict[str, str]:
        """``namespace/name`` -> resourceVersion of every cached object."""
        return {key: rv_of(obj) for key, obj in self.items.items()}

    # -- the outer loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until cancelled."""
        while True:
            try:
                await self.list_and_watch()
            except (aiohttp.ClientError, Retriable, Refused, TimeoutError):
                pass  # client-go logs it; BackoffUntil below is the retry
            except Expired:
                self._resource_version_unavailable = True
            await asyncio.sleep(self._backoff_delay())

    async def list_and_watch(self) -> None:
        stream: EventStream | None = None
        if self.watch_list:
            stream = await self._watch_list()
        if stream is None:
            await self._list()
        await self._watch(stream)

    def _backoff_delay(self) -> float:
        # client-go's backoff manager starts over after two quiet minutes.
        now = time.monotonic()
        if now - self._last_backoff > BACKOFF_RESET_SECONDS:
            self.backoff.reset()
        self._last_backoff = now
        return self.backoff.next()

    # -- requests ---------------------------------------------------------------------------

    def _query(self, **params: str) -> dict[str, str]:
        if self.label_selector:
            params["labelSelector"] = self.label_selector
        return params

    async def _send(self, what: str, query: dict[str, str]) -> aiohttp.ClientResponse:
        """The response of a 200; :class:`Expired`, :class:`Retriable` or :class:`Refused`
        for the rest. Connection errors propagate as aiohttp raises them."""
        record = Request(what, query)
        self.stats.requests.append(record)
        response = await self.session.get(self.url, params=query,
                                          headers={"Accept": "application/json, */*"})
        record.status = response.status
        if response.status == 200:
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("application/json"):
                self.stats.protocol_errors.append(f"{what} answered {content_type!r}")
            return response
        body = await response.read()
        response.release()
        if response.status == 410:
            self.stats.expired += 1
            raise Expired(body.decode("utf-8", "replace"))
        if response.status == 429:
            raise Retriable(body.decode("utf-8", "replace"))
        raise Refused(response.status, body)

    def _timeout_seconds(self) -> str:
        low, high = self.watch_timeout
        return str(int(low + (high - low) * self.rand.random()))

    # -- LIST -------------------------------------------------------------------------------

    def _relist_resource_version(self) -> str:
        if self._resource_version_unavailable:
            return ""  # a consistent read: the cache had lost its place
        return self.last_sync_resource_version or "0"

    async def _list(self) -> None:
        """client-go's pager: pages of ``page_size`` from one snapshot; a continue token that
        expired mid-way means one unpaged list at the same resourceVersion."""
        requested = self._relist_resource_version()
        query = self._query(resourceVersion=requested, limit=str(self.page_size))
        page = await self._read_json(await self._send("list", query))
        items: list[Object] = list(page.get("items") or [])
        list_rv = str((page.get("metadata") or {}).get("resourceVersion") or "")
        while token := (page.get("metadata") or {}).get("continue"):
            # Later pages name the snapshot by the token alone (kubernetes#85221).
            query = self._query(limit=str(self.page_size), **{"continue": token})
            try:
                page = await self._read_json(await self._send("list", query))
            except Expired:
                self.stats.full_list_fallbacks += 1
                page = await self._read_json(await self._send(
                    "list", self._query(resourceVersion=requested)))
                items = list(page.get("items") or [])
                list_rv = str((page.get("metadata") or {}).get("resourceVersion") or "")
                break
            items += page.get("items") or []
            page_rv = str((page.get("metadata") or {}).get("resourceVersion") or "")
            if page_rv != list_rv:
                self.stats.protocol_errors.append(
                    f"a continue page at resourceVersion {page_rv}, the list at {list_rv}")
        if not list_rv:
            self.stats.protocol_errors.append("a list without metadata.resourceVersion")
        self._check_items(items, "list")
        self.items = {object_key(obj): obj for obj in items}
        self.last_sync_resource_version = list_rv
        self._resource_version_unavailable = False
        self.stats.lists += 1
        self.synced.set()

    async def _read_json(self, response: aiohttp.ClientResponse) -> Object:
        try:
            return orjson.loads(await response.read())
        finally:
            response.release()

    def _check_items(self, items: list[Object], where: str) -> None:
        for obj in items:
            meta = obj.get("metadata") or {}
            missing = [f for f in ("name", "uid", "resourceVersion") if not meta.get(f)]
            if missing:
                self.stats.protocol_errors.append(f"{where}: {object_key(obj)} lacks {missing}")

    # -- WatchList --------------------------------------------------------------------------

    async def _watch_list(self) -> EventStream | None:
        """The synced stream, or None when the server refused and LIST must do."""
        query = self._query(
            watch="true", sendInitialEvents="true", resourceVersionMatch="NotOlderThan",
            allowWatchBookmarks="true",
            resourceVersion="" if self._resource_version_unavailable
            else self.last_sync_resource_version,
            timeoutSeconds=self._timeout_seconds())
        try:
            stream = EventStream(await self._send("watchlist", query))
        except Refused:
            return None
        except Expired:
            self._resource_version_unavailable = True
            return None
        try:
            synced = await self._initial_events(stream)
        except BaseException:
            await stream.close()
            raise
        if not synced:
            await stream.close()
            return None
        return stream

    async def _initial_events(self, stream: EventStream) -> bool:
        """Fill a temporary store until the initial-events-end bookmark, then replace the
        cache with it. False when the stream ended or failed before that bookmark."""
        store: dict[str, Object] = {}
        highest = 0
        while (event := await stream.next()) is not None:
            event_type, obj = event
            if event_type == "BOOKMARK":
                self.stats.bookmarks += 1
                annotations = (obj.get("metadata") or {}).get("annotations") or {}
                if annotations.get(INITIAL_EVENTS_END) == "true":
                    break
            elif event_type == "ERROR":
                if obj.get("code") == 410:
                    self.stats.expired += 1
                    self._resource_version_unavailable = True
                return False
            else:
                self._check_event(event_type, obj, None)
                if event_type == "DELETED":
                    store.pop(object_key(obj), None)
                else:
                    store[object_key(obj)] = obj
                highest = max(highest, int(rv_of(obj) or 0))
        if event is None:
            return False
        end_rv = rv_of(obj)
        if not end_rv or int(end_rv) < highest:
            self.stats.protocol_errors.append(
                f"initial-events-end bookmark at {end_rv!r} below an initial event at {highest}")
        self.stats.initial_events_ends += 1
        self.items = store
        self.last_sync_resource_version = end_rv
        self._resource_version_unavailable = False
        self.stats.watch_lists += 1
        self.synced.set()
        return True

    # -- WATCH ------------------------------------------------------------------------------

    async def _watch(self, stream: EventStream | None) -> None:
        """Watch until only a new list can go on: returns, or raises :class:`Expired`."""
        while True:
            if stream is None:
                query = self._query(watch="true", allowWatchBookmarks="true",
                                    resourceVersion=self.last_sync_resource_version,
                                    timeoutSeconds=self._timeout_seconds())
                try:
                    stream = EventStream(await self._send("watch", query))
                except (aiohttp.ClientConnectionError, Retriable):
                    await asyncio.sleep(self._backoff_delay())
                    continue
            started, events = time.monotonic(), 0
            try:
                while (event := await stream.next()) is not None:
                    events += 1
                    self._apply(*event)
            finally:
                await stream.close()
            stream = None
            if events == 0 and time.monotonic() - started < SHORT_WATCH_SECONDS:
                return  # "very short watch": list again after the back-off

    def _apply(self, event_type: str, obj: Object) -> None:
        if event_type == "ERROR":
            if obj.get("code") == 410:
                self.stats.expired += 1
                raise Expired(str(obj.get("message")))
            raise Refused(int(obj.get("code") or 0), orjson.dumps(obj))
        if event_type == "BOOKMARK":
            self.stats.bookmarks += 1
            rv = rv_of(obj)
            if not rv or int(rv) < int(self.last_sync_resource_version or 0):
                self.stats.protocol_errors.append(
                    f"bookmark at {rv!r} after {self.last_sync_resource_version}")
            self.last_sync_resource_version = rv or self.last_sync_resource_version
            return
        self._check_event(event_type, obj, self.last_sync_resource_version)
        if event_type == "DELETED":
            self.items.pop(object_key(obj), None)
        elif event_type in ("ADDED", "MODIFIED"):
            self.items[object_key(obj)] = obj
        else:
            self.stats.protocol_errors.append(f"unknown watch event type {event_type!r}")
            return
        self.stats.events += 1
        self.last_sync_resource_version = rv_of(obj)

    def _check_event(self, event_type: str, obj: Object, after: str | None) -> None:
        """What every watch event must be: the watched kind, named, with a uid and a
        resourceVersion newer than the last one seen (``after``; None while initial events
        arrive, which carry each object's own, older version)."""
        if (obj.get("kind"), obj.get("apiVersion")) != (self.kind, self.api_version):
            self.stats.protocol_errors.append(
                f"{event_type} of {obj.get('apiVersion')}/{obj.get('kind')}, "
                f"watching {self.api_version}/{self.kind}")
        self._check_items([obj], event_type)
        rv = rv_of(obj)
        if after and rv and int(rv) <= int(after):
            self.stats.protocol_errors.append(
                f"{event_type} {object_key(obj)} at {rv}, not after {after}")
