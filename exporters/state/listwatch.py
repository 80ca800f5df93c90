"""Wrappers of the list/watch seam between the informers and the REST client.

:class:`TransformingListerWatcher` hands the informer a transformed copy of every object
(client-go's informer transform): the state exporter caches rendered metrics, not objects.

:class:`InstrumentedListerWatcher` wraps anything with the client's ``list`` and ``watch``
(:class:`observe.client.informer.ListerWatcher`) and feeds ksm's self-metrics
``kube_state_metrics_list_total{resource,result}`` and
``kube_state_metrics_watch_total{resource,result}``: a list call that fails counts as an
error, one that answers as a success; a watch counts as a success once the server starts
streaming and as an error when it fails before that. ``resource`` is ksm's Go type name
(``*v1.Pod``), so kube-prometheus' ``KubeStateMetricsListErrors``/``WatchErrors`` alerts
work unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from observe.api.registry import ResourceType
from observe.client.errors import ClientError
from observe.client.informer import ListerWatcher

SUCCESS, ERROR = "success", "error"
# The event type a transform sees for objects that come from a list.
LISTED = "LISTED"
# Watch events whose object is not one of the collection's objects.
_NOT_OBJECTS = ("BOOKMARK", "ERROR")

Transform = Callable[[ResourceType, str, dict[str, Any]], dict[str, Any]]


class ListWatchMetrics:
    """ksm's two list/watch counters, registered in the exporter's telemetry registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lists = Counter("kube_state_metrics_list", "Number of total resource list in "
                             "kube-state-metrics", ["result", "resource"], registry=registry)
        self.watches = Counter("kube_state_metrics_watch", "Number of total resource watches in "
                               "kube-state-metrics", ["result", "resource"], registry=registry)


class InstrumentedListerWatcher:
    """``list``/``watch`` passed through to ``inner``, each outcome counted per resource."""

    def __init__(self, inner: ListerWatcher, metrics: ListWatchMetrics,
                 type_names: Mapping[tuple[str, str], str]) -> None:
        self._inner = inner
        self._metrics = metrics
        self._type_names = dict(type_names)

    def _resource(self, resource_type: ResourceType) -> str:
        return self._type_names.get((resource_type.group, resource_type.plural),
                                    f"*{resource_type.version}.{resource_type.kind}")

    async def list(self, resource_type: ResourceType, **options: Any) -> dict[str, Any]:
        resource = self._resource(resource_type)
        try:
            answer = await self._inner.list(resource_type, **options)
        except ClientError:
            self._metrics.lists.labels(result=ERROR, resource=resource).inc()
            raise
        self._metrics.lists.labels(result=SUCCESS, resource=resource).inc()
        return answer

    async def watch(self, resource_type: ResourceType, **options: Any
                    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        resource = self._resource(resource_type)
        started = False
        try:
            async with contextlib.aclosing(self._inner.watch(resource_type, **options)) as stream:
                async for event in stream:
                    if not started:
                        started = True
                        self._metrics.watches.labels(result=SUCCESS, resource=resource).inc()
                    yield event
        except ClientError:
            if not started:
                self._metrics.watches.labels(result=ERROR, resource=resource).inc()
            raise
        if not started:
            # Established and ended quietly (the server's timeout): still a good watch.
            self._metrics.watches.labels(result=SUCCESS, resource=resource).inc()


class TransformingListerWatcher:
    """``list``/``watch`` of ``inner`` with every object replaced by
    ``transform(resource_type, event_type, obj)`` (``LISTED`` for list items); bookmarks and
    error events pass untouched."""

    def __init__(self, inner: ListerWatcher, transform: Transform) -> None:
        self._inner = inner
        self._transform = transform

    async def list(self, resource_type: ResourceType, **options: Any) -> dict[str, Any]:
        answer = await self._inner.list(resource_type, **options)
        items = answer.get("items") or []
        answer["items"] = [self._transform(resource_type, LISTED, obj) for obj in items]
        return answer

    async def watch(self, resource_type: ResourceType, **options: Any
                    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        async with contextlib.aclosing(self._inner.watch(resource_type, **options)) as stream:
            async for event_type, obj in stream:
                if event_type not in _NOT_OBJECTS:
                    obj = self._transform(resource_type, event_type, obj)
                yield event_type, obj
