"""The pod exporter's HTTP face: kube-state-metrics' ``/metrics`` and its self-metrics.

kube-state-metrics serves object metrics on one port and its own telemetry on another; here
both share one port: ``/metrics`` streams the object metrics from the cached blocks
(:mod:`.store`) with their exact length, ``/telemetry`` serves the self-metrics registry
(list/watch counters, sharding gauges, REST client and process metrics). ``/healthz`` and
``/livez`` answer while the process runs, ``/readyz`` once every informer has listed once.

The app is served by :class:`observe.common.server.ComponentServer`; it cannot be
:func:`observe.common.server.health_app` because that one's ``/metrics`` renders a
``prometheus_client`` registry, far too slow for 30,000 pods' worth of series.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from exporters.state.store import Exposition
from observe.common.server import ReadyCheck

# What kube-state-metrics answers with (expfmt.FmtText).
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Chunks smaller than this (headers, small families) are gathered into one write; bigger
# ones go out as they are, so no body is copied just to be written.
GATHER_BELOW = 1 << 16


async def write_exposition(request: web.Request, exposition: Exposition) -> web.StreamResponse:
    """Stream ``exposition`` with its exact Content-Length (no chunked encoding, whose
    framing would copy every body once more)."""
    response = web.StreamResponse(headers={"Content-Type": TEXT_CONTENT_TYPE})
    response.content_length = exposition.size
    await response.prepare(request)
    pending: list[bytes] = []
    pending_size = 0
    for chunk in exposition.chunks:
        if len(chunk) >= GATHER_BELOW:
            if pending:
                await response.write(b"".join(pending))
                pending, pending_size = [], 0
            await response.write(chunk)
            continue
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= GATHER_BELOW:
            await response.write(b"".join(pending))
            pending, pending_size = [], 0
    if pending:
        await response.write(b"".join(pending))
    await response.write_eof()
    return response


def exporter_app(metrics: Callable[[], Exposition], telemetry: CollectorRegistry,
                 ready: ReadyCheck) -> web.Application:
    async def serve_metrics(request: web.Request) -> web.StreamResponse:
        return await write_exposition(request, metrics())

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
