"""Informers: a local, continuously updated copy of one collection, with change handlers.

Sits between the REST client (:mod:`observe.client.rest`, or any object with its ``list``
and ``watch``) and the controllers, scheduler, kubelet and exporters. It behaves like
client-go's reflector and shared informer, so the apiserver sees the same traffic:

1. list in pages of 500 from the latest state, and replace the cache (:mod:`.cache`);
2. watch from the list's resourceVersion with ``allowWatchBookmarks=true`` and a random
   ``timeoutSeconds`` in [300, 600); when the server ends the watch, watch again from the
   last resourceVersion seen (bookmarks move it too);
3. on 410 Gone (answer or ``ERROR`` event) list again, telling handlers only what differs;
4. on connection errors, back off with jitter (800 ms doubling to 30 s) and watch again.

Handlers are plain functions called on the event loop after the cache is updated; like
client-go's, they should only enqueue a key (:mod:`.workqueue`), never block.
:class:`SharedInformerFactory` hands one informer per collection to every consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from observe.api.registry import ResourceType
from observe.client.backoff import Backoff
from observe.client.cache import Object, Store, resource_version
from observe.client.clock import Clock, LoopClock
from observe.client.errors import ApiError, ClientError, ConnectionFailed

log = logging.getLogger(__name__)

PAGE_SIZE = 500
WATCH_TIMEOUT_RANGE = (300, 600)
# A watch that ends this fast without a single event means the server hangs up at once;
# rewatching immediately would spin, so it counts as a failure.
SHORT_WATCH_SECONDS = 1.0


class ListerWatcher(Protocol):
    """The part of :class:`~observe.client.rest.ApiClient` an informer uses."""

    async def list(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
    ) -> dict[str, Any]: ...

    def watch(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = False,
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]: ...


@dataclass(frozen=True)
class Handler:
    """One consumer's callbacks; any of them may be ``None``."""

    on_add: Callable[[Object], None] | None = None
    on_update: Callable[[Object, Object], None] | None = None
    on_delete: Callable[[Object], None] | None = None


class _Relist(Exception):
    """Internal: the watch cannot continue from the resourceVersion it has."""


