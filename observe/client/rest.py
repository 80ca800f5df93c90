"""The async REST client of the Kubernetes API: the one HTTP stack every component uses.

Sits between the callers (informers, controllers, the kubelet, exporters, and through
:mod:`observe.client.sync` the CLI) and the apiserver. It builds paths from
:class:`~observe.api.registry.ResourceType`, speaks JSON, streams watch events, turns
failures into :mod:`observe.client.errors` types and, when given a registry, records
client-go's ``rest_client_*`` metrics. It keeps no state about objects: caching is the
informer's job (:mod:`observe.client.informer`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import aiohttp
import orjson
from prometheus_client import CollectorRegistry
from yarl import URL

from observe.api.registry import ResourceType
from observe.client.config import ClientConfig
from observe.client.errors import ApiError, ClientError, ConnectionFailed, status_from_response
from observe.client.metrics import NO_RESPONSE_CODE, RestClientMetrics
from observe.client.paths import resource_path
from observe.client.tls import ssl_context

PatchType = Literal["strategic", "merge", "json"]
PATCH_CONTENT_TYPES: dict[str, str] = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}
JSON = "application/json"
# kubectl and client-go page lists by 500.
DEFAULT_PAGE_SIZE = 500
# Grace beyond a watch's timeoutSeconds before the client gives up on a silent server.
WATCH_READ_SLACK = 60.0

# Characters a caller-supplied raw path may keep as they are: the path and query syntax and
# existing %-escapes; anything else (spaces, non-ASCII) is escaped.
_RAW_PATH_SAFE = "/?&=%:@,;+!$'()*~"


@dataclass(frozen=True)
class Response:
    """A complete (non-streamed) HTTP answer."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def query_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query parameters as the apiserver reads them: ``None`` dropped, booleans as
    ``true``/``false``, everything else as its string."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def encode_body(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return orjson.dumps(body)


def parse_watch_event(line: bytes) -> tuple[str, dict[str, Any]]:
    """``(type, object)`` of one watch line ``{"type": ..., "object": {...}}``.

    A line that is not a watch event means the stream is unusable from there on, which the
    caller handles like a cut connection: watch again from the last resourceVersion.
    """
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise ConnectionFailed(f"malformed watch event: {line[:200]!r}") from e
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("object"), dict)
    ):
        raise ConnectionFailed(f"malformed watch event: {line[:200]!r}")
    return event["type"], event["object"]


