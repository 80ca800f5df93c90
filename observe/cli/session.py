"""What every verb works with: the API client, the namespace, the streams, discovery.

:mod:`observe.cli.main` builds one :class:`Session` from the global flags and the kubeconfig
and hands it to the verb. The client is anything with the two methods of
:class:`observe.client.sync.SyncClient` that the CLI uses (:class:`ApiClient`), so tests can
drive a verb against a scripted client as well as against a real apiserver.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, TextIO

import orjson

from observe.cli.discovery import Discovery


class Response(Protocol):
    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any: ...


class ApiClient(Protocol):
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
    ) -> Response: ...

    def stream_lines(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        accept: str | None = None,
    ) -> Iterator[bytes]: ...


@dataclass
class Session:
    client: ApiClient
    namespace: str = "default"
    namespace_explicit: bool = False
    """``-n`` was given: objects from files must then agree with it."""
    server: str = ""
    """The apiserver URL, for connection error messages."""
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    @cached_property
    def discovery(self) -> Discovery:
        return Discovery(self.client)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None,
                 accept: str = "application/json") -> Any:
        return self.client.request("GET", path, params=params, accept=accept).json()

    def send_json(self, method: str, path: str, body: Any, *,
                  params: Mapping[str, Any] | None = None,
                  content_type: str = "application/json") -> Any:
        response = self.client.request(method, path, params=params, body=body,
                                       content_type=content_type, accept="application/json")
        return response.json() if response.content else {}

    def list_pages(self, path: str, params: Mapping[str, Any] | None = None,
                   accept: str = "application/json", chunk_size: int = 500
                   ) -> Iterator[dict[str, Any]]:
        """Every page of a list, following ``metadata.continue`` as kubectl does."""
        token = ""
        while True:
            query: dict[str, Any] = dict(params or {})
            if chunk_size > 0:
                query["limit"] = chunk_size
            if token:
                query["continue"] = token
            page = self.get_json(path, query, accept)
            yield page
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return

    def list_items(self, path: str, params: Mapping[str, Any] | None = None
                   ) -> list[dict[str, Any]]:
        return [item for page in self.list_pages(path, params) for item in
                page.get("items") or []]

    def watch(self, path: str, params: Mapping[str, Any], accept: str = "application/json"
              ) -> Iterator[dict[str, Any]]:
        """The events of a watch, decoded; lines that are not JSON objects are skipped."""
        for line in self.client.stream_lines("GET", path, params={**params, "watch": "true"},
                                             accept=accept):
            if not line.strip():
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(event, dict):
                yield event

    def say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(text)
        self.err.flush()
