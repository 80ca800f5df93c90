"""The proxy's Prometheus families, registered on the registry the entry point passes in.

kube-proxy's names where the concept is the same (``kubeproxy_sync_proxy_rules_*``,
``kubeproxy_network_programming_duration_seconds``, with its buckets), and ``proxy_*``
connection counters for what a userspace proxy does that kube-proxy's kernel rules do not
count, labelled by the Service port (``namespace``, ``service``, ``port``).
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# kube-proxy's sync duration buckets: exponential from 1 ms, doubling, 15 of them.
SYNC_BUCKETS = tuple(0.001 * 2**i for i in range(15))
# kube-proxy's network programming buckets: 0.25 s steps to 1 s, then 1 s to 59 s, 5 s to
# 115 s, 30 s to 5 min.
PROGRAMMING_BUCKETS = (
    tuple(0.25 * i for i in range(1, 4)) + tuple(float(i) for i in range(1, 60)) +
    tuple(float(i) for i in range(60, 120, 5)) + tuple(float(i) for i in range(120, 330, 30)))
SERVICE_LABELS = ("namespace", "service", "port")


@dataclass
class ProxyMetrics:
    sync_duration: Histogram
    sync_last_timestamp: Gauge
    sync_last_queued_timestamp: Gauge
    network_programming: Histogram
    service_changes: Counter
    endpoint_changes: Counter
    connections: Counter
    active_connections: Gauge
    bytes: Counter
    listener_errors: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None) -> ProxyMetrics:
        r = registry
        return cls(
            sync_duration=Histogram(
                "kubeproxy_sync_proxy_rules_duration_seconds",
                "SyncProxyRules latency in seconds", buckets=SYNC_BUCKETS, registry=r),
            sync_last_timestamp=Gauge(
                "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
                "The last time proxy rules were successfully synced", registry=r),
            sync_last_queued_timestamp=Gauge(
                "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
                "The last time a sync of proxy rules was queued", registry=r),
            network_programming=Histogram(
                "kubeproxy_network_programming_duration_seconds",
                "In Cluster Network Programming Latency in seconds",
                buckets=PROGRAMMING_BUCKETS, registry=r),
            service_changes=Counter(
                "kubeproxy_sync_proxy_rules_service_changes",
                "Cumulative proxy rules Service changes", registry=r),
            endpoint_changes=Counter(
                "kubeproxy_sync_proxy_rules_endpoint_changes",
                "Cumulative proxy rules Endpoint changes", registry=r),
            connections=Counter(
                "proxy_connections", "Connections accepted for a Service port, by result "
                "(forwarded, no_endpoints, failed)", (*SERVICE_LABELS, "result"), registry=r),
            active_connections=Gauge(
                "proxy_active_connections", "Connections being relayed for a Service port",
                SERVICE_LABELS, registry=r),
            bytes=Counter(
                "proxy_bytes", "Bytes relayed for a Service port, by direction (in: from "
                "clients, out: to clients)", (*SERVICE_LABELS, "direction"), registry=r),
            listener_errors=Counter(
                "proxy_listener_errors", "Listeners that could not be opened (port in use, "
                "address not available)", SERVICE_LABELS, registry=r),
        )
