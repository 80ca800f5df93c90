"""The state exporter: one informer per kind, caching rendered metrics instead of objects.

Built from a client (anything with ``list`` and ``watch``), the options, and the registry
that takes its self-metrics. Between the informers and the client sit two wrappers
(:mod:`.listwatch`): one counts lists and watches as ksm does, the other renders each
object's metrics as it arrives (:mod:`.store`) so the informers cache only those.
Informers keep their cache when the apiserver goes away and list/watch again with back-off
on their own, so the last state keeps being served and changes show up again once the
apiserver is back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from exporters.state.exposition import Object
from exporters.state.listwatch import (
    InstrumentedListerWatcher,
    ListWatchMetrics,
    TransformingListerWatcher,
)
from exporters.state.metrics import KINDS, KINDS_BY_RESOURCE
from exporters.state.metrics.kind import MetricOptions
from exporters.state.store import Exposition, KindRenderer, concatenate, deleted_stub
from observe.api.registry import Registry, ResourceType, default_registry
from observe.client.informer import Informer, ListerWatcher, SharedInformerFactory


@dataclass(frozen=True)
class StateOptions:
    """What to export (ksm's ``--resources`` and allowlist flags)."""

    resources: Sequence[str] = tuple(k.resource for k in KINDS)
    metric_options: MetricOptions = field(default_factory=lambda: MetricOptions({}, {}))


def unknown_resources(resources: Sequence[str]) -> list[str]:
    return [r for r in resources if r not in KINDS_BY_RESOURCE]


def sharding_metrics(registry: CollectorRegistry) -> None:
    """ksm's sharding gauges, for kube-prometheus' shard alerts: one shard, ordinal 0."""
    ordinal = Gauge("kube_state_metrics_shard_ordinal",
                    "Current sharding ordinal/index of this instance", ["shard_ordinal"],
                    registry=registry)
    ordinal.labels(shard_ordinal="0").set(0)
    Gauge("kube_state_metrics_total_shards", "Number of total shards this instance is aware of",
          registry=registry).set(1)


class StateExporter:
    """Informers and renderers for the chosen kinds, in ksm's output order."""

    def __init__(self, client: ListerWatcher, options: StateOptions,
                 telemetry: CollectorRegistry, types: Registry | None = None,
                 **informer_options: Any) -> None:
        unknown = unknown_resources(options.resources)
        if unknown:
            raise ValueError(f"unknown resources: {', '.join(unknown)}")
        types = types or default_registry()
        kinds = sorted({KINDS_BY_RESOURCE[r] for r in options.resources},
                       key=lambda k: k.resource)
        self._renderers = {(k.group, k.plural): KindRenderer(k, k.families(options.metric_options))
                           for k in kinds}
        counted = InstrumentedListerWatcher(
            client, ListWatchMetrics(telemetry), {(k.group, k.plural): k.go_type for k in kinds})
        self.factory = SharedInformerFactory(TransformingListerWatcher(counted, self._render),
                                             **informer_options)
        self._kinds: list[tuple[KindRenderer, Informer]] = []
        for kind in kinds:
            resource_type = types.get(kind.group, kind.plural)
            if resource_type is None:
                raise ValueError(f"the API registry has no {kind.plural}.{kind.group}")
            self._kinds.append((self._renderers[(kind.group, kind.plural)],
                                self.factory.informer(resource_type)))

    def _render(self, resource_type: ResourceType, event_type: str, obj: Object) -> Object:
        if event_type == "DELETED":
            return deleted_stub(obj)
        return self._renderers[(resource_type.group, resource_type.plural)].render(obj)

    def start(self) -> None:
        self.factory.start()

    async def stop(self) -> None:
        await self.factory.shutdown()

    def not_ready_reason(self) -> str | None:
        """``None`` once every informer has listed once, else what it still waits for."""
        waiting = [i.resource_type.plural for _, i in self._kinds if not i.has_synced]
        return f"waiting for the first list of {', '.join(waiting)}" if waiting else None

    def exposition(self) -> Exposition:
        """The whole exposition, kind after kind, from the informers' caches as they are
        now."""
        return concatenate(renderer.exposition(informer.list())
                           for renderer, informer in self._kinds)
