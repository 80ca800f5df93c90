"""The small HTTP endpoint every long-running component serves: ``/healthz``, ``/livez``,
``/readyz`` and ``/metrics`` (Prometheus text format from the component's own registry).

Components with an HTTP API of their own (the kubelet) add their routes to the same
application through ``routes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

ReadyCheck = Callable[[], str | None]  # None when ready, else the reason it is not


def health_app(registry: CollectorRegistry, ready: ReadyCheck | None = None,
               routes: Iterable[web.RouteDef] = ()) -> web.Application:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        reason = ready() if ready is not None else None
        if reason:
            return web.Response(status=503, text=f"not ready: {reason}")
        return web.Response(text="ok")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.add_routes([web.get("/healthz", ok), web.get("/livez", ok),
                    web.get("/readyz", readyz), web.get("/metrics", metrics), *routes])
    return app


class ComponentServer:
    """Runs :func:`health_app` (or a given app) on host:port inside the caller's loop."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        if self._port == 0:  # an ephemeral port: report the real one
            server = site._server  # aiohttp has no public accessor for the bound port
            self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
