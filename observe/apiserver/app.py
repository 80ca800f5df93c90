"""The apiserver's aiohttp application: routes, the error/metrics middleware, and the
background work (compaction, event expiry) tied to the app's lifetime.

    request ─▶ middleware (Status errors, metrics) ─▶ discovery | health | metrics
                                                   └▶ paths.parse ─▶ ResourceHandlers
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from observe.api import errors
from observe.api import meta as m
from observe.api.registry import Registry, default_registry
from observe.apiserver import codec, discovery, paths
from observe.apiserver.allocators import DEFAULT_SERVICE_RANGE, ServiceAllocator
from observe.apiserver.execproxy import ExecProxy
from observe.apiserver.handlers import ResourceHandlers
from observe.apiserver.logproxy import LogProxy
from observe.apiserver.metrics import ApiMetrics, StateCollector
from observe.apiserver.objects import DeleteOptions, Objects
from observe.apiserver.protobuf import Transcoder
from observe.apiserver.watchcache import WatchCache
from observe.store.interface import Store
from observe.store.sqlite import SQLiteStore

log = logging.getLogger("observe.apiserver")

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
LONG_RUNNING = ("WATCH", "CONNECT")
# Streams whose requests kube-apiserver's metrics count under the verb CONNECT.
CONNECT_SUBRESOURCES = ("exec",)
# Clients such as the Python client ask for ``/version/``: every fixed path takes an optional
# trailing slash.
SLASH = "{slash:/?}"


@dataclass
class ServerConfig:
    """Settings of one apiserver, read once by the entry point."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 6443
    # How often a watch that asked for bookmarks gets one (kube-apiserver: about a minute).
    bookmark_interval: float = 60.0
    # History kept for watches and continue tokens (kube-apiserver compacts every 5 minutes).
    compaction_interval: float = 60.0
    compaction_window: float = 300.0
    compaction_min_retain: int = 1000
    # Events expire like kube-apiserver's --event-ttl.
    event_ttl: float = 3600.0
    # Where Service ClusterIPs come from (a loopback range: see ARCHITECTURE.md).
    service_cluster_ip_range: str = DEFAULT_SERVICE_RANGE
    # The k8sproto helper that decodes protobuf bodies; None: protobuf is answered 415.
    protobuf_transcoder: Path | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


KEY_STORE = web.AppKey("store", Store)
KEY_OBJECTS = web.AppKey("objects", Objects)
KEY_METRICS = web.AppKey("metrics", ApiMetrics)


def _verb(method: str, query: dict[str, str], target: paths.Target | None) -> str:
    if target is not None and target.subresource in CONNECT_SUBRESOURCES:
        return "CONNECT"
    if method == "GET":
        if query.get("watch", "").lower() in ("1", "true"):
            return "WATCH"
        return "LIST" if target is not None and target.is_collection else "GET"
    if method == "DELETE" and target is not None and target.is_collection:
        return "DELETECOLLECTION"
    return method


