"""A blocking facade over :class:`~observe.client.rest.ApiClient` for the CLI.

The CLI is ordinary sequential code; everything else in observe is async. Rather than a
second HTTP stack, :class:`SyncClient` runs one ``ApiClient`` on a private event loop in a
background thread and waits for each call's result, so requests, errors (:class:`ApiError`,
:class:`ConnectionFailed`) and metrics are exactly those of the async client.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from prometheus_client import CollectorRegistry

from observe.api.registry import ResourceType
from observe.client.config import ClientConfig
from observe.client.errors import ApiError, ConnectionFailed
from observe.client.rest import ApiClient, PatchType, Response

__all__ = ["ApiError", "ConnectionFailed", "Response", "Stream", "SyncClient"]

_T = TypeVar("_T")
_END = object()


class SyncClient:
    """Blocking client of one apiserver; use as ``with SyncClient(config) as api:``.

    Every method mirrors the :class:`ApiClient` method of the same name and signature.
    Streams (:meth:`stream_lines`, :meth:`watch`) are :class:`Stream` iterators: they hang
    up when closed or interrupted with Ctrl-C while waiting (the ``KeyboardInterrupt`` then
    goes on to the caller)::

        with api.stream_lines("GET", path, params={"follow": True}) as lines:
            for line in lines:
                sys.stdout.buffer.write(line)
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        registry: CollectorRegistry | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.config = config
        self._api = ApiClient(config, registry=registry, timeout=timeout)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="observe-sync-client", daemon=True
        )
        self._thread.start()
        self._closed = False

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the background loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()

    async def _shutdown(self) -> None:
        # Streams the caller never closed still have pump tasks; end them before the loop.
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._api.close()

    # -- raw ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
        accept: str | None = None,
        timeout: float | None = None,
    ) -> Response:
        return self._call(self._api.request(method, path, params=params, body=body,
                                            content_type=content_type, accept=accept,
                                            timeout=timeout))

    def stream_lines(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        accept: str | None = None,
        read_timeout: float | None = None,
    ) -> Stream[bytes]:
        """Lines of a streamed answer (``logs -f``, raw watches) as they arrive, each with
        its newline."""
        return self._iterate(lambda: self._api.stream_lines(
            method, path, params=params, accept=accept, read_timeout=read_timeout))

    # -- typed verbs ---------------------------------------------------------------------------

    def get(self, resource_type: ResourceType, name: str, **kwargs: Any) -> dict[str, Any]:
        return self._call(self._api.get(resource_type, name, **kwargs))

    def list(self, resource_type: ResourceType, **kwargs: Any) -> dict[str, Any]:
        return self._call(self._api.list(resource_type, **kwargs))

    def list_all(self, resource_type: ResourceType, **kwargs: Any) -> dict[str, Any]:
        return self._call(self._api.list_all(resource_type, **kwargs))

    def create(
        self, resource_type: ResourceType, body: Mapping[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        return self._call(self._api.create(resource_type, body, **kwargs))

    def replace(
        self, resource_type: ResourceType, body: Mapping[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        return self._call(self._api.replace(resource_type, body, **kwargs))

    def patch(
        self,
        resource_type: ResourceType,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType = "strategic",
        **kwargs: Any,
    ) -> dict[str, Any]:
        return self._call(self._api.patch(resource_type, name, patch, patch_type=patch_type,
                                          **kwargs))

    def delete(self, resource_type: ResourceType, name: str, **kwargs: Any) -> dict[str, Any]:
        return self._call(self._api.delete(resource_type, name, **kwargs))

    def watch(
        self, resource_type: ResourceType, **kwargs: Any
    ) -> Stream[tuple[str, dict[str, Any]]]:
        return self._iterate(lambda: self._api.watch(resource_type, **kwargs))

    # -- bridging the loop -------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        if self._closed:
            coro.close()
            raise RuntimeError("SyncClient is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise

    def _iterate(self, open_stream: Callable[[], AsyncIterator[_T]]) -> Stream[_T]:
        if self._closed:
            raise RuntimeError("SyncClient is closed")
        return Stream(self._loop, open_stream)


class Stream(Iterator[_T], Generic[_T]):
    """A blocking iterator over an async stream running on the client's loop.

    A pump task on the loop owns the async iterator, so hanging up (cancelling the pump)
    never races with a pending read; it reads the next item only once the previous one has
    been taken, so a slow reader holds the stream back instead of buffering it. Use it as a
    context manager (or call :meth:`close`) so the connection is released even when the
    loop over it is left by an exception.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 open_stream: Callable[[], AsyncIterator[_T]]) -> None:
        self._loop = loop
        self._handoff: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._finished = False

        async def start() -> tuple[asyncio.Task[None], asyncio.Event]:
            wanted = asyncio.Event()
            return asyncio.get_running_loop().create_task(self._pump(open_stream, wanted)), wanted

        self._task, self._wanted = asyncio.run_coroutine_threadsafe(start(), loop).result()

    async def _pump(self, open_stream: Callable[[], AsyncIterator[_T]],
                    wanted: asyncio.Event) -> None:
        stream = open_stream()
        try:
            async for item in stream:
                self._handoff.put(("item", item))
                await wanted.wait()
                wanted.clear()
            self._handoff.put(("end", None))
        except Exception as e:
            self._handoff.put(("error", e))
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()

    def __next__(self) -> _T:
        if self._finished:
            raise StopIteration
        try:
            kind, value = self._handoff.get()
        except BaseException:
            # Ctrl-C while waiting for the server: hang up before letting it through.
            self.close()
            raise
        if kind == "item":
            self._loop.call_soon_threadsafe(self._wanted.set)
            return value
        self._finished = True
        if kind == "error":
            raise value
        raise StopIteration

    def __enter__(self) -> Stream[_T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Hang up and wait until the connection is released (idempotent)."""
        self._finished = True
        if self._task.done() or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._task.cancel)
        asyncio.run_coroutine_threadsafe(asyncio.wait([self._task]), self._loop).result(10)

    @property
    def closed(self) -> bool:
        """The stream has ended and its connection is released."""
        return self._task.done()
