"""The kubelet's own ``/metrics``, with upstream's names and labels.

Counts that describe the present (running pods, containers by state) come from a collector
that reads the runtime at scrape time, so they can never drift from the truth; what happens
over time (pod start latency, container starts and their errors) is recorded as it happens.
The entry point builds the registry and passes it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from observe.kubelet.runtime.types import ContainerStatus

# kubelet_pod_start_duration_seconds' buckets upstream (pkg/kubelet/metrics).
POD_START_BUCKETS = (0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360,
                     480, 600, 900, 1200, 1800, 2700, 3600)


class _RuntimeCollector(Collector):
    def __init__(self, containers: Callable[[], Sequence[ContainerStatus]]) -> None:
        self._containers = containers

    def collect(self) -> Iterator[GaugeMetricFamily]:
        containers = self._containers()
        pods = GaugeMetricFamily("kubelet_running_pods",
                                 "Number of pods that have a running pod sandbox")
        pods.add_metric([], len({c.pod_uid for c in containers if c.running}))
        yield pods
        by_state = GaugeMetricFamily("kubelet_running_containers",
                                     "Number of containers currently running",
                                     labels=["container_state"])
        counts = {"created": 0, "running": 0, "exited": 0, "unknown": 0}
        for c in containers:
            counts[c.state if c.state in counts else "unknown"] += 1
        for state, count in counts.items():
            by_state.add_metric([state], count)
        yield by_state


class KubeletMetrics:
    def __init__(self, registry: CollectorRegistry, node_name: str,
                 containers: Callable[[], Sequence[ContainerStatus]]) -> None:
        self.pod_start_duration = Histogram(
            "kubelet_pod_start_duration_seconds",
            "Duration in seconds from kubelet seeing a pod for the first time to the pod "
            "starting to run", buckets=POD_START_BUCKETS, registry=registry)
        self.started_pods = Counter("kubelet_started_pods", "Cumulative number of pods started",
                                    registry=registry)
        self.started_containers = Counter(
            "kubelet_started_containers", "Cumulative number of containers started",
            ["container_type"], registry=registry)
        self.started_container_errors = Counter(
            "kubelet_started_containers_errors",
            "Cumulative number of errors when starting containers",
            ["code", "container_type"], registry=registry)
        node = Gauge("kubelet_node_name", "The node's name. The count is always 1.", ["node"],
                     registry=registry)
        node.labels(node=node_name).set(1)
        registry.register(_RuntimeCollector(containers))