def create_app(config: ServerConfig, store: Store | None = None,
               registry: Registry | None = None) -> web.Application:
    registry = registry or default_registry()
    store = store or SQLiteStore(config.data_dir / "state.db")
    watch_cache = WatchCache(store)
    objects = Objects(store, registry)
    services_type = registry.get("", "services")
    assert services_type is not None
    allocator = ServiceAllocator(lambda: objects.list(services_type, None, None).items,
                                 config.service_cluster_ip_range)
    objects.allocators[("", "Service")] = allocator.allocate
    log_proxy = LogProxy(objects, registry)
    exec_proxy = ExecProxy(objects, registry)
    transcoder = Transcoder(config.protobuf_transcoder)
    handlers = ResourceHandlers(objects, watch_cache,
                                bookmark_interval=config.bookmark_interval,
                                log_proxy=log_proxy, exec_proxy=exec_proxy,
                                transcoder=transcoder)
    prom = CollectorRegistry()
    metrics = ApiMetrics(prom)
    prom.register(StateCollector(store, registry, watch_cache))

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        started = time.perf_counter()
        target: paths.Target | None = request.get("target")
        try:
            response = await handler(request)
        except errors.StatusError as exc:
            response = codec.status_response(exc)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            # aiohttp's own answers (no route, a method it will not route) as Status too.
            response = codec.status_response(errors.from_http_status(exc.status, exc.reason))
        except Exception as exc:  # a bug: report it as kube-apiserver does, keep serving
            log.exception("internal error serving %s %s", request.method, request.path)
            response = codec.status_response(errors.internal_error(str(exc)))
        target = request.get("target")
        if target is not None:
            rt = target.resource
            verb = _verb(request.method, dict(request.query), target)
            labels = (verb, rt.group, rt.version, rt.plural, target.subresource or "",
                      "resource" if target.name else (
                          "namespace" if target.namespace else "cluster"), "apiserver")
            metrics.requests.labels(*labels, str(response.status)).inc()
            if verb not in LONG_RUNNING:
                metrics.duration.labels(*labels).observe(time.perf_counter() - started)
        return response

    async def resource(request: web.Request) -> web.StreamResponse:
        info = request.match_info
        group, version = info.get("group", ""), info["version"]
        segments = [s for s in info["tail"].split("/") if s != ""]
        target = paths.parse(registry, group, version, segments)
        request["target"] = target
        rt = target.resource
        verb = _verb(request.method, dict(request.query), target)
        if verb in LONG_RUNNING:
            gauge = metrics.longrunning.labels(verb, rt.group, rt.version, rt.plural,
                                               target.subresource or "", "resource", "apiserver")
            gauge.inc()
            try:
                return await handlers.handle(request, target)
            finally:
                gauge.dec()
        return await handlers.handle(request, target)

    def document(builder):
        async def handler(request: web.Request) -> web.Response:
            doc = builder(request)
            if doc is None:
                raise errors.resource_not_found()
            return codec.json_response(doc)
        return handler

    async def openapi_v2(request: web.Request) -> web.Response:
        if "protobuf" in request.headers.get("Accept", ""):
            # An empty protobuf Document: valid, and it tells kubectl nothing (§1.4).
            return web.Response(body=b"", content_type="application/octet-stream")
        return codec.json_response(discovery.openapi_v2(registry))

    async def not_found(request: web.Request) -> web.Response:
        raise errors.resource_not_found()

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        store.current_revision()
        return web.Response(text="ok")

    async def metrics_handler(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(prom),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(middlewares=[middleware], client_max_size=codec.MAX_BODY_BYTES)
    app[KEY_STORE] = store
    app[KEY_OBJECTS] = objects
    app[KEY_METRICS] = metrics
    address = config.address
    app.add_routes([
        web.get("/version" + SLASH, document(lambda r: discovery.version_info())),
        web.get("/api" + SLASH, document(lambda r: discovery.api_versions(address))),
        web.get("/api/v1" + SLASH, document(lambda r: discovery.resource_list(registry, "", "v1"))),
        web.get("/apis" + SLASH, document(lambda r: discovery.api_group_list(registry))),
        web.get("/apis/{group}" + SLASH, document(
            lambda r: discovery.api_group(registry, r.match_info["group"]))),
        web.get("/apis/{group}/{version}" + SLASH, document(
            lambda r: discovery.resource_list(registry, r.match_info["group"],
                                              r.match_info["version"]))),
        web.get("/openapi/v2", openapi_v2),
        web.get("/openapi/v3", not_found),
        web.get("/healthz" + SLASH, ok), web.get("/livez" + SLASH, ok),
        web.get("/readyz" + SLASH, readyz), web.get("/metrics" + SLASH, metrics_handler),
        web.route("*", "/api/{version}/{tail:.+}", resource),
        web.route("*", "/apis/{group}/{version}/{tail:.+}", resource),
        web.route("*", "/{tail:.*}", not_found),
    ])

    async def lifecycle(app: web.Application):
        ensure_system_namespaces(objects, registry)
        ensure_kubernetes_service(objects, registry, allocator.kubernetes_service_ip,
                                  config.port)
        if transcoder.available:
            # Started now so the first protobuf write does not wait for it; a failure here
            # is retried, and reported, by that write.
            with contextlib.suppress(errors.StatusError):
                await transcoder.start()
        tasks = [asyncio.create_task(compaction_loop(store, config)),
                 asyncio.create_task(event_expiry_loop(objects, registry, config))]
        yield
        for task in tasks:
            task.cancel()
        watch_cache.close_all()
        await log_proxy.close()
        await exec_proxy.close()
        await transcoder.close()
        store.close()

    async def end_watches(app: web.Application) -> None:
        # Runs before the server waits for open requests: long-running watches end now.
        watch_cache.close_all()

    app.on_shutdown.append(end_watches)
    app.cleanup_ctx.append(lifecycle)
    return app


def ensure_system_namespaces(objects: Objects, registry: Registry) -> None:
    ns_type = registry.get("", "namespaces")
    assert ns_type is not None
    for name in SYSTEM_NAMESPACES:
        with contextlib.suppress(errors.StatusError):
            objects.create(ns_type, None, {"metadata": {"name": name}})


def ensure_kubernetes_service(objects: Objects, registry: Registry, cluster_ip: str,
                              port: int) -> None:
    """The ``default/kubernetes`` Service and its Endpoints, pointing at this apiserver, as
    kube-apiserver maintains them (in-cluster clients find the API through it)."""
    services, endpoints = registry.get("", "services"), registry.get("", "endpoints")
    assert services is not None and endpoints is not None
    labels = {"component": "apiserver", "provider": "kubernetes"}
    with contextlib.suppress(errors.StatusError):
        objects.create(services, "default", {"metadata": {"name": "kubernetes",
                                                          "labels": labels},
                                             "spec": {"clusterIP": cluster_ip, "ports": [{
                                                 "name": "https", "port": 443,
                                                 "protocol": "TCP", "targetPort": port}]}})
    subsets = [{"addresses": [{"ip": "127.0.0.1"}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]
    try:
        current = objects.get(endpoints, "default", "kubernetes")
    except errors.StatusError:
        objects.create(endpoints, "default", {"metadata": {"name": "kubernetes",
                                                           "labels": labels},
                                              "subsets": subsets})
        return
    if current.get("subsets") != subsets:  # the apiserver moved to another port
        current["subsets"] = subsets
        objects.update(endpoints, "default", "kubernetes", current)


async def compaction_loop(store: Store, config: ServerConfig) -> None:
    """Every interval, compact to the revision current ``compaction_window`` seconds ago,
    always keeping the newest ``compaction_min_retain`` revisions."""
    marks: list[tuple[float, int]] = []
    while True:
        await asyncio.sleep(config.compaction_interval)
        now = time.monotonic()
        marks.append((now, store.current_revision()))
        old = [rev for when, rev in marks if now - when >= config.compaction_window]
        marks = [(w, r) for w, r in marks if now - w < config.compaction_window]
        if old:
            target = min(old[-1], store.current_revision() - config.compaction_min_retain)
            if target > store.compacted_revision():
                removed = store.compact(target)
                log.info("compacted to revision %d (%d rows)", target, removed)


async def event_expiry_loop(objects: Objects, registry: Registry, config: ServerConfig
                            ) -> None:
    events = registry.get("", "events")
    assert events is not None
    while True:
        await asyncio.sleep(min(config.event_ttl, 60.0))
        cutoff = m.now().timestamp() - config.event_ttl
        for event in objects.list(events, None, None).items:
            meta = event["metadata"]
            seen = m.parse_time(event.get("lastTimestamp") or event.get("eventTime")
                                or meta.get("creationTimestamp"))
            if seen is not None and seen.timestamp() < cutoff:
                with contextlib.suppress(errors.StatusError):
                    objects.delete(events, meta["namespace"], meta["name"], DeleteOptions())
