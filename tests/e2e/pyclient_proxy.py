"""A loopback HTTP proxy in front of a real apiserver that misbehaves on purpose.

Informer tests put it between their clients and the apiserver to create the conditions
client-go is built for, without touching either side's code:

* :meth:`ChaosProxy.partition` — a network partition: every open connection (watches
  included) is cut and new ones are refused until it heals, so a watcher comes back with a
  resourceVersion the server may have compacted meanwhile (410 Gone);
* :attr:`ChaosProxy.before_watch_list` — an apiserver older than 1.27, which did not know
  ``sendInitialEvents``: the parameter is dropped on the way, as unknown parameters are, and
  the apiserver then refuses ``resourceVersionMatch`` on a watch, as those versions did.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from observe.testing import free_port

FORWARDED_REQUEST_HEADERS = ("Accept", "Content-Type")


class ChaosProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.before_watch_list = False
        self.partitions = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> ChaosProxy:
        # Watches live as long as the server keeps them: no read timeout on the way up.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None))
        await self._listen()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()

    async def partition(self, seconds: float) -> None:
        """Cut every connection and refuse new ones for ``seconds``."""
        self.partitions += 1
        assert self._runner is not None
        await self._runner.cleanup()
        self._runner = None
        await asyncio.sleep(seconds)
        await self._listen()

    async def _listen(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        # No grace for open requests: a partition cuts them mid-stream.
        runner = web.AppRunner(app, shutdown_timeout=0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True).start()
        self._runner = runner

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        query = [(key, value) for key, value in request.query.items()
                 if not (self.before_watch_list and key == "sendInitialEvents")]
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS
                   if name in request.headers}
        async with self._session.request(
                request.method, self.upstream + request.path, params=query, headers=headers,
                data=await request.read() if request.can_read_body else None) as upstream:
            response = web.StreamResponse(status=upstream.status, headers={
                "Content-Type": upstream.headers.get("Content-Type", "application/json")})
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
