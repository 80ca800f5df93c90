"""The pod exporter's HTTP face: kube-state-metrics' ``/metrics`` and its self-metrics.

kube-state-metrics serves object metrics on one port and its own telemetry on another; here
both share one port: ``/metrics`` streams the object metrics from the cached blocks
(:mod:`.store`), ``/telemetry`` serves the self-metrics registry (list/watch counters,
sharding gauges, REST client and process metrics). ``/healthz`` and ``/livez`` answer while
the process runs, ``/readyz`` once every informer has listed once.

The app is served by :class:`observe.common.server.ComponentServer`; it cannot be
:func:`observe.common.server.health_app` because that one's ``/metrics`` renders a
``prometheus_client`` registry, far too slow for 30,000 pods' worth of series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from observe.common.server import ReadyCheck

# What kube-state-metrics answers with (expfmt.FmtText).
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Small chunks (headers, tiny families) are gathered into writes of about this size.
WRITE_SIZE = 1 << 20


async def stream_chunks(request: web.Request, chunks: Iterable[bytes]) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": TEXT_CONTENT_TYPE})
    await response.prepare(request)
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= WRITE_SIZE:
            await response.write(b"".join(pending))
            pending, size = [], 0
    if pending:
        await response.write(b"".join(pending))
    await response.write_eof()
    return response


def exporter_app(metrics: Callable[[], Iterable[bytes]], telemetry: CollectorRegistry,
                 ready: ReadyCheck) -> web.Application:
    async def serve_metrics(request: web.Request) -> web.StreamResponse:
        return await stream_chunks(request, metrics())

    async def serve_telemetry(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(telemetry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        reason = ready()
        if reason:
            return web.Response(status=503, text=f"not ready: {reason}")
        return web.Response(text="ok")

    app = web.Application()
    app.add_routes([web.get("/metrics", serve_metrics), web.get("/telemetry", serve_telemetry),
                    web.get("/healthz", ok), web.get("/livez", ok), web.get("/readyz", readyz)])
    return app
