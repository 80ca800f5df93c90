"""kube-scheduler's metrics, with its names, labels and buckets, so its dashboards and alerts
(kube-prometheus' ``KubeSchedulerDown``, scheduling latency panels) apply unchanged.

Fed by :mod:`.scheduler` (attempt results and latencies) and :mod:`.queue` (incoming pods);
``scheduler_pending_pods`` is read from the queue at scrape time rather than kept in step
with every move. The registry is the entry point's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

SCHEDULED, UNSCHEDULABLE, ERROR = "scheduled", "unschedulable", "error"


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    return tuple(start * factor**i for i in range(count))


class _QueueGauges(Collector):
    def __init__(self, sizes: Callable[[], dict[str, int]],
                 rejections: Callable[[], dict[str, int]], profile: str) -> None:
        self._sizes = sizes
        self._rejections = rejections
        self._profile = profile

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "scheduler_pending_pods",
            "Number of pending pods, by the queue type. 'active' means number of pods in "
            "activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number "
            "of pods in unschedulablePods that the scheduler attempted to schedule and failed; "
            "'gated' is the number of unschedulable pods that the scheduler never attempted "
            "to schedule because they are gated.", labels=["queue"])
        for queue, size in self._sizes().items():
            family.add_metric([queue], size)
        yield family
        by_plugin = GaugeMetricFamily(
            "scheduler_unschedulable_pods",
            "The number of unschedulable pods broken down by plugin name. A pod will "
            "increment the gauge for all plugins that caused it to not schedule and so this "
            "metric have meaning only when broken down by plugin.",
            labels=["plugin", "profile"])
        for plugin, count in sorted(self._rejections().items()):
            by_plugin.add_metric([plugin, self._profile], count)
        yield by_plugin


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry, profile: str) -> None:
        self.registry = registry
        self.profile = profile
        self.schedule_attempts = Counter(
            "scheduler_schedule_attempts",
            "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod "
            "could not be scheduled, while 'error' means an internal scheduler problem.",
            ["result", "profile"], registry=registry)
        self.attempt_duration = Histogram(
            "scheduler_scheduling_attempt_duration_seconds",
            "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
            ["result", "profile"], buckets=exponential_buckets(0.001, 2, 15),
            registry=registry)
        self.algorithm_duration = Histogram(
            "scheduler_scheduling_algorithm_duration_seconds",
            "Scheduling algorithm latency in seconds",
            buckets=exponential_buckets(0.001, 2, 15), registry=registry)
        self.sli_duration = Histogram(
            "scheduler_pod_scheduling_sli_duration_seconds",
            "E2e latency for a pod being scheduled, from the time the pod enters the "
            "scheduling queue and might involve multiple scheduling attempts.",
            ["attempts"], buckets=exponential_buckets(0.01, 2, 20), registry=registry)
        self.pod_attempts = Histogram(
            "scheduler_pod_scheduling_attempts",
            "Number of attempts to successfully schedule a pod.",
            buckets=exponential_buckets(1, 2, 5), registry=registry)
        self.incoming_pods = Counter(
            "scheduler_queue_incoming_pods",
            "Number of pods added to scheduling queues by event and queue type.",
            ["queue", "event"], registry=registry)
        self.preemption_attempts = Counter(
            "scheduler_preemption_attempts",
            "Total preemption attempts in the cluster till now", registry=registry)
        # Children resolved once: label lookups cost more than the observation itself.
        self._attempts = {r: self.schedule_attempts.labels(r, profile)
                          for r in (SCHEDULED, UNSCHEDULABLE, ERROR)}
        self._durations = {r: self.attempt_duration.labels(r, profile)
                           for r in (SCHEDULED, UNSCHEDULABLE, ERROR)}

    def watch_queue(self, sizes: Callable[[], dict[str, int]],
                    rejections: Callable[[], dict[str, int]]) -> None:
        """Read ``scheduler_pending_pods`` and ``scheduler_unschedulable_pods`` from the
        queue at each scrape."""
        self.registry.register(_QueueGauges(sizes, rejections, self.profile))

    def scheduled(self, seconds: float, attempts: int, since_first_attempt: float | None
                  ) -> None:
        self.attempt(SCHEDULED, seconds)
        self.pod_attempts.observe(attempts)
        if since_first_attempt is not None:
            label = "15+" if attempts >= 15 else str(attempts)
            self.sli_duration.labels(label).observe(since_first_attempt)

    def attempt(self, result: str, seconds: float) -> None:
        self._attempts[result].inc()
        self._durations[result].observe(seconds)

    def incoming(self, queue: str, event: str) -> None:
        self.incoming_pods.labels(queue, event).inc()
