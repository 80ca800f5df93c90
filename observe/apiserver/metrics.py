"""The apiserver's own metrics, with kube-apiserver's names and labels.

``apiserver_request_total`` and ``apiserver_request_duration_seconds`` are recorded per
request; ``apiserver_storage_objects`` and ``apiserver_registered_watchers`` are read at scrape
time from the store and the watch cache by a collector, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from observe.api.registry import Registry
from observe.apiserver.watchcache import WatchCache
from observe.store.interface import Store

# kube-apiserver's buckets for apiserver_request_duration_seconds.
REQUEST_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5,
                   6, 8, 10, 15, 20, 30, 45, 60)


class StateCollector(Collector):
    """Object counts per resource and watchers per kind, read when scraped."""

    def __init__(self, store: Store, registry: Registry, watch_cache: WatchCache) -> None:
        self._store = store
        self._registry = registry
        self._watch_cache = watch_cache

    def collect(self) -> Iterator[GaugeMetricFamily]:
        objects = GaugeMetricFamily(
            "apiserver_storage_objects",
            "Number of stored objects at the time of last check split by kind.",
            labels=["resource"])
        watchers = GaugeMetricFamily(
            "apiserver_registered_watchers",
            "Number of currently registered watchers for a given resources",
            labels=["group", "version", "kind"])
        by_prefix = self._watch_cache.watchers_by_prefix()
        for rt in self._registry:
            qualified = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
            objects.add_metric([qualified], self._store.count(rt.store_prefix()))
            count = sum(n for prefix, n in by_prefix.items()
                        if prefix.startswith(rt.store_prefix()))
            watchers.add_metric([rt.group, rt.version, rt.kind], count)
        yield objects
        yield watchers


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        labels = ["verb", "group", "version", "resource", "subresource", "scope", "component",
                  "code"]
        self.requests = Counter(
            "apiserver_request", "Counter of apiserver requests broken out for each verb, "
            "dry run value, group, version, resource, scope, component, and HTTP response "
            "code.", labels, registry=registry)
        self.duration = Histogram(
            "apiserver_request_duration_seconds", "Response latency distribution in seconds "
            "for each verb, dry run value, group, version, resource, subresource, scope and "
            "component.", labels[:-1], buckets=REQUEST_BUCKETS, registry=registry)
        self.longrunning = Gauge(
            "apiserver_longrunning_requests", "Gauge of all active long-running apiserver "
            "requests broken out by verb, group, version, resource, scope and component.",
            ["verb", "group", "version", "resource", "subresource", "scope", "component"],
            registry=registry)
