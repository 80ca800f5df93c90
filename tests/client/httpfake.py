"""A scripted HTTP server for the REST client tests: records each request, answers from a
table of routes, and can misbehave (cut a stream, hang up) on cue."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class ScriptedServer:
    routes: dict[tuple[str, str], list[Handler]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def on(self, method: str, path: str, *handlers: Handler) -> None:
        """Answer ``method path`` with ``handlers`` in turn; the last one repeats."""
        self.routes[(method, path)] = list(handlers)

    def on_json(self, method: str, path: str, *bodies: Any, status: int = 200) -> None:
        self.on(method, path, *(json_answer(b, status) for b in bodies))

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(Recorded(request.method, request.path, dict(request.query),
                                      dict(request.headers), body))
        handlers = self.routes.get((request.method, request.path))
        if not handlers:
            return web.json_response({"kind": "Status", "code": 404, "reason": "NotFound",
                                      "message": f"no route {request.path}"}, status=404)
        return await (handlers.pop(0) if len(handlers) > 1 else handlers[0])(request)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.server = TestServer(app)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


def json_answer(body: Any, status: int = 200) -> Handler:
    async def answer(_: web.Request) -> web.StreamResponse:
        return web.Response(body=orjson.dumps(body), status=status,
                            content_type="application/json")
    return answer


def text_answer(text: str, status: int) -> Handler:
    async def answer(_: web.Request) -> web.StreamResponse:
        return web.Response(text=text, status=status)
    return answer


def streamed(*chunks: bytes, cut: bool = False) -> Handler:
    """A chunked answer written piece by piece; ``cut`` drops the connection before the
    terminating chunk, as a dying server does."""
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for chunk in chunks:
            await resp.write(chunk)
        if cut:
            assert request.transport is not None
            request.transport.close()
            return resp
        await resp.write_eof()
        return resp
    return answer


def event(event_type: str, obj: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": event_type, "object": obj}) + b"\n"


class ThreadedServer(ScriptedServer):
    """A :class:`ScriptedServer` on its own loop in a background thread, for blocking
    clients tested from plain (non-async) tests."""

    def __enter__(self) -> ThreadedServer:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), self.loop).result(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