class Informer:
    """List+watch of one collection (a type, optionally one namespace and selectors)."""

    def __init__(
        self,
        client: ListerWatcher,
        resource_type: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        *,
        page_size: int = PAGE_SIZE,
        watch_timeout_range: tuple[int, int] = WATCH_TIMEOUT_RANGE,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.resource_type = resource_type
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.page_size = page_size
        self.watch_timeout_range = watch_timeout_range
        self.store = Store()
        self._clock = clock or LoopClock()
        self._rand = rand
        self._backoff = Backoff(rand=rand)
        self._handlers: list[Handler] = []
        self._resource_version: str | None = None
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def __repr__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"<Informer {self.resource_type.plural}{where}>"

    # -- reading -----------------------------------------------------------------------------

    def get(self, namespace: str | None, name: str) -> Object | None:
        return self.store.get(namespace, name)

    def list(self, namespace: str | None = None) -> list[Object]:
        return self.store.list(namespace)

    @property
    def has_synced(self) -> bool:
        """The first list has been applied and its handlers called."""
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait for :attr:`has_synced`; ``False`` if ``timeout`` seconds pass first."""
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The task running :meth:`run`, while it runs."""
        return self._task

    @property
    def last_sync_resource_version(self) -> str | None:
        """Where the next watch starts."""
        return self._resource_version

    # -- handlers ----------------------------------------------------------------------------

    def add_handler(
        self,
        on_add: Callable[[Object], None] | None = None,
        on_update: Callable[[Object, Object], None] | None = None,
        on_delete: Callable[[Object], None] | None = None,
    ) -> Handler:
        """Register callbacks. A late consumer first gets ``on_add`` for every object
        already cached, so it sees the same world as the early ones."""
        handler = Handler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        if on_add is not None:
            for obj in self.store.list():
                self._call(on_add, obj)
        return handler

    def remove_handler(self, handler: Handler) -> None:
        with contextlib.suppress(ValueError):
            self._handlers.remove(handler)

    # -- running -----------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run in a new task (idempotent); :meth:`stop` ends it."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=repr(self))
        return self._task

    def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> None:
        """List and watch until :meth:`stop`."""
        current = asyncio.current_task()
        if self._task is not None and self._task is not current:
            raise RuntimeError(f"{self!r} is already running")
        self._task = current
        try:
            while not self._stopping:
                try:
                    if await self._list_and_sync():
                        await self._watch_until_relist()
                except (ClientError, asyncio.CancelledError):
                    raise
                except Exception:
                    # A bug or an object shaped beyond belief: keep serving from a fresh list
                    # rather than leave every consumer with a cache that silently went stale.
                    delay = self._backoff.next()
                    log.exception("%r: unexpected failure; listing again in %.1fs", self, delay)
                    await self._clock.sleep(delay)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # The cancellation was stop()'s own; a caller awaiting run() inside a bigger task
            # must not find that task still marked as being cancelled.
            if current is not None:
                current.uncancel()
        finally:
            self._task = None

    async def _list_and_sync(self) -> bool:
        """List everything and replace the cache; ``False`` (after backing off) on failure."""
        try:
            items, list_rv = await self._list_pages()
        except ClientError as e:
            delay = self._backoff.next()
            log.warning("%r: list failed (%s); retrying in %.1fs", self, e, delay)
            await self._clock.sleep(delay)
            return False
        self._backoff.reset()
        changes = self.store.replace(items)
        self._resource_version = list_rv
        for obj in changes.added:
            self._emit_add(obj)
        for old, new in changes.updated:
            self._emit_update(old, new)
        for obj in changes.deleted:
            self._emit_delete(obj)
        self._synced.set()
        return True

    async def _list_pages(self) -> tuple[list[Object], str | None]:
        items: list[Object] = []
        list_rv: str | None = None
        token: str | None = None
        while True:
            page = await self.client.list(
                self.resource_type,
                namespace=self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=self.page_size,
                continue_=token,
            )
            metadata = page.get("metadata") or {}
            list_rv = list_rv or metadata.get("resourceVersion")
            items.extend(self._typed(obj) for obj in page.get("items") or [])
            token = metadata.get("continue")
            if not token:
                return items, list_rv

    async def _watch_until_relist(self) -> None:
        """Watch, and watch again, until only a new list can continue."""
        while not self._stopping:
            try:
                await self._watch_once()
            except _Relist as e:
                log.info("%r: %s; listing again", self, e)
                return
            except ClientError as e:
                delay = self._backoff.next()
                log.warning("%r: watch failed (%s); retrying in %.1fs", self, e, delay)
                await self._clock.sleep(delay)
                # Only a server that is busy or unreachable is worth watching again from the
                # same point; anything else may be a broken state only a list can repair.
                if not _worth_rewatching(e):
                    return

    async def _watch_once(self) -> None:
        lo, hi = self.watch_timeout_range
        timeout = int(lo + (hi - lo) * self._rand())
        started = self._clock.now()
        events = 0
        stream = self.client.watch(
            self.resource_type,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=self._resource_version,
            timeout_seconds=timeout,
            allow_bookmarks=True,
        )
        try:
            async with contextlib.aclosing(stream):
                async for event_type, obj in stream:
                    events += 1
                    self._apply(event_type, obj)
        except ApiError as e:
            if e.gone:
                raise _Relist(f"watch from resourceVersion {self._resource_version} "
                              f"is gone: {e.message}") from e
            raise
        if events == 0 and self._clock.now() - started < SHORT_WATCH_SECONDS:
            raise ConnectionFailed("the watch ended at once without an event")
        self._backoff.reset()

    def _apply(self, event_type: str, obj: Object) -> None:
        if event_type == "ERROR":
            raise ApiError(obj)
        if event_type in ("ADDED", "MODIFIED"):
            obj = self._typed(obj)
            old = self.store.upsert(obj)
            if old is None:
                self._emit_add(obj)
            else:
                self._emit_update(old, obj)
        elif event_type == "DELETED":
            obj = self._typed(obj)
            self.store.remove(obj)
            self._emit_delete(obj)
        elif event_type != "BOOKMARK":
            log.warning("%r: ignoring watch event of unknown type %r", self, event_type)
            return
        self._resource_version = resource_version(obj) or self._resource_version

    def _typed(self, obj: Object) -> Object:
        # List items come without kind and apiVersion; handlers get the same shape from both.
        obj.setdefault("kind", self.resource_type.kind)
        obj.setdefault("apiVersion", self.resource_type.api_version)
        return obj

    # -- dispatch ----------------------------------------------------------------------------

    def _emit_add(self, obj: Object) -> None:
        for h in list(self._handlers):
            if h.on_add is not None:
                self._call(h.on_add, obj)

    def _emit_update(self, old: Object, new: Object) -> None:
        for h in list(self._handlers):
            if h.on_update is not None:
                self._call(h.on_update, old, new)

    def _emit_delete(self, obj: Object) -> None:
        for h in list(self._handlers):
            if h.on_delete is not None:
                self._call(h.on_delete, obj)

    def _call(self, fn: Callable[..., Any], *args: Object) -> None:
        # One consumer's bug must not stop the others, nor the informer itself.
        try:
            fn(*args)
        except Exception:
            log.exception("%r: event handler %r failed", self, fn)


def _worth_rewatching(error: ClientError) -> bool:
    return isinstance(error, ConnectionFailed) or (
        isinstance(error, ApiError) and error.retryable
    )


InformerKey = tuple[str, str, str | None, str | None, str | None]


class SharedInformerFactory:
    """One informer per collection, shared by every consumer that asks for it."""

    def __init__(self, client: ListerWatcher, **informer_options: Any) -> None:
        self.client = client
        self.informer_options = informer_options
        self._informers: dict[InformerKey, Informer] = {}

    def informer(
        self,
        resource_type: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Informer:
        key = (resource_type.group, resource_type.plural, namespace or None,
               label_selector or None, field_selector or None)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.client, resource_type, namespace or None,
                                label_selector or None, field_selector or None,
                                **self.informer_options)
            self._informers[key] = informer
        return informer

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    def start(self) -> None:
        """Start every informer not yet running (call again after asking for more)."""
        for informer in self._informers.values():
            informer.start()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Wait until every informer has synced; ``False`` if ``timeout`` passes first."""
        waits = [i.wait_synced() for i in self._informers.values()]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        except TimeoutError:
            return False
        return True

    async def shutdown(self) -> None:
        """Stop every informer and wait for them to finish."""
        tasks = [t for i in self._informers.values() if (t := i.task) is not None]
        for informer in self._informers.values():
            informer.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
