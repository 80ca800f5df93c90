"""Client-side metrics, with client-go's names and labels so its dashboards apply.

:class:`RestClientMetrics` is fed by :mod:`observe.client.rest` (one observation per HTTP
exchange), :class:`WorkQueueMetrics` by :mod:`observe.client.workqueue`. The registry is
always the caller's (built in the component's entry point); each registry gets one instance
of each family however many clients or queues share it, because prometheus_client refuses a
second registration of the same name.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# client-go's latency buckets for rest_client_request_duration_seconds.
REQUEST_DURATION_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
# client-go's workqueue buckets: 10ns to 10s, a decade each.
WORKQUEUE_DURATION_BUCKETS = tuple(1e-8 * 10**i for i in range(10))

# The code label of a request that got no HTTP answer at all, as client-go writes it.
NO_RESPONSE_CODE = "<error>"

_T = TypeVar("_T")
_per_registry: weakref.WeakKeyDictionary[CollectorRegistry, dict[type, object]] = (
    weakref.WeakKeyDictionary()
)


def _shared(cls: type[_T], registry: CollectorRegistry) -> _T:
    families = _per_registry.setdefault(registry, {})
    if cls not in families:
        families[cls] = cls(registry)
    return families[cls]  # type: ignore[return-value]


class RestClientMetrics:
    """``rest_client_requests_total{code,method,host}`` and
    ``rest_client_request_duration_seconds{verb,host}``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "rest_client_requests",
            "HTTP requests to the API server, by response code, method and host.",
            ["code", "method", "host"],
            registry=registry,
        )
        self.duration = Histogram(
            "rest_client_request_duration_seconds",
            "Time from sending a request to the API server until its response headers.",
            ["verb", "host"],
            buckets=REQUEST_DURATION_BUCKETS,
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> RestClientMetrics:
        return _shared(cls, registry)

    def observe(self, method: str, host: str, code: str, seconds: float) -> None:
        self.requests.labels(code=code, method=method, host=host).inc()
        self.duration.labels(verb=method, host=host).observe(seconds)


class WorkQueueMetrics:
    """The seven ``workqueue_*`` families, each labelled by queue ``name``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["name"]
        self.depth = Gauge("workqueue_depth", "Keys waiting in the work queue.", labels,
                           registry=registry)
        self.adds = Counter("workqueue_adds", "Keys added to the work queue.", labels,
                            registry=registry)
        self.queue_duration = Histogram(
            "workqueue_queue_duration_seconds",
            "Time a key waits in the work queue before a worker takes it.",
            labels, buckets=WORKQUEUE_DURATION_BUCKETS, registry=registry,
        )
        self.work_duration = Histogram(
            "workqueue_work_duration_seconds",
            "Time a worker spends on a key, from taking it to marking it done.",
            labels, buckets=WORKQUEUE_DURATION_BUCKETS, registry=registry,
        )
        self.retries = Counter("workqueue_retries", "Keys re-queued after a failure.", labels,
                               registry=registry)
        self.unfinished_work = Gauge(
            "workqueue_unfinished_work_seconds",
            "Sum of the time every key still being worked on has been in progress; "
            "a steady rise means stuck workers.",
            labels, registry=registry,
        )
        self.longest_running = Gauge(
            "workqueue_longest_running_processor_seconds",
            "How long the longest-running key still being worked on has been in progress.",
            labels, registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> WorkQueueMetrics:
        return _shared(cls, registry)

    def bind_in_progress(
        self, name: str, unfinished: Callable[[], float], longest: Callable[[], float]
    ) -> None:
        """Compute the two in-progress gauges of queue ``name`` at scrape time."""
        self.unfinished_work.labels(name=name).set_function(unfinished)
        self.longest_running.labels(name=name).set_function(longest)
