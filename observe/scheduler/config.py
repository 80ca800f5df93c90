"""What ``observe scheduler`` is told at start: read once from flags in :mod:`.main` and
passed down to :class:`~observe.scheduler.scheduler.Scheduler`."""

from __future__ import annotations

from dataclasses import dataclass

from observe.api.podinfo import DEFAULT_SCHEDULER_NAME
from observe.scheduler import queue
from observe.scheduler.framework import PluginSpec, Profile
from observe.scheduler.plugins.registry import DEFAULT_PLUGINS


@dataclass(frozen=True)
class SchedulerConfig:
    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    """Pods whose ``spec.schedulerName`` is this are ours; Events name it as their source."""

    plugins: tuple[PluginSpec, ...] = DEFAULT_PLUGINS
    """The profile's plugins, in extension-point order, with score weights."""

    percentage_of_nodes_to_score: int = 0
    """Stop filtering after this percentage of nodes were found feasible; 0 is adaptive."""

    pod_initial_backoff_seconds: float = queue.INITIAL_BACKOFF
    """Back-off after a pod's first failed attempt, doubled with each further attempt."""

    pod_max_backoff_seconds: float = queue.MAX_BACKOFF
    """Ceiling of the per-pod back-off."""

    pod_max_in_unschedulable_seconds: float = queue.MAX_IN_UNSCHEDULABLE
    """How long an unschedulable pod waits for a relevant cluster event before it is tried
    again anyway."""

    max_concurrent_bindings: int = 64
    """Bindings in flight at once; scheduling pauses when all are taken. More would only
    lengthen the apiserver's queue, and every attempt's latency includes its binding."""

    event_limit: int = 1000
    """Events waiting to be written before new ones are dropped (client-go's queue size)."""

    @property
    def profile(self) -> Profile:
        return Profile(self.scheduler_name, self.plugins, self.percentage_of_nodes_to_score)