async def split_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Re-cut a byte stream into lines, each ending in ``\\n`` except perhaps the last.

    Done by hand rather than with ``StreamReader.readline`` because that refuses lines
    over its buffer size, and one watch event carries a whole object.
    """
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) != -1:
            yield bytes(pending[start : end + 1])
            start = end + 1
        del pending[:start]
    if pending:
        yield bytes(pending)


class ApiClient:
    """Async client of one apiserver; use as ``async with ApiClient(config) as api:``.

    Methods that take a ``resource_type`` speak in objects (``dict``); :meth:`request` and
    :meth:`stream_lines` speak in raw paths for anything else (discovery, logs, ``/version``).
    Namespaced objects need ``namespace=``; for lists and watches ``None`` means all.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        registry: CollectorRegistry | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._ssl = ssl_context(config)
        self._host = urlsplit(config.server).netloc
        self._metrics = RestClientMetrics.for_registry(registry) if registry else None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ApiClient:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- raw requests ------------------------------------------------------------------------

    async def request(
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
        """Send one request and read the whole answer; non-2xx raises :class:`ApiError`."""
        client_timeout = aiohttp.ClientTimeout(
            total=timeout or self.timeout, sock_connect=self.connect_timeout
        )
        resp = await self._send(method, path, params, body, content_type, accept, client_timeout)
        async with resp:
            content = await self._read(resp)
            return Response(resp.status, resp.headers, content)

    async def stream_lines(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        accept: str | None = None,
        read_timeout: float | None = None,
    ) -> AsyncIterator[bytes]:
        """Yield the answer line by line as it arrives (watch streams, ``logs -f``).

        ``read_timeout`` bounds the whole stream; ``None`` lets it run until the server ends
        it. Close the iterator (``contextlib.aclosing``) to hang up early.
        """
        client_timeout = aiohttp.ClientTimeout(
            total=read_timeout, sock_connect=self.connect_timeout
        )
        resp = await self._send(method, path, params, None, None, accept, client_timeout)
        async with resp:
            try:
                async for line in split_lines(resp.content.iter_any()):
                    yield line
            except (TimeoutError, aiohttp.ClientError) as e:
                raise ConnectionFailed(f"{method} {path}: stream broken: {_describe(e)}") from e

    # -- typed verbs ---------------------------------------------------------------------------

    async def get(
        self,
        resource_type: ResourceType,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        path = resource_path(resource_type, namespace=namespace, name=name,
                             subresource=subresource)
        return (await self.request("GET", path)).json()

    async def list(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        """One page of the collection: the ``<Kind>List`` dict, with ``metadata.continue``
        when more pages follow."""
        params = {
            "labelSelector": label_selector or None,
            "fieldSelector": field_selector or None,
            "limit": limit,
            "continue": continue_ or None,
            "resourceVersion": resource_version,
        }
        path = resource_path(resource_type, namespace=namespace)
        return (await self.request("GET", path, params=params)).json()

    async def list_all(
        self,
        resource_type: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> dict[str, Any]:
        """The whole collection as one ``<Kind>List``, fetched ``page_size`` at a time.

        All pages come from one snapshot, whose resourceVersion the result carries. If the
        snapshot expires mid-way (410), one unpaged list replaces the pages, as client-go's
        pager does.
        """
        selectors = {"namespace": namespace, "label_selector": label_selector,
                     "field_selector": field_selector}
        first = await self.list(resource_type, limit=page_size, **selectors)
        items = list(first.get("items") or [])
        token = (first.get("metadata") or {}).get("continue")
        while token:
            try:
                page = await self.list(resource_type, limit=page_size, continue_=token,
                                       **selectors)
            except ApiError as e:
                if not e.gone:
                    raise
                return await self.list(resource_type, **selectors)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
        metadata = {k: v for k, v in (first.get("metadata") or {}).items()
                    if k not in ("continue", "remainingItemCount")}
        return {**first, "metadata": metadata, "items": items}

    async def create(
        self,
        resource_type: ResourceType,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        """POST ``body`` to the collection, or to ``name``'s ``subresource`` (``binding``,
        ``eviction``). The namespace defaults to the one in ``body``'s metadata."""
        path = resource_path(resource_type, namespace=_namespace_of(body, namespace),
                             name=name if subresource else None, subresource=subresource)
        params = _write_params(dry_run, field_manager)
        return (await self.request("POST", path, params=params, body=body)).json()

    async def replace(
        self,
        resource_type: ResourceType,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        """PUT ``body`` over the object it names (``metadata.name`` unless ``name``)."""
        name = name or (body.get("metadata") or {}).get("name")
        if not name:
            raise ValueError("replace needs metadata.name in the body or name=")
        path = resource_path(resource_type, namespace=_namespace_of(body, namespace),
                             name=name, subresource=subresource)
        params = _write_params(dry_run, field_manager)
        return (await self.request("PUT", path, params=params, body=body)).json()

    async def patch(
        self,
        resource_type: ResourceType,
        name: str,
        patch: Any,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "strategic",
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        """PATCH ``name`` with a strategic-merge, JSON-merge (RFC 7386) or JSON (RFC 6902)
        patch."""
        content_type = PATCH_CONTENT_TYPES.get(patch_type)
        if content_type is None:
            raise ValueError(f"unknown patch_type {patch_type!r}: use one of "
                             f"{', '.join(PATCH_CONTENT_TYPES)}")
        path = resource_path(resource_type, namespace=namespace, name=name,
                             subresource=subresource)
        params = _write_params(dry_run, field_manager)
        resp = await self.request("PATCH", path, params=params, body=patch,
                                  content_type=content_type)
        return resp.json()

    async def delete(
        self,
        resource_type: ResourceType,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: Literal["Background", "Foreground", "Orphan"] | None = None,
        grace_period: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """DELETE ``name`` with ``DeleteOptions``; returns what the server answers (the
        object while finalizers hold it, else a ``Status``)."""
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if grace_period is not None:
            options["gracePeriodSeconds"] = grace_period
        if preconditions:
            options["preconditions"] = dict(preconditions)
        if dry_run:
            options["dryRun"] = ["All"]
        path = resource_path(resource_type, namespace=namespace, name=name)
        return (await self.request("DELETE", path, body=options)).json()

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
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Yield ``(type, object)`` for each event: ``ADDED``, ``MODIFIED``, ``DELETED``,
        ``BOOKMARK``, and ``ERROR`` whose object is a ``Status`` (410 there means: list
        again). Ends when the server closes the stream after ``timeout_seconds``."""
        params = {
            "watch": True,
            "labelSelector": label_selector or None,
            "fieldSelector": field_selector or None,
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
            "allowWatchBookmarks": True if allow_bookmarks else None,
        }
        read_timeout = timeout_seconds + WATCH_READ_SLACK if timeout_seconds else None
        path = resource_path(resource_type, namespace=namespace)
        async for line in self.stream_lines("GET", path, params=params,
                                            read_timeout=read_timeout):
            if line.strip():
                yield parse_watch_event(line)

    # -- the exchange ------------------------------------------------------------------------

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # No pool limit: every watch holds a connection for minutes.
            connector = aiohttp.TCPConnector(limit=0, ssl=self._ssl if self._ssl else True)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def _url(self, path: str, params: Mapping[str, Any] | None) -> URL:
        url = URL(self.config.server + quote(path, safe=_RAW_PATH_SAFE), encoded=True)
        query = query_params(params)
        return url.update_query(query) if query else url

    def _headers(self, accept: str | None, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": accept or JSON, "User-Agent": self.config.user_agent}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        content_type: str | None,
        accept: str | None,
        timeout: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        """Send a request and return the response with its body unread; a non-2xx answer is
        read and raised as :class:`ApiError`, no answer as :class:`ConnectionFailed`."""
        data = encode_body(body)
        headers = self._headers(accept, (content_type or JSON) if data is not None else None)
        url = self._url(path, params)
        started = time.monotonic()
        try:
            resp = await self._open().request(method, url, data=data, headers=headers,
                                               timeout=timeout)
        except aiohttp.InvalidURL as e:
            raise ClientError(f"invalid URL {url}: {e}") from e
        except (TimeoutError, aiohttp.ClientError) as e:
            self._observe(method, NO_RESPONSE_CODE, started)
            raise ConnectionFailed(f"{method} {url}: {_describe(e)}") from e
        self._observe(method, str(resp.status), started)
        if 200 <= resp.status < 300:
            return resp
        async with resp:
            content = await self._read(resp)
        raise ApiError(status_from_response(resp.status, content))

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        try:
            return await resp.read()
        except (TimeoutError, aiohttp.ClientError) as e:
            raise ConnectionFailed(
                f"{resp.method} {resp.url}: answer cut short: {_describe(e)}"
            ) from e

    def _observe(self, method: str, code: str, started: float) -> None:
        if self._metrics is not None:
            self._metrics.observe(method, self._host, code, time.monotonic() - started)


def _namespace_of(body: Mapping[str, Any], namespace: str | None) -> str | None:
    return namespace or (body.get("metadata") or {}).get("namespace")


def _write_params(dry_run: bool, field_manager: str | None) -> dict[str, Any]:
    return {"dryRun": "All" if dry_run else None, "fieldManager": field_manager}


def _describe(e: BaseException) -> str:
    # Timeouts stringify to "", which would leave the message saying nothing.
    return str(e) or type(e).__name__
